"""An exponential moving average of the generator's weights (Karras et al. 2018; BigGAN).

theta_ema <- decay * theta_ema + (1 - decay) * theta after every G step; before
``start`` the copy simply follows G. Buffers (batch-norm statistics) are copied, not
averaged. Samples and evaluation use the EMA generator when it exists.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMAGenerator:
    def __init__(
        self, generator: nn.Module, decay: float, start: int = 0, rampup: float | None = None
    ):
        if not 0 <= decay < 1:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay, self.start, self.rampup = decay, start, rampup
        self.model = copy.deepcopy(generator).eval().requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The decay used after G step ``step`` (1-based). With a ramp-up (StyleGAN2-ADA) the
        half-life, in steps, is at most ``rampup * step``: 0.5 ** (1 / half-life)."""
        if step <= self.start or self.decay == 0:
            return 0.0
        if self.rampup is None:
            return self.decay
        return min(self.decay, 0.5 ** (1.0 / max(self.rampup * step, 1e-8)))

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        """Fold in G's weights after G step number ``step`` (1-based)."""
        decay = self.decay_at(step)
        averaged = dict(self.model.named_parameters())
        for name, param in generator.named_parameters():
            averaged[name].lerp_(param.detach(), 1.0 - decay)
        buffers = dict(self.model.named_buffers())
        for name, buffer in generator.named_buffers():
            buffers[name].copy_(buffer)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.model.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(state)

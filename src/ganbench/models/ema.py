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
    def __init__(self, generator: nn.Module, decay: float, start: int = 0):
        if not 0 <= decay < 1:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay, self.start = decay, start
        self.model = copy.deepcopy(generator).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, generator: nn.Module, step: int) -> None:
        """Fold in G's weights after G step number ``step`` (1-based)."""
        decay = self.decay if step > self.start else 0.0
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

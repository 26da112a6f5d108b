"""An exponential moving average of the generator's weights (Karras et al. 2018; BigGAN).

theta_ema <- decay * theta_ema + (1 - decay) * theta after every G step; before
``start`` the copy simply follows G. Samples and evaluation use the EMA generator when it
exists.

Batch-norm statistics cannot be averaged like weights: the running mean and variance G
collected belong to G's weights, not to the average. With ``statistics`` (fixed latent
batches) the EMA generator's statistics are recomputed for its own weights whenever it is
read after an update (BigGAN's "standing statistics"); without, G's are copied. The
recomputation reads fixed latents and no random state, so it never changes training.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

LatentBatch = tuple[torch.Tensor, torch.Tensor | None]


def has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


@torch.no_grad()
def recompute_batch_norm(model: nn.Module, batches: Sequence[LatentBatch]) -> None:
    """Set every batch norm's running statistics to the average over ``batches`` of the
    batch statistics ``model`` produces; leaves ``model`` in eval mode."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a cumulative average over the batches
    device = next(model.parameters()).device
    model.train()
    try:
        for z, labels in batches:
            model(z.to(device), None if labels is None else labels.to(device))
    finally:
        for norm, momentum in zip(norms, momenta, strict=True):
            norm.momentum = momentum
        model.eval()


class EMAGenerator:
    def __init__(
        self,
        generator: nn.Module,
        decay: float,
        start: int = 0,
        rampup: float | None = None,
        statistics: Sequence[LatentBatch] | None = None,
    ):
        if not 0 <= decay < 1:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay, self.start, self.rampup = decay, start, rampup
        self.model = copy.deepcopy(generator).eval().requires_grad_(False)
        self.statistics = statistics if statistics and has_batch_norm(generator) else None
        self._stale = False

    @property
    def ready_model(self) -> nn.Module:
        """The averaged generator, its batch-norm statistics recomputed if they are stale."""
        if self._stale and self.statistics is not None:
            recompute_batch_norm(self.model, self.statistics)
        self._stale = False
        return self.model

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
        self._stale = True

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.ready_model.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(state)
        self._stale = False

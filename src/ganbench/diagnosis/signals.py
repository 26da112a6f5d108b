"""The cheap signals a training step logs so a run can be diagnosed without re-running it.

Each costs a small fraction of a step: one norm over the gradients already computed, one
distance matrix over at most ``DIVERSITY_ROWS`` images, one nearest-centre lookup for 2D
toys. None draws random numbers, so logging them leaves training bit-for-bit unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

DIVERSITY_ROWS = 32  # images per batch compared pairwise


def gradient_norm(module: nn.Module) -> torch.Tensor:
    """The L2 norm of all of a module's parameter gradients together (0 if none)."""
    grads = [p.grad.detach().float() for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros(())
    norms = torch._foreach_norm(grads)
    return torch.linalg.vector_norm(torch.stack(norms))


def sign_on_real(real_logits: torch.Tensor, threshold: float) -> torch.Tensor:
    """Karras et al. 2020 (ADA)'s overfitting heuristic r_t = E[sign(D(x))] on real images,
    about the loss's decision threshold: 1 when D is sure of every real image."""
    return torch.sign(real_logits.detach().float() - threshold).mean()


def batch_diversity(samples: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """Mean distance between samples of the same class in one batch (of all samples when
    unlabelled), per value: RMS difference of two images or points. A generator that draws
    one image per class scores 0 however different its classes are."""
    x = samples.detach()[:DIVERSITY_ROWS].flatten(1).float()
    if len(x) < 2:
        return torch.zeros(())
    distances = torch.cdist(x, x) / x.shape[1] ** 0.5
    same = torch.ones_like(distances, dtype=torch.bool)
    if labels is not None and labels.dim() == 1:
        y = labels[: len(x)]
        same = y[:, None] == y[None, :]
    same &= ~torch.eye(len(x), dtype=torch.bool, device=x.device)
    if not bool(same.any()):
        return torch.zeros(())
    return distances[same].mean()


def mode_histogram(points: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """How many 2D samples lie nearest each mixture centre: shape (K,). Every sample counts,
    sharp or not: this says where G puts its mass (the toys' sharpness criterion, in
    :mod:`ganbench.metrics.toys`, is for the evaluation)."""
    p = points.detach().float()
    nearest = torch.cdist(p, centres.to(p.device, torch.float32)).argmin(1)
    return torch.bincount(nearest, minlength=len(centres)).float()

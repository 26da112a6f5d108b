"""The truncation trick (Brock et al. 2019, BigGAN): latent entries whose magnitude exceeds a
threshold are redrawn until none does, so z follows a truncated normal. Lower thresholds
trade variety for fidelity."""

from __future__ import annotations

import torch

MAX_ROUNDS = 1000


def truncate_latent(
    z: torch.Tensor, threshold: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    if threshold <= 0:
        raise ValueError(f"truncation threshold must be positive, got {threshold}")
    z = z.clone()
    for _ in range(MAX_ROUNDS):
        outside = z.abs() > threshold
        count = int(outside.sum())
        if count == 0:
            return z
        z[outside] = torch.randn(count, generator=generator, dtype=z.dtype).to(z.device)
    # Thresholds far below 1 could loop for long; clamp the few stragglers.
    return z.clamp_(-threshold, threshold)

"""Paths through the latent space: linear and spherical interpolation, closed walks."""

from __future__ import annotations

import torch

PARALLEL = 1e-4  # |cos| within this of 1: slerp's sin(omega) is too small, lerp instead


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Rows a + t (b - a) for each t: (len(t), dim)."""
    t = t.reshape(-1, 1).to(a.dtype)
    return a[None] + t * (b - a)[None]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for GAN latents): along the great
    circle between the directions of a and b, the norm interpolated linearly. Falls back to
    :func:`lerp` when a and b are (anti)parallel, where the great circle is undefined."""
    na, nb = a.norm(), b.norm()
    if na == 0 or nb == 0:
        return lerp(a, b, t)
    cos = torch.clamp(torch.dot(a / na, b / nb), -1.0, 1.0)
    if 1 - cos.abs() < PARALLEL:
        return lerp(a, b, t)
    omega = torch.arccos(cos)
    t = t.reshape(-1, 1).to(a.dtype)
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def interpolate(
    a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "slerp"
) -> torch.Tensor:
    """``steps`` latents from a to b, both ends included."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, got {steps}")
    t = torch.linspace(0.0, 1.0, steps)
    return slerp(a, b, t) if method == "slerp" else lerp(a, b, t)


def closed_walk(
    keypoints: torch.Tensor, frames_per_leg: int, method: str = "slerp"
) -> torch.Tensor:
    """Through every keypoint and back to the first: each leg without its last frame, so
    the loop repeats no frame when played over and over."""
    if len(keypoints) < 2:
        raise ValueError(
            f"a walk needs at least 2 keypoints, got {len(keypoints)}: pass more --seeds"
        )
    legs = []
    for k in range(len(keypoints)):
        a, b = keypoints[k], keypoints[(k + 1) % len(keypoints)]
        legs.append(interpolate(a, b, frames_per_leg + 1, method)[:-1])
    return torch.cat(legs)

"""Blurring D's inputs early in training (StyleGAN3's ``blur_init_sigma``, Karras et al. 2021).

Real and generated images are blurred alike with a Gaussian whose sigma falls linearly to 0.
A stroke one pixel wide that G draws one pixel off the real place then still overlaps it
after the blur, so D's gradient tells G which way to move the stroke instead of only that
it is wrong; once sigma reaches 0, D sees the images as they are.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def blur_sigma(step: int, start: float, fade_steps: int) -> float:
    """Sigma at G step ``step``: ``start`` falling linearly to 0 at ``fade_steps``."""
    if start <= 0 or step >= fade_steps:
        return 0.0
    return start * (1.0 - step / fade_steps)


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """A normalised 1D Gaussian reaching 2 sigma on each side."""
    radius = max(1, math.ceil(2 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def blur_images(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, C, H, W) images blurred by a separable Gaussian; edges replicate (the background
    stays the background). ``sigma`` <= 0 returns the images unchanged."""
    if sigma <= 0 or images.dim() != 4:
        return images
    channels = images.shape[1]
    # channels-last, the layout D takes on the CPU: its depthwise convolutions run ~4x faster
    images = images.contiguous(memory_format=torch.channels_last)
    kernel = gaussian_kernel(sigma).to(images.device, images.dtype)
    radius = len(kernel) // 2
    padded = F.pad(images, (radius, radius, radius, radius), mode="replicate")
    horizontal = kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)
    vertical = kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)
    out = F.conv2d(padded, horizontal, groups=channels)
    return F.conv2d(out, vertical, groups=channels)

"""Resizing uint8 image tensors to the square size a model expects."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def resize_square(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, h, w) uint8 -> (N, C, size, size) uint8: scale the shorter side, centre-crop.

    Bilinear with antialiasing, so downscaling does not alias and upscaling (8x8 digits to
    32x32) stays smooth.
    """
    h, w = images.shape[-2:]
    if (h, w) == (size, size):
        return images
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    out = []
    for chunk in images.split(1024):
        resized = F.interpolate(
            chunk.float(), size=(new_h, new_w), mode="bilinear", antialias=True,
            align_corners=False,
        )  # fmt: skip
        top, left = (new_h - size) // 2, (new_w - size) // 2
        cropped = resized[..., top : top + size, left : left + size]
        out.append(cropped.round_().clamp_(0, 255).to(torch.uint8))
    return torch.cat(out)

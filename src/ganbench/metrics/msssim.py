"""MS-SSIM diversity (PGGAN): mean MS-SSIM over random pairs from one image set.

Higher means less diverse; compare with the value of the real data. torchmetrics' defaults (5
scales, 11x11 window) need images of at least 176 px, so scales and window shrink with the image
size (see :func:`msssim_settings`); the Gaussian sigma shrinks with the window as in PGGAN
(1.5 * kernel / 11). With fewer than 5 scales the first (finest) standard weights are kept and
renormalised to sum to 1.
"""

from __future__ import annotations

from typing import Any

import torch
from torchmetrics.functional.image import multiscale_structural_similarity_index_measure

from ganbench.seeding import torch_generator

BETAS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
MAX_KERNEL = 11
MIN_KERNEL = 7


def _largest_kernel(size: int, scales: int) -> int:
    """Largest odd window <= 11 that fits the coarsest scale and torchmetrics' size check."""
    coarsest = size // 2 ** (scales - 1)
    checked = size // max(1, scales - 1) ** 2  # torchmetrics requires this > kernel - 1
    k = min(MAX_KERNEL, coarsest, checked)
    if size < 2**scales:  # another torchmetrics check
        return 0
    return k if k % 2 else k - 1


def msssim_settings(height: int, width: int) -> tuple[int, int]:
    """(scales, kernel) for an image size: the most scales (<= 5) whose coarsest level still holds
    a window of at least 7 px, then the largest odd window (<= 11) that fits; when no scale count
    allows 7 px (images under 14 px), plain SSIM (one scale) with the largest window that fits.
    Raises ValueError under 3 px.

    Examples: 28 and 32 px -> (3, 7); 64 -> (4, 7); 128 -> (5, 7); 256 -> (5, 11).
    """
    size = min(height, width)
    for scales in range(len(BETAS), 0, -1):
        kernel = _largest_kernel(size, scales)
        if kernel >= MIN_KERNEL:
            return scales, kernel
    kernel = _largest_kernel(size, 1)
    if kernel < 3:
        raise ValueError(f"MS-SSIM needs images of at least 3 px, got {height}x{width}")
    return 1, kernel


def ms_ssim_diversity(
    images: torch.Tensor,
    pairs: int = 10_000,
    seed: int = 0,
    scales: int | None = None,
    kernel: int | None = None,
    batch_size: int = 500,
) -> dict[str, Any]:
    """Mean MS-SSIM over ``pairs`` random pairs of distinct images from (N, C, H, W) in [-1, 1].

    ``scales`` and ``kernel`` default to :func:`msssim_settings`.
    """
    if images.ndim != 4 or len(images) < 2:
        raise ValueError(f"need (N, C, H, W) images with N >= 2, got {tuple(images.shape)}")
    if pairs < 1:
        raise ValueError(f"pairs must be positive, got {pairs}")
    auto_scales, auto_kernel = msssim_settings(*images.shape[-2:])
    scales = scales or auto_scales
    kernel = kernel or auto_kernel
    if not 1 <= scales <= len(BETAS):
        raise ValueError(f"scales must be between 1 and {len(BETAS)}, got {scales}")
    weights = BETAS[:scales]
    betas = tuple(float(b / sum(weights)) for b in weights)
    sigma = 1.5 * kernel / MAX_KERNEL

    gen = torch_generator(seed, "ms-ssim-pairs")
    n = len(images)
    first = torch.randint(0, n, (pairs,), generator=gen)
    # a uniform offset in 1..n-1 makes the second index uniform over the other images
    second = (first + torch.randint(1, n, (pairs,), generator=gen)) % n
    x = ((images.detach().float() + 1) / 2).clamp(0, 1)
    total = 0.0
    for start in range(0, pairs, batch_size):
        i = first[start : start + batch_size].to(x.device)
        j = second[start : start + batch_size].to(x.device)
        values = multiscale_structural_similarity_index_measure(
            x[i],
            x[j],
            sigma=sigma,
            kernel_size=kernel,
            data_range=1.0,
            betas=betas,
            normalize="relu",
            reduction="none",
        )
        total += values.double().sum().item()
    return {"ms_ssim": total / pairs, "pairs": pairs, "scales": scales, "kernel": kernel}

"""MS-SSIM diversity (PGGAN): mean MS-SSIM over random pairs from one image set.

Higher means less diverse; compare with the value of the real data. torchmetrics' defaults (5
scales, 11x11 window) need images of at least 176 px, so scales and window shrink with the image
size (see :func:`msssim_settings`); the Gaussian sigma shrinks with the window as in PGGAN
(1.5 * kernel / 11). With fewer than 5 scales the first (finest) standard weights are kept and
renormalised to sum to 1.

The computation is torchmetrics' (reflection padding; at the coarsest scale the mean of the
whole SSIM map, at the others of the contrast term inside the unpadded area; ReLU), with
the Gaussian blur written as two small matrix products whose matrices fold in the reflection:
on a CPU the matrix products run several times faster than a grouped convolution.
tests/test_metric_msssim.py checks it against torchmetrics.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import torch
import torch.nn.functional as F

from ganbench.seeding import torch_generator

BETAS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
MAX_KERNEL = 11
MIN_KERNEL = 7
K1, K2 = 0.01, 0.03  # SSIM's stabilising constants for a data range of 1


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
    batch_size: int = 100,
    among: torch.Tensor | None = None,
) -> dict[str, Any]:
    """Mean MS-SSIM over ``pairs`` random pairs of distinct images from (N, C, H, W) in [-1, 1].

    ``scales`` and ``kernel`` default to :func:`msssim_settings`. ``among`` (indices into
    ``images``) draws the pairs from those images only, the same pairs as
    ``images[among]`` would give, without copying them.
    """
    count = len(images) if among is None else len(among)
    if images.ndim != 4 or count < 2:
        raise ValueError(f"need (N, C, H, W) images with N >= 2, got {tuple(images.shape)}")
    if pairs < 1:
        raise ValueError(f"pairs must be positive, got {pairs}")
    auto_scales, auto_kernel = msssim_settings(*images.shape[-2:])
    scales = scales or auto_scales
    kernel = kernel or auto_kernel
    if not 1 <= scales <= len(BETAS):
        raise ValueError(f"scales must be between 1 and {len(BETAS)}, got {scales}")
    if kernel < 1 or kernel % 2 == 0:
        raise ValueError(f"kernel must be an odd window of at least 1 px, got {kernel}")
    height, width = images.shape[-2:]
    size = min(height, width)
    coarsest = size // 2 ** (scales - 1)
    padding = _taps(1.5 * kernel / MAX_KERNEL) // 2
    # torchmetrics' checks, and a reflection that fits the coarsest scale
    if size < 2**scales or size // max(1, scales - 1) ** 2 <= kernel - 1 or padding >= coarsest:
        raise ValueError(
            f"{scales} scales with a {kernel}-px window do not fit {height}x{width} images; "
            f"leave scales and kernel unset for this size's ({msssim_settings(height, width)})"
        )
    weights = BETAS[:scales]
    betas = tuple(float(b / sum(weights)) for b in weights)
    sigma = 1.5 * kernel / MAX_KERNEL

    gen = torch_generator(seed, "ms-ssim-pairs")
    first = torch.randint(0, count, (pairs,), generator=gen)
    # a uniform offset in 1..n-1 makes the second index uniform over the other images
    second = (first + torch.randint(1, count, (pairs,), generator=gen)) % count
    if among is not None:
        first, second = among[first], among[second]
    images = images.detach()
    total = 0.0
    for start in range(0, pairs, batch_size):  # only the paired images are converted
        i = first[start : start + batch_size].to(images.device)
        j = second[start : start + batch_size].to(images.device)
        total += ms_ssim(_unit(images[i]), _unit(images[j]), betas, sigma).double().sum().item()
    return {"ms_ssim": total / pairs, "pairs": pairs, "scales": scales, "kernel": kernel}


def _unit(images: torch.Tensor) -> torch.Tensor:
    return ((images.float() + 1) / 2).clamp(0, 1)


def _taps(sigma: float) -> int:
    """torchmetrics' Gaussian window for ``sigma``: int(3.5 sigma + 0.5) * 2 + 1 taps."""
    return int(3.5 * sigma + 0.5) * 2 + 1


@lru_cache(maxsize=64)
def _blur_matrix(size: int, sigma: float) -> torch.Tensor:
    """(size, size) matrix B such that B @ v is v reflection-padded, then blurred by a Gaussian
    of ``sigma`` (:func:`_taps` taps) back to ``size``. Cached and shared: never modify it."""
    taps = _taps(sigma)
    offsets = torch.arange(taps, dtype=torch.float64) - (taps - 1) / 2
    weights = torch.exp(-((offsets / sigma) ** 2) / 2)
    weights /= weights.sum()
    source = torch.arange(size)[:, None] + offsets.long()[None]  # (size, taps) source pixels
    source = source.abs()  # reflect at the first pixel
    source = torch.where(source >= size, 2 * (size - 1) - source, source)  # and at the last
    matrix = torch.zeros(size, size, dtype=torch.float64)
    matrix.scatter_add_(1, source, weights.expand(size, -1).contiguous())
    return matrix.float()


def ms_ssim(
    x: torch.Tensor, y: torch.Tensor, betas: tuple[float, ...], sigma: float
) -> torch.Tensor:
    """MS-SSIM of each pair (x[k], y[k]) of (N, C, H, W) images in [0, 1]: (N,)."""
    padding = _taps(sigma) // 2
    c1, c2 = K1**2, K2**2
    terms = []
    for scale in range(len(betas)):
        height, width = x.shape[-2:]
        rows = _blur_matrix(height, sigma).to(x.device, x.dtype)
        cols = _blur_matrix(width, sigma).to(x.device, x.dtype).T
        mean_x, mean_y = rows @ x @ cols, rows @ y @ cols
        mean_xx, mean_yy, mean_xy = mean_x * mean_x, mean_y * mean_y, mean_x * mean_y
        var_x = (rows @ (x * x) @ cols - mean_xx).clamp(min=0)
        var_y = (rows @ (y * y) @ cols - mean_yy).clamp(min=0)
        upper = 2 * (rows @ (x * y) @ cols - mean_xy) + c2
        lower = var_x + var_y + c2
        if scale == len(betas) - 1:  # the full SSIM at the coarsest scale, over the whole map
            term = ((2 * mean_xy + c1) * upper) / ((mean_xx + mean_yy + c1) * lower)
        else:  # contrast-structure only, inside the unpadded area
            term = (upper / lower)[..., padding : height - padding, padding : width - padding]
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
        terms.append(term.reshape(len(term), -1).mean(1).relu())
    powers = torch.tensor(betas, device=x.device).view(-1, 1)
    return torch.prod(torch.stack(terms) ** powers, 0)

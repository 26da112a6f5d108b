"""Sliced Wasserstein distance between image sets, after PGGAN (Karras et al. 2018).

Each image is decomposed into a Laplacian pyramid (5x5 binomial filter, mirror borders) down to
16 px; the last level is the low-pass residual. From every level, 7x7xC patches are cut at random
positions, standardised per channel (each set with its own mean and std, as in PGGAN), and
compared by the sliced Wasserstein distance over 4 x 128 random unit directions. Each level's
value is multiplied by 1e3; ``mean`` averages the levels.

Implemented with numpy and OpenCV on the CPU. Speed: PGGAN takes 128 patches per image from 16k
images (2M descriptors per level). Here at most ``max_descriptors`` (default 2^15) patches per
level are drawn per set, spread evenly over the images with at most ``patches_per_image`` from
each, so 10k vs 10k 64 px images take about 4 s on two CPU cores. The noise floor (the value
between two samples of one distribution) falls like 1/sqrt(descriptors): for i.i.d. noise images
about 14, 10 and 7 at 2^14, 2^15 and 2^16. Compare values computed with equal settings only.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch

from ganbench.seeding import derive_seed

MIN_RESOLUTION = 16
PATCH = 7
_CV_CHANNELS = 128  # OpenCV filters take at most this many channels at once


def pyramid_sizes(height: int, width: int) -> list[tuple[int, int]]:
    """(height, width) of each Laplacian level, halving (rounding up) while both stay >= 16."""
    if min(height, width) < MIN_RESOLUTION:
        raise ValueError(f"SWD needs images of at least {MIN_RESOLUTION} px, got {height}x{width}")
    sizes = [(height, width)]
    while min(sizes[-1]) // 2 >= MIN_RESOLUTION:
        h, w = sizes[-1]
        sizes.append(((h + 1) // 2, (w + 1) // 2))
    return sizes


def laplacian_pyramid(stack: np.ndarray, levels: int) -> list[np.ndarray]:
    """Band-pass levels of an (H, W, <=128) float32 channel stack, finest first; the last one is
    the low-pass residual. cv2.pyrDown/pyrUp use the 5x5 binomial filter and mirror borders."""
    pyramid = [stack]
    for _ in range(1, levels):
        fine = pyramid[-1]
        coarse = cv2.pyrDown(fine)
        up = cv2.pyrUp(coarse, dstsize=(fine.shape[1], fine.shape[0]))
        pyramid[-1] = fine - up.reshape(fine.shape)  # cv2 drops a trailing single channel
        pyramid.append(coarse.reshape(*coarse.shape[:2], -1))
    return pyramid


def _patch_sites(n_images, sizes, per_image, count, rng):
    """Per level: (image index, top row, left column) of ``count`` patches, sorted by image, with
    at most ``per_image`` from any image."""
    sites = []
    for h, w in sizes:
        slots = np.tile(np.arange(n_images), per_image)
        images = np.sort(slots[rng.permutation(len(slots))[:count]])
        top = rng.integers(0, h - PATCH + 1, count)
        left = rng.integers(0, w - PATCH + 1, count)
        sites.append((images, top, left))
    return sites


def _descriptors(images: np.ndarray, sites, levels: int) -> list[np.ndarray]:
    """Standardised (count, C*7*7) patch descriptors per level, computed in image groups that
    OpenCV filters as one multi-channel stack."""
    n, c, h, w = images.shape
    group = max(1, _CV_CHANNELS // c)
    offsets = np.arange(PATCH)
    chunks: list[list[np.ndarray]] = [[] for _ in range(levels)]
    for start in range(0, n, group):
        stop = min(n, start + group)
        # (G, C, H, W) -> (H, W, G*C); cv2.transpose is several times faster than numpy's
        stack = cv2.transpose(images[start:stop].reshape(-1, h * w)).reshape(h, w, -1)
        for level, band in enumerate(laplacian_pyramid(stack, levels)):
            idx, top, left = sites[level]
            lo, hi = np.searchsorted(idx, [start, stop])
            if hi == lo:
                continue
            ys = (top[lo:hi, None] + offsets)[:, :, None]
            xs = (left[lo:hi, None] + offsets)[:, None, :]
            pixel = (ys * band.shape[1] + xs) * (stop - start) + (idx[lo:hi] - start)[:, None, None]
            patches = np.take(band.reshape(-1, c), pixel.ravel(), axis=0)
            chunks[level].append(patches.reshape(hi - lo, PATCH, PATCH, c))
    out = []
    for parts in chunks:
        desc = np.concatenate(parts)  # (m, 7, 7, C)
        per_channel = np.ascontiguousarray(desc.reshape(-1, c).T)  # fast contiguous reductions
        mean = per_channel.mean(1, dtype=np.float64)
        std = per_channel.std(1, dtype=np.float64)
        desc -= mean.astype(np.float32)
        desc /= np.where(std > 0, std, 1).astype(np.float32)
        out.append(desc.reshape(len(desc), -1))
    return out


def sliced_wasserstein(
    a: np.ndarray | torch.Tensor,
    b: np.ndarray | torch.Tensor,
    dir_repeats: int = 4,
    dirs_per_repeat: int = 128,
    seed: int | np.random.Generator = 0,
) -> float:
    """Mean |sorted projection of a - sorted projection of b| over random unit directions, for
    equal-sized point sets (n, d); usable directly on raw 2D samples."""
    a, b = (
        x.detach().cpu().float().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
        for x in (a, b)
    )
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"point sets must be (n, d) of equal shape, got {a.shape} and {b.shape}")
    a, b = a.astype(np.float32, copy=False), b.astype(np.float32, copy=False)
    rng = np.random.default_rng(seed)
    results = []
    for _ in range(dir_repeats):
        dirs = rng.standard_normal((dirs_per_repeat, a.shape[1]))
        dirs = (dirs / np.linalg.norm(dirs, axis=1, keepdims=True)).astype(np.float32)
        proj_a = dirs @ a.T  # (directions, n)
        proj_b = dirs @ b.T
        proj_a.sort(axis=1)  # numpy's SIMD sort, far faster than torch.sort on the CPU
        proj_b.sort(axis=1)
        proj_a -= proj_b
        results.append(np.abs(proj_a).mean(dtype=np.float64))
    return float(np.mean(results))


def swd(
    images_a: torch.Tensor | np.ndarray,
    images_b: torch.Tensor | np.ndarray,
    patches_per_image: int = 128,
    max_descriptors: int = 2**15,
    dir_repeats: int = 4,
    dirs_per_repeat: int = 128,
    seed: int = 0,
) -> dict[str, Any]:
    """PGGAN SWD between two (N, C, H, W) image batches in [-1, 1]; ``levels`` is keyed by each
    level's height, finest first."""
    reference = SwdReference(
        images_a, patches_per_image, max_descriptors, dir_repeats, dirs_per_repeat, seed
    )
    return reference.score(images_b)


def _array(images: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(images, torch.Tensor):
        return images.detach().cpu().float().numpy()
    return np.asarray(images)


class SwdReference:
    """The first set of :func:`swd`, whose descriptors are cut once and compared with any
    number of second sets (an evaluation's generated sample, second real sample and noise):
    ``SwdReference(a, ...).score(b)`` equals ``swd(a, b, ...)``."""

    def __init__(
        self,
        images: torch.Tensor | np.ndarray,
        patches_per_image: int = 128,
        max_descriptors: int = 2**15,
        dir_repeats: int = 4,
        dirs_per_repeat: int = 128,
        seed: int = 0,
    ) -> None:
        a = _array(images)
        if a.ndim != 4 or len(a) == 0:
            raise ValueError(f"image sets must be non-empty (N, C, H, W), got {a.shape}")
        if a.shape[1] > _CV_CHANNELS:
            raise ValueError(f"SWD takes at most {_CV_CHANNELS} channels, got {a.shape[1]}")
        self.images: np.ndarray | None = a
        self.shape: tuple[int, ...] = tuple(a.shape)
        self.sizes = pyramid_sizes(*a.shape[-2:])
        self.per_image = min(patches_per_image, max_descriptors)
        self.max_descriptors, self.seed = max_descriptors, seed
        self.dir_repeats, self.dirs_per_repeat = dir_repeats, dirs_per_repeat
        self.descriptors: dict[int, list[np.ndarray]] = {}  # by descriptor count

    @classmethod
    def from_descriptors(
        cls,
        shape: tuple[int, ...],
        descriptors: dict[int, list[np.ndarray]],
        patches_per_image: int = 128,
        max_descriptors: int = 2**15,
        dir_repeats: int = 4,
        dirs_per_repeat: int = 128,
        seed: int = 0,
    ) -> SwdReference:
        """A reference rebuilt from the ``descriptors`` another one cut (kept on disk) for a set
        of ``shape``, without its images: it scores sets whose descriptor count it holds."""
        placeholder = np.zeros((1, *shape[1:]), dtype=np.float32)
        reference = cls(
            placeholder, patches_per_image, max_descriptors, dir_repeats, dirs_per_repeat, seed
        )
        reference.images, reference.shape = None, tuple(shape)
        reference.descriptors = {count: list(levels) for count, levels in descriptors.items()}
        return reference

    def _cut(self, images: np.ndarray, count: int, name: str) -> list[np.ndarray]:
        rng = np.random.default_rng(derive_seed(self.seed, "swd-sites", name))
        sites = _patch_sites(len(images), self.sizes, self.per_image, count, rng)
        images = np.ascontiguousarray(images, dtype=np.float32)
        return _descriptors(images, sites, len(self.sizes))

    def count_for(self, n: int) -> int:
        """Descriptors per level for a second set of ``n`` images: equal counts for both sets,
        as sorted projections are compared pointwise."""
        return min(self.max_descriptors, self.per_image * self.shape[0], self.per_image * n)

    def score(self, images: torch.Tensor | np.ndarray) -> dict[str, Any]:
        shape, b = self.shape, _array(images)
        if b.ndim != 4 or b.shape[1:] != shape[1:]:
            raise ValueError(
                f"image sets must be (N, C, H, W) with equal C, H, W, got {shape} and {b.shape}"
            )
        if len(b) == 0:
            raise ValueError("image sets must not be empty")
        count = self.count_for(len(b))
        if count not in self.descriptors:
            if self.images is None:
                raise ValueError(
                    f"this reference holds descriptors for {sorted(self.descriptors)} patches "
                    f"only, not {count}: build it from the images"
                )
            self.descriptors[count] = self._cut(self.images, count, "a")
        first, second = self.descriptors[count], self._cut(b, count, "b")
        directions = np.random.default_rng(derive_seed(self.seed, "swd-directions"))
        levels = {
            h: 1e3 * sliced_wasserstein(da, db, self.dir_repeats, self.dirs_per_repeat, directions)
            for (h, _), da, db in zip(self.sizes, first, second, strict=True)
        }
        return {"levels": levels, "mean": sum(levels.values()) / len(levels)}

"""Low-dimensional toys whose truth is a formula: 2D Gaussian mixtures and seed 001's curve.

Ring: ``modes`` Gaussians at angles 2*pi*k/modes, k = 0..modes-1, on a circle of
``radius`` (the usual protocol: 8 modes, radius 2, sigma 0.02). The angles deliberately
exclude 2*pi: ``linspace(0, 2*pi, 8)`` with its endpoint puts two centres on top of each
other and leaves a ring of seven. Grid: ``side`` x ``side`` Gaussians with centres
spaced ``spacing`` apart around the origin (5x5 at {-4, -2, 0, 2, 4}^2, sigma 0.05).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

CURVES = {
    "square": np.square,
    "cube": lambda x: x**3,
    "sine": lambda x: np.sin(2 * math.pi * x),
    "abs": np.abs,
}
DEFAULT_STD = {"ring": 0.02, "grid": 0.05}


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    angles = 2 * math.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid_centres(side: int = 5, spacing: float = 2.0) -> np.ndarray:
    axis = (np.arange(side) - (side - 1) / 2) * spacing
    xs, ys = np.meshgrid(axis, axis, indexing="xy")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def sample_mixture(
    centres: np.ndarray,
    std: float,
    n: int,
    rng: np.random.Generator,
    proportions: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from an isotropic Gaussian mixture, and the mode each came from."""
    weights = None
    if proportions is not None:
        weights = np.asarray(proportions, float) / sum(proportions)
    modes = rng.choice(len(centres), size=n, p=weights)
    points = centres[modes] + rng.normal(0.0, std, size=(n, centres.shape[1]))
    return points.astype(np.float32), modes.astype(np.int64)


def sample_curve(
    function: str, x_range: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Seed 001's 1D GAN data: x uniform in [-x_range, x_range], points (x, f(x))."""
    x = rng.uniform(-x_range, x_range, size=n)
    points = np.stack([x, CURVES[function](x)], axis=1)
    return points.astype(np.float32), np.zeros(n, np.int64)

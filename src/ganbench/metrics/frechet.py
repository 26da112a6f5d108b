"""Fréchet distance between Gaussians fitted to two feature sets (the maths behind FID).

FD = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), computed in float64. Plugging sample
moments into the square root biases FD upwards (roughly in 1/N), so compare values only at equal
sample counts.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import torch
from numpy.typing import ArrayLike

from ganbench.metrics.arrays import feature_array

SQRTM_EPS = 1e-6
"""Added to both covariance diagonals when (S_a S_b)^(1/2) is not finite (as pytorch-fid does)."""

IMAGINARY_TOLERANCE = 1e-3
"""Largest imaginary part on the diagonal of the matrix square root that counts as round-off."""


def gaussian_statistics(features: ArrayLike | torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and unbiased covariance (D, D) of (N, D) features, in float64."""
    f = feature_array(features)
    return f.mean(0), np.atleast_2d(np.cov(f, rowvar=False))


def _sqrtm(a: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # scipy warns on singular input; we check the result instead
        warnings.simplefilter("ignore")
        return scipy.linalg.sqrtm(a)


def frechet_distance_from_statistics(
    mu_a: ArrayLike, sigma_a: ArrayLike, mu_b: ArrayLike, sigma_b: ArrayLike, eps: float = SQRTM_EPS
) -> float:
    """Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b)."""
    mu_a, mu_b = np.atleast_1d(mu_a).astype(np.float64), np.atleast_1d(mu_b).astype(np.float64)
    sigma_a = np.atleast_2d(sigma_a).astype(np.float64)
    sigma_b = np.atleast_2d(sigma_b).astype(np.float64)
    d = mu_a.shape[0]
    if mu_b.shape != (d,) or sigma_a.shape != (d, d) or sigma_b.shape != (d, d):
        raise ValueError(
            f"statistics do not match: mu {mu_a.shape} / {mu_b.shape}, "
            f"sigma {sigma_a.shape} / {sigma_b.shape}"
        )
    covmean = _sqrtm(sigma_a @ sigma_b)
    if not np.isfinite(covmean).all():
        offset = np.eye(d) * eps
        covmean = _sqrtm((sigma_a + offset) @ (sigma_b + offset))
        if not np.isfinite(covmean).all():
            raise ValueError("matrix square root of the covariance product is not finite")
    if np.iscomplexobj(covmean):
        imag = np.max(np.abs(np.diagonal(covmean).imag))
        if imag > IMAGINARY_TOLERANCE:
            raise ValueError(
                f"matrix square root has a large imaginary component ({imag:.3g}); the "
                "covariances are probably ill-conditioned (too few samples for the dimension?)"
            )
        covmean = covmean.real
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2 * np.trace(covmean))


def frechet_distance(
    features_a: ArrayLike | torch.Tensor,
    features_b: ArrayLike | torch.Tensor,
    eps: float = SQRTM_EPS,
) -> float:
    """Fréchet distance between Gaussians fitted to two (N, D) feature sets."""
    mu_a, sigma_a = gaussian_statistics(features_a)
    mu_b, sigma_b = gaussian_statistics(features_b)
    return frechet_distance_from_statistics(mu_a, sigma_a, mu_b, sigma_b, eps)

"""Mode metrics for 2D Gaussian-mixture toys (ring, grid), following VEEGAN and PacGAN.

A sample is *high quality* (HQ) when its distance to the nearest mixture centre is below
``threshold * std``: with one isotropic ``std`` for every component this is the
diagonal-Mahalanobis distance of the papers. A mode is *covered* when it is the nearest centre of
at least one HQ sample. Reverse KL is KL(p_hat || p_ref) where p_hat is the histogram of the HQ
samples' nearest centres and p_ref is uniform (or ``weights``), as in PacGAN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike


def _as_float64(x: ArrayLike | torch.Tensor) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def nearest_centres(
    points: ArrayLike | torch.Tensor, centres: ArrayLike | torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """Index of and Euclidean distance to the nearest centre for each point."""
    p = _as_float64(points)
    c = _as_float64(centres)
    if p.ndim != 2 or c.ndim != 2 or p.shape[1] != c.shape[1]:
        raise ValueError(f"points {p.shape} and centres {c.shape} must be (N, D) and (K, D)")
    d2 = ((p[:, None, :] - c[None, :, :]) ** 2).sum(-1)  # (N, K); K is small for toys
    idx = d2.argmin(1)
    return idx, np.sqrt(d2[np.arange(len(p)), idx])


def reverse_kl(counts: ArrayLike, weights: ArrayLike | None = None) -> float:
    """KL(p_hat || p_ref) with p_hat = counts / sum; 0 log 0 = 0.

    Returns ``inf`` when there are no counts (nothing to compare) or when p_hat puts mass on a
    component whose reference weight is 0.
    """
    n = np.asarray(counts, dtype=np.float64)
    total = n.sum()
    if total <= 0:
        return float("inf")
    p = n / total
    if weights is None:
        q = np.full_like(p, 1.0 / len(p))
    else:
        q = np.asarray(weights, dtype=np.float64)
        if q.shape != p.shape or (q < 0).any() or q.sum() <= 0:
            raise ValueError(f"weights must be {p.shape} non-negative with a positive sum")
        q = q / q.sum()
    support = p > 0
    if (q[support] == 0).any():
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def toy_metrics(
    points: ArrayLike | torch.Tensor,
    centres: ArrayLike | torch.Tensor,
    std: float,
    threshold: float = 3.0,
    weights: ArrayLike | None = None,
) -> dict[str, Any]:
    """Modes covered, share of high-quality samples and reverse KL for a 2D mixture.

    ``reverse_kl`` is ``inf`` when no sample is high quality.
    """
    if std <= 0 or threshold <= 0:
        raise ValueError(f"std and threshold must be positive, got {std} and {threshold}")
    k = len(_as_float64(centres))
    idx, dist = nearest_centres(points, centres)
    n = len(idx)
    hq = dist < threshold * std
    counts = np.bincount(idx[hq], minlength=k)
    return {
        "modes_covered": int((counts > 0).sum()),
        "modes_total": k,
        "high_quality": float(hq.mean()) if n else 0.0,
        "reverse_kl": reverse_kl(counts, weights),
        "samples": n,
    }

"""Small shared helpers of the metric modules: feature arrays and file checksums."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike

from ganbench.digests import file_sha256 as file_sha256  # importable from here too


def feature_array(x: ArrayLike | torch.Tensor) -> np.ndarray:
    """(N, D) features as a finite float64 array with N >= 2, or a ValueError saying why not."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    f = np.asarray(x, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"features must be (N, D) with N >= 2, got shape {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError("features contain NaN or infinity")
    return f

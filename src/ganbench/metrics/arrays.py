"""Small shared helpers of the metric modules: feature arrays and file checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from numpy.typing import ArrayLike


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


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

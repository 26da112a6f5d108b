"""Image grids written as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from ganbench.atomic import atomic_path
from ganbench.data.dataset import to_uint8


def grid_array(images: torch.Tensor, columns: int) -> np.ndarray:
    """(N, C, H, W) images in [-1, 1] -> one (H', W', 3) uint8 array, ``columns`` per row."""
    tiles = to_uint8(images)
    if tiles.shape[1] == 1:
        tiles = tiles.expand(-1, 3, -1, -1)
    grid = make_grid(tiles, nrow=columns, padding=2, pad_value=128)
    return grid.permute(1, 2, 0).numpy()


def save_grid(images: torch.Tensor, path: str | Path, columns: int = 8) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Image.fromarray(grid_array(images, columns)).save(tmp, format="PNG")
    return path

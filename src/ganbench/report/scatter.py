"""Scatter plots of point data: real vs generated, with the known mode centres."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from ganbench.atomic import atomic_path


def scatter_png(
    generated: torch.Tensor | None,
    real: torch.Tensor | None,
    centres: torch.Tensor | None = None,
    title: str = "",
) -> bytes:
    """PNG bytes of (N, 2) points: real in grey, generated in blue, centres as red crosses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    if real is not None:
        r = real.numpy()
        ax.scatter(r[:, 0], r[:, 1], s=3, c="0.6", alpha=0.5, label="real")
    if generated is not None:
        g = generated.numpy()
        ax.scatter(g[:, 0], g[:, 1], s=3, c="tab:blue", alpha=0.6, label="generated")
    if centres is not None:
        c = centres.numpy()
        ax.scatter(c[:, 0], c[:, 1], s=40, c="tab:red", marker="x", label="mode centres")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, markerscale=3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def save_scatter(png: bytes, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)
    return path


def png_array(png: bytes) -> np.ndarray:
    """PNG bytes -> (H, W, 3) uint8, for TensorBoard."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("RGB"))

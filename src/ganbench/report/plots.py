"""Loss, discriminator-output and accuracy curves from metrics.jsonl, raw and smoothed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.atomic import atomic_path

CURVES = {
    "losses.png": ("Losses", ["d_loss_real", "d_loss_fake", "g_loss"]),
    "discriminator.png": ("Mean discriminator output", ["d_real", "d_fake"]),
    "accuracy.png": ("Discriminator accuracy", ["d_acc_real", "d_acc_fake"]),
}


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing mean over up to ``window`` points (shorter at the start)."""
    data = np.asarray(values, dtype=float)
    if len(data) == 0:
        return data
    cumulative = np.cumsum(np.insert(data, 0, 0.0))
    ends = np.arange(1, len(data) + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def write_curves(
    records: list[dict[str, Any]], out_dir: str | Path, window: int = 20
) -> list[Path]:
    """One PNG per curve family; returns the paths written (none without records)."""
    if not records:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = [r["step"] for r in records]
    written = []
    for filename, (title, keys) in CURVES.items():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for key in keys:
            values = [r.get(key, np.nan) for r in records]
            (line,) = ax.plot(steps, values, alpha=0.3, linewidth=1)
            ax.plot(steps, moving_average(values, window), color=line.get_color(), label=key)
        ax.set_title(f"{title} (faint: raw, bold: moving average of {window})")
        ax.set_xlabel("generator step")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = out_dir / filename
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
            plt.close(fig)
        written.append(path)
    return written

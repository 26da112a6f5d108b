"""Training curves from metrics.jsonl, raw and smoothed: losses, D's outputs and accuracy,
gradient norms, within-batch diversity, learning rates and throughput."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.atomic import atomic_write_bytes

# file name: (title, keys, logarithmic y axis); a figure whose keys were never logged is skipped
CURVES: dict[str, tuple[str, list[str], bool]] = {
    "losses.png": ("Losses", ["d_loss_real", "d_loss_fake", "g_loss"], False),
    "discriminator.png": ("Mean discriminator output", ["d_real", "d_fake"], False),
    "accuracy.png": ("Discriminator accuracy", ["d_acc_real", "d_acc_fake"], False),
    "gradients.png": ("Gradient norms", ["g_grad_norm", "d_grad_norm"], True),
    "diversity.png": ("Within-batch diversity", ["diversity_real", "diversity_fake"], False),
    "learning_rates.png": ("Learning rates", ["lr_g", "lr_d"], True),
    "throughput.png": ("Throughput (images/s)", ["images_per_s"], False),
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


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else np.nan


def curve_png(
    series: dict[str, tuple[list[float], list[float]]],
    title: str,
    window: int = 20,
    log: bool = False,
) -> bytes:
    """One figure of named (steps, values) series, each raw (faint) and smoothed (bold)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, (steps, values) in series.items():
        (line,) = ax.plot(steps, values, alpha=0.3, linewidth=1)
        ax.plot(steps, moving_average(values, window), color=line.get_color(), label=name)
    positive = all(np.nanmin(values) > 0 for _, values in series.values())
    varies = any(np.nanmax(values) > np.nanmin(values) for _, values in series.values())
    if log and positive and varies:
        # not when a value is 0 (a rate decayed to its end), nor for a constant: a constant
        # on a decade (a rate of 1e-3) leaves a log axis no range at all
        ax.set_yscale("log")
    ax.set_title(f"{title} (faint: raw, bold: moving average of {window})")
    ax.set_xlabel("generator step")
    ax.grid(alpha=0.3)
    ax.legend()
    # fixed margins: tight_layout measured every text box and took half of the drawing time
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.12)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def curve_pngs(records: list[dict[str, Any]], window: int = 20) -> dict[str, bytes]:
    """The figures of :data:`CURVES` that the records hold data for."""
    training = [r for r in records if any(isinstance(r.get(k), int | float) for k in r)]
    out = {}
    for filename, (title, keys, log) in CURVES.items():
        series = {}
        for key in keys:
            rows = [r for r in training if isinstance(r.get(key), int | float)]
            if rows:
                series[key] = ([r["step"] for r in rows], [_number(r[key]) for r in rows])
        if series:
            out[filename] = curve_png(series, title, window, log)
    return out


def write_curves(
    records: list[dict[str, Any]], out_dir: str | Path, window: int = 20
) -> list[Path]:
    """One PNG per curve family; returns the paths written (none without records)."""
    out_dir = Path(out_dir)
    written = []
    for filename, png in curve_pngs(records, window).items():
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out_dir / filename, png)
        written.append(out_dir / filename)
    return written

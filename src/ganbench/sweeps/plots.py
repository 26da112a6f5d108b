"""The report's figures as PNG bytes: per-metric strip and box plots per cell, and training
curves (mean and min-max band across seeds per cell) from each trial's metrics.jsonl."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ganbench.report.plots import moving_average
from ganbench.training.rundir import RunDir


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    _pyplot().close(fig)
    return buffer.getvalue()


def _tick(label: str) -> str:
    return label.replace(" ", "\n")


def metric_plot(report: dict[str, Any], metric: dict[str, Any]) -> bytes:
    """Every seed's value per cell (red x: a failed seed) over a box of the cell's values."""
    plt = _pyplot()
    key, cells = metric["key"], report["cells"]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(cells) + 2), 3.8))
    rng = np.random.default_rng(0)
    dropped = 0
    for i, cell in enumerate(cells):
        entry = cell["metrics"].get(key)
        if not entry:
            continue
        pairs = [(s, v) for s, v in zip(entry["seeds"], entry["values"], strict=True)]
        finite = [(s, v) for s, v in pairs if math.isfinite(v)]
        dropped += len(pairs) - len(finite)
        if not finite:
            continue
        values = [v for _, v in finite]
        colour = "tab:orange" if cell["baseline"] else "tab:blue"
        ax.boxplot(
            values,
            positions=[i],
            widths=0.5,
            showfliers=False,
            boxprops={"color": colour},
            medianprops={"color": colour},
        )
        failed = cell["failed_seeds"]
        for seed, value in finite:
            x = i + rng.uniform(-0.12, 0.12)
            if str(seed) in failed:
                ax.plot(x, value, "x", color="tab:red", markersize=7)
            else:
                ax.plot(x, value, "o", color="black", markersize=4, alpha=0.7)
    ax.set_xticks(range(len(cells)), [_tick(c["label"]) for c in cells], fontsize=8)
    ax.set_xlim(-0.6, len(cells) - 0.4)
    better = "higher" if metric["higher_is_better"] else "lower"
    note = f"; {dropped} non-finite values not shown" if dropped else ""
    ax.set_title(f"{key} ({better} is better; orange: baseline{note})", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _series(run_dir: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    points = [
        (r["step"], r[key])
        for r in RunDir(run_dir).iter_metrics()
        if isinstance(r.get(key), int | float) and math.isfinite(r[key])
    ]
    if not points:
        return np.empty(0), np.empty(0)
    steps, values = map(np.asarray, zip(*sorted(points), strict=True))
    window = max(1, len(values) // 20)
    return steps.astype(float), moving_average(values, window)


def curve_plot(report: dict[str, Any], key: str) -> bytes | None:
    """``key`` over steps: per cell the mean across seeds, and a band from min to max (each
    seed smoothed by a trailing mean over 5% of its points). None when no trial logged it."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    drawn = False
    for i, cell in enumerate(report["cells"]):
        names = [t["name"] for t in report["trials"] if t["cell"] == cell["label"]]
        runs = [_series(Path(report["sweep_dir"]) / n, key) for n in names]
        runs = [(s, v) for s, v in runs if len(s)]
        if not runs:
            continue
        grid = np.unique(np.concatenate([s for s, _ in runs]))
        stacked = np.array(
            [
                np.where((grid >= s[0]) & (grid <= s[-1]), np.interp(grid, s, v), np.nan)
                for s, v in runs
            ]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, low, high = (f(stacked, axis=0) for f in (np.nanmean, np.nanmin, np.nanmax))
        colour = f"C{i % 10}"
        ax.plot(grid, mean, color=colour, label=f"{cell['label']} ({len(runs)} seeds)")
        ax.fill_between(grid, low, high, color=colour, alpha=0.2, linewidth=0)
        drawn = True
    if not drawn:
        _pyplot().close(fig)
        return None
    ax.set_title(f"{key}: mean across seeds, band from min to max", fontsize=10)
    ax.set_xlabel("generator step")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)

"""The report as one self-contained HTML file: tables, and figures embedded as data: URIs.
No JavaScript and no external reference, so it opens anywhere, offline."""

from __future__ import annotations

from html import escape
from typing import Any

import yaml

from ganbench.report.html import STYLE, image
from ganbench.report.html import table as _table
from ganbench.sweeps.text import header, interval, number, p_value


def _comparisons(report: dict[str, Any]) -> str:
    rows, classes = [], []
    for c in report["comparisons"]:
        rows.append(
            [
                c["cell"],
                c["metric"],
                f"{c['n_cell']} vs {c['n_baseline']}",
                f"{c['probability_of_improvement']:.2f}",
                p_value(c["mann_whitney_p"]),
                p_value(c["holm_p"]),
                p_value(c["welch_p"]),
                c["verdict"],
            ]
        )
        classes.append(c["verdict"] if c["verdict"] in ("better", "worse") else "")
    head = ["cell", "metric", "n", "P(better)", "p Mann-Whitney", "p Holm", "p Welch", "verdict"]
    return _table(head, rows, classes) if rows else "<p>No comparison: one cell, or no data.</p>"


def _cells(report: dict[str, Any]) -> str:
    parts = []
    for metric in report["metrics"]:
        key = metric["key"]
        better = "higher" if metric["higher_is_better"] else "lower"
        rows, classes = [], []
        for cell in report["cells"]:
            v = cell["metrics"].get(key, {"n": 0})
            rate = cell["failure_rate"]
            rows.append(
                [
                    cell["label"],
                    str(v["n"]),
                    number(v.get("mean")),
                    interval(v.get("ci_low"), v.get("ci_high")),
                    v.get("ci_method", "-"),
                    number(v.get("median")),
                    number(v.get("iqm")),
                    "-" if rate is None else f"{rate:.0%} {interval(*cell['failure_ci'])}",
                ]
            )
            classes.append("baseline" if cell["baseline"] else "")
        head = ["cell", "n", "mean", "95% CI", "interval", "median", "IQM", "failed (Wilson)"]
        parts.append(f"<h3>{escape(key)} ({better} is better): {escape(metric['what'])}</h3>")
        parts.append(_table(head, rows, classes))
    return "\n".join(parts)


def _trials(report: dict[str, Any]) -> str:
    rows = [
        [
            t["name"],
            str(t["seed"]),
            t["state"],
            "-" if t["steps"] is None else str(t["steps"]),
            "yes" if t["capped"] else "",
            number(t["wall_time"]),
            t["failure"] or "",
        ]
        for t in report["trials"]
    ]
    return _table(["trial", "seed", "state", "steps", "capped", "seconds", "failure"], rows)


METHOD = """<p>Each cell is one combination of axis values, trained with the same seeds.
The interval of the mean is a 95% bootstrap interval (BCa; percentile with fewer than 5 seeds or
where BCa is undefined; zero width when all values are equal). IQM: the mean of the middle half.
Failure rate: crashed or diverged trials and seeds that break the failure rule, with a 95%
Wilson interval. Against the baseline: the two-sided Mann-Whitney U test, Holm-corrected over
all comparisons in this report (over the spec's primary metrics and the others apart, when it
names primary ones); P(better) = U / (n<sub>x</sub> n<sub>y</sub>), ties counting
half, above 0.5 when the cell tends to be better; Welch's t-test for reference. A verdict says
better or worse only when the corrected Mann-Whitney p is below 0.05 and P(better) agrees.</p>"""


def render(report: dict[str, Any], metric_pngs: list[bytes], curve_pngs: list[bytes]) -> str:
    name = escape(report["sweep"])
    spec = escape(yaml.safe_dump(report["spec"], sort_keys=False))
    metric_figures = "\n".join(
        image(png, f"{m['key']} per cell")
        for png, m in zip(metric_pngs, report["metrics"], strict=True)
    )
    curves = "\n".join(image(png, "training curve") for png in curve_pngs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sweep {name}</title>
<style>{STYLE}</style></head><body>
<h1>Sweep {name}</h1>
<section id="summary"><h2>Summary</h2><p>{escape(header(report))}</p>
<p>Directory: <code>{escape(report["sweep_dir"])}</code></p>
<details><summary>spec</summary><pre>{spec}</pre></details></section>
<section id="comparisons"><h2>Against the baseline</h2>{_comparisons(report)}</section>
<section id="cells"><h2>Cells</h2>{_cells(report)}</section>
<section id="metric-plots"><h2>Metrics per cell</h2>{metric_figures or "<p>none</p>"}</section>
<section id="curves"><h2>Training curves</h2>{curves or "<p>none logged</p>"}</section>
<section id="trials"><h2>Trials</h2>{_trials(report)}</section>
<section id="method"><h2>Method</h2>{METHOD}</section>
</body></html>
"""

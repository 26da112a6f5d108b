"""Writing a sweep's report: the table on stdout, report.json, report.md and report.html
beside the trials. Everything is computed from the run directories (see aggregate)."""

from __future__ import annotations

import json
import math
from typing import Any

from ganbench.atomic import atomic_write_text
from ganbench.sweeps.aggregate import aggregate
from ganbench.sweeps.plan import Plan

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
REPORT_MD = "report.md"


def strict_json(value: Any) -> Any:
    """Non-finite floats as the strings "inf", "-inf", "nan": report.json is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value


def write_report(plan: Plan, echo: bool = True) -> dict[str, Any]:
    from ganbench.sweeps.html import render
    from ganbench.sweeps.markdown import markdown_table
    from ganbench.sweeps.plots import curve_plot, metric_plot
    from ganbench.sweeps.text import text_table

    report = aggregate(plan)
    plan.sweep_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        plan.sweep_dir / REPORT_JSON, json.dumps(strict_json(report), indent=1, allow_nan=False)
    )
    atomic_write_text(plan.sweep_dir / REPORT_MD, markdown_table(report))
    metric_pngs = [metric_plot(report, m) for m in report["metrics"]]
    curves = [curve_plot(report, key) for key in plan.spec.curves]
    html = render(report, metric_pngs, [png for png in curves if png is not None])
    atomic_write_text(plan.sweep_dir / REPORT_HTML, html)
    if echo:
        print(text_table(report))
        written = (REPORT_JSON, REPORT_MD, REPORT_HTML)
        print(f"\nwrote {', '.join(str(plan.sweep_dir / name) for name in written)}")
    return report

"""The report as a plain-text table, one block per metric."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def interval(low: Any, high: Any) -> str:
    return "[-]" if low is None else f"[{number(low, 3)}, {number(high, 3)}]"


def p_value(value: Any) -> str:
    return "-" if value is None else f"{value:.2g}" if value >= 1e-3 else f"{value:.1e}"


def family_note(report: dict[str, Any], key: str) -> str:
    """Which correction family a metric's comparisons belong to, when the spec names
    primary metrics."""
    primary = report["spec"].get("primary")
    if not primary:
        return ""
    return " [primary]" if key in primary else " [secondary]"


def header(report: dict[str, Any]) -> str:
    counts = report["counts"]
    return (
        f"sweep {report['sweep']}: {counts['total']} trials ({counts['done']} done, "
        f"{counts['failed']} failed, {counts['pending']} pending); seeds "
        f"{', '.join(map(str, report['seeds']))}; baseline: {report['baseline']}"
    )


def text_table(report: dict[str, Any]) -> str:
    """Per metric: every cell's statistics and its comparison with the baseline."""
    width = max(len(c["label"]) for c in report["cells"]) + 2
    compared = {(c["cell"], c["metric"]): c for c in report["comparisons"]}
    lines = [header(report), ""]
    columns = (
        f"{'cell':{width}} {'n':>3} {'mean [95% CI]':>28} {'median':>9} {'IQM':>9} "
        f"{'failed [95% CI]':>20}  {'P(better)':>9} {'p MW':>8} {'Holm':>8} {'Welch':>8}  verdict"
    )
    for metric in report["metrics"]:
        key = metric["key"]
        better = "higher" if metric["higher_is_better"] else "lower"
        lines += [
            f"{key} ({better} is better): {metric['what']}{family_note(report, key)}",
            columns,
        ]
        for cell in report["cells"]:
            values = cell["metrics"].get(key, {"n": 0})
            rate = cell["failure_rate"]
            failed = "-" if rate is None else f"{rate:.0%} {interval(*cell['failure_ci'])}"
            ci = interval(values.get("ci_low"), values.get("ci_high"))
            mean = f"{number(values.get('mean'))} {ci}"
            row = (
                f"{cell['label'] + (' *' if cell['baseline'] else ''):{width}} {values['n']:>3} "
                f"{mean:>28} {number(values.get('median')):>9} {number(values.get('iqm')):>9} "
                f"{failed:>20}"
            )
            comparison = compared.get((cell["label"], key))
            if comparison:
                row += (
                    f"  {comparison['probability_of_improvement']:>9.2f} "
                    f"{p_value(comparison['mann_whitney_p']):>8} "
                    f"{p_value(comparison['holm_p']):>8} {p_value(comparison['welch_p']):>8}  "
                    f"{comparison['verdict']}"
                )
            lines.append(row.rstrip())
        lines.append("")
    lines.append(
        "* baseline. CI: bootstrap of the mean (BCa; percentile below 5 seeds); failures: Wilson. "
        "P(better): probability that a seed of the cell beats one of the baseline. p MW: "
        "Mann-Whitney U, two-sided; Holm: corrected over all comparisons (over the primary and "
        "the secondary metrics apart, when the spec names primary ones); Welch: t-test."
    )
    return "\n".join(lines)

"""The report as Markdown: one table per metric, to paste into documentation as it is."""

from __future__ import annotations

from typing import Any

from ganbench.sweeps.text import family_note, interval, number, p_value


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(report: dict[str, Any]) -> str:
    """Per metric: each cell's mean with its 95% CI, median, failure rate and, against the
    baseline, P(better), the Holm-corrected Mann-Whitney p and the verdict."""
    compared = {(c["cell"], c["metric"]): c for c in report["comparisons"]}
    counts = report["counts"]
    lines = [
        f"Sweep `{report['sweep']}`: {counts['done']} of {counts['total']} trials done, "
        f"{counts['failed']} failed; seeds {', '.join(map(str, report['seeds']))}; baseline "
        f"`{report['baseline']}`.",
    ]
    for metric in report["metrics"]:
        key = metric["key"]
        better = "higher" if metric["higher_is_better"] else "lower"
        lines += [
            "",
            f"**{key}** ({better} is better: {metric['what']}){family_note(report, key)}",
            "",
            "| cell | n | mean [95% CI] | median | failed | P(better) | Holm p | verdict |",
            "|---|---:|---|---:|---|---:|---:|---|",
        ]
        for cell in report["cells"]:
            values = cell["metrics"].get(key, {"n": 0})
            rate = cell["failure_rate"]
            failed = "-" if rate is None else f"{rate:.0%} {interval(*cell['failure_ci'])}"
            ci = interval(values.get("ci_low"), values.get("ci_high"))
            mean = f"{number(values.get('mean'), 3)} {ci}"
            label = f"`{_escape(cell['label'])}`" + (" (baseline)" if cell["baseline"] else "")
            row = [label, str(values["n"]), mean, number(values.get("median"), 3), failed]
            comparison = compared.get((cell["label"], key))
            if comparison:
                row += [
                    f"{comparison['probability_of_improvement']:.2f}",
                    p_value(comparison["holm_p"]),
                    comparison["verdict"],
                ]
            else:
                row += ["", "", ""]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"

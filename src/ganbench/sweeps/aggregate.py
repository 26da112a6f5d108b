"""The numbers of a sweep report, computed from the trials' run directories alone.

Per cell (one combination of axis values, across seeds): n, the mean with a 95% bootstrap
interval, median, interquartile mean, and the failure rate with its Wilson interval. Against
the baseline cell, per metric: the Mann-Whitney p-value (Holm-corrected across every
comparison of the report), the probability of improvement, Welch's p-value and a verdict.
"""

from __future__ import annotations

import math
from typing import Any

from ganbench.sweeps import stats
from ganbench.sweeps.failure import seed_failure
from ganbench.sweeps.metrics import METRICS
from ganbench.sweeps.plan import Plan
from ganbench.sweeps.records import DONE, read_record, trial_state


def _trials(plan: Plan) -> list[dict[str, Any]]:
    """One row per planned trial: its state, and its record when it has a current one."""
    rows = []
    for task in plan.tasks:
        record = read_record(task.run_dir)
        state = trial_state(task, record)
        current = record if state in ("done", "failed") else None
        rows.append(
            {
                "name": task.name,
                "cell": task.cell_index,
                "seed": task.seed,
                "state": state if state != "todo" else "pending",
                "record": current,
                "failure": seed_failure(current, plan.spec.failure) if current else None,
            }
        )
    return rows


def _cell_summary(plan: Plan, cell_rows: list[dict[str, Any]]) -> dict[str, Any]:
    finished = [r for r in cell_rows if r["record"] is not None]
    failures = [r for r in finished if r["failure"]]
    rate = stats.wilson_interval(len(failures), len(finished))
    measured = [r for r in finished if r["record"]["status"] == DONE]
    metrics = {}
    for key in plan.metric_keys:
        pairs = [(r["seed"], r["record"]["metrics"].get(key)) for r in measured]
        pairs = [(s, float(v)) for s, v in pairs if v is not None and not math.isnan(float(v))]
        if pairs:
            values = [v for _, v in pairs]
            metrics[key] = {
                **stats.describe(values),
                "values": values,
                "seeds": [s for s, _ in pairs],
            }
    return {
        "trials": len(cell_rows),
        "finished": len(finished),
        "failures": len(failures),
        "failure_rate": len(failures) / len(finished) if finished else None,
        "failure_ci": [rate.low, rate.high],
        "failed_seeds": {str(r["seed"]): r["failure"] for r in failures},
        "metrics": metrics,
    }


def _comparisons(plan: Plan, cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = next(c for c in cells if c["baseline"])
    rows = []
    for cell in cells:
        if cell["baseline"]:
            continue
        for key in plan.metric_keys:
            x, y = cell["metrics"].get(key), base["metrics"].get(key)
            if x is None or y is None:
                continue
            higher = METRICS[key].higher_is_better
            rows.append(
                {
                    "cell": cell["label"],
                    "metric": key,
                    "n_cell": x["n"],
                    "n_baseline": y["n"],
                    "mann_whitney_p": stats.mann_whitney_p(x["values"], y["values"]),
                    "probability_of_improvement": stats.probability_of_improvement(
                        x["values"], y["values"], higher
                    ),
                    "welch_p": stats.welch_p(x["values"], y["values"]),
                }
            )
    primary = set(plan.spec.primary or plan.metric_keys)
    for row in rows:
        row["primary"] = row["metric"] in primary
    for family in (True, False):  # each family corrected on its own
        members = [r for r in rows if r["primary"] is family]
        adjusted = stats.holm([r["mann_whitney_p"] for r in members])
        for row, p in zip(members, adjusted, strict=True):
            row["holm_p"] = p
            row["verdict"] = stats.verdict(
                p, row["probability_of_improvement"], row["n_cell"], row["n_baseline"]
            )
    return rows


def aggregate(plan: Plan) -> dict[str, Any]:
    """The whole report as a JSON-able dict (non-finite floats included as floats)."""
    rows = _trials(plan)
    cells = []
    for cell in plan.cells:
        summary = _cell_summary(plan, [r for r in rows if r["cell"] == cell.index])
        cells.append(
            {
                "label": cell.label,
                "settings": cell.settings,
                "baseline": cell.index == plan.baseline.index,
                **summary,
            }
        )
    finished = [r for r in rows if r["record"] is not None]
    counts = {
        "done": sum(not r["failure"] for r in finished),
        "failed": sum(bool(r["failure"]) for r in finished),
        "pending": len(rows) - len(finished),
    }
    return {
        "sweep": plan.spec.name,
        "sweep_dir": str(plan.sweep_dir),
        "spec": plan.spec.model_dump(mode="json"),
        "baseline": plan.baseline.label,
        "seeds": plan.spec.seeds,
        "counts": {"total": len(rows), **counts},
        "metrics": [
            {"key": k, "higher_is_better": METRICS[k].higher_is_better, "what": METRICS[k].what}
            for k in plan.metric_keys
        ],
        "cells": cells,
        "comparisons": _comparisons(plan, cells),
        "trials": [
            {
                "name": r["name"],
                "cell": plan.cells[r["cell"]].label,
                "seed": r["seed"],
                "state": r["state"],
                "steps": (r["record"] or {}).get("steps"),
                "capped": (r["record"] or {}).get("capped", False),
                "wall_time": (r["record"] or {}).get("wall_time"),
                "failure": r["failure"],
            }
            for r in rows
        ],
    }

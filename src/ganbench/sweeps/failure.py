"""Whether a seed failed: the one place that decides it.

A trial that crashed or diverged (status ``failed`` in trial.json) always failed. A finished
one fails when it breaks the spec's ``failure`` rule. The rule is applied when results are
read, not when the trial runs, so changing it needs no retraining.
"""

from __future__ import annotations

from typing import Any

from ganbench.sweeps.records import FAILED
from ganbench.sweeps.spec import FailureRule


def seed_failure(record: dict[str, Any], rule: FailureRule | None) -> str | None:
    """Why this seed counts as failed, or None when it did not."""
    if record.get("status") == FAILED:
        return record.get("error") or "failed"
    # Diagnosis hook: the verdict of the coming `ganbench diagnose` (mode collapse,
    # convergence failure, ...), read from the trial's run directory, plugs in here.
    if rule is not None:
        value = record.get("metrics", {}).get(rule.metric)
        if rule.fails(value):
            return f"{rule.describe()} (got {value})"
    return None

"""The divergence guard: headline statistics that turn NaN, infinite or huge stop a run (or
roll it back, see the trainer), and a checkpoint never holds a non-finite tensor."""

from __future__ import annotations

import json
import math
from typing import Any

import torch

from ganbench.errors import TrainingDiverged
from ganbench.training.rundir import RunDir

ROLLBACK_LOG = "rollbacks.jsonl"


def log_rollback(run: RunDir, note: dict[str, Any]) -> None:
    """Append one rollback to the run's ``rollbacks.jsonl``."""
    with open(run.path / ROLLBACK_LOG, "a") as handle:
        handle.write(json.dumps(note) + "\n")


def check_finite(record: dict, keys: tuple[str, ...], run: RunDir, limit: float = math.inf) -> None:
    """Stop when a headline statistic is NaN, infinite or beyond +-``limit``."""
    bad = [k for k in keys if k in record and not abs(record[k]) <= limit]
    if bad:
        steps = run.checkpoint_steps()
        kept = (
            f"the last good checkpoint is step {steps[-1]}" if steps else "no checkpoint was kept"
        )
        what = "became" if not math.isfinite(record[bad[0]]) else f"passed +-{limit:g}, at"
        raise TrainingDiverged(
            f"{', '.join(bad)} {what} {record[bad[0]]:g} by step {record['step']}; {kept}. "
            "Lower optimiser.g_lr/d_lr or try precision=fp32"
        )


def refuse_non_finite(tensors: dict[str, torch.Tensor], step: int, run: RunDir) -> None:
    """A checkpoint holding NaN or infinite weights is never written (it would shadow the
    last good one and could get it pruned)."""
    bad = [
        name
        for name, tensor in tensors.items()
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())
    ]
    if bad:
        steps = run.checkpoint_steps()
        kept = f"the last good checkpoint is step {steps[-1]}" if steps else "none was saved"
        raise TrainingDiverged(
            f"step {step}: {len(bad)} tensors hold NaN or infinity (first: {bad[0]}), so no "
            f"checkpoint was written; {kept}. Lower optimiser.g_lr/d_lr or try precision=fp32"
        )

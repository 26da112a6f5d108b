"""Running a sweep: skip what is finished, run the rest on an executor, then report.

Re-running the same command resumes: a trial with a done marker (trial.json) whose settings
match is skipped; an unfinished one resumes from its latest checkpoint; a failed one is kept
as failed unless ``retry_failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

import yaml

from ganbench.atomic import atomic_write_text
from ganbench.errors import ConfigError
from ganbench.sweeps.failure import seed_failure
from ganbench.sweeps.plan import Plan, TrialTask
from ganbench.sweeps.progress import Progress
from ganbench.sweeps.records import read_record, remove_record, trial_state
from ganbench.sweeps.trial import BUSY, INTERRUPTED

SPEC_COPY = "sweep.yaml"


@dataclass
class SweepRun:
    plan: Plan
    ran: list[str] = field(default_factory=list)  # trials run by this call
    skipped: list[str] = field(default_factory=list)  # finished before this call
    interrupted: bool = False
    report: dict[str, Any] | None = None


def classify(plan: Plan) -> dict[str, list[tuple[TrialTask, dict[str, Any] | None]]]:
    states: dict[str, list[tuple[TrialTask, dict[str, Any] | None]]] = {
        "todo": [],
        "done": [],
        "failed": [],
        "stale": [],
    }
    for task in plan.tasks:
        record = read_record(task.run_dir)
        states[trial_state(task, record)].append((task, record))
    return states


def run_sweep(
    plan: Plan,
    executor: Any,
    retry_failed: bool = False,
    write: bool = True,
    stream: TextIO | None = None,
) -> SweepRun:
    """Run every unfinished trial; write the report once all have finished."""
    spec = plan.spec
    states = classify(plan)
    if states["stale"]:
        names = ", ".join(t.name for t, _ in states["stale"][:3])
        raise ConfigError(
            f"sweep {spec.name}: {len(states['stale'])} finished trials in {plan.sweep_dir} were "
            f"run with settings other than the spec's now ({names} ...); use another --root, "
            "or delete those trial directories"
        )
    retried = states["failed"] if retry_failed else []
    todo = [t for t, _ in states["todo"] + retried]
    for task in [t for t, _ in retried]:
        remove_record(task.run_dir)
    plan.sweep_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(plan.sweep_dir / SPEC_COPY, yaml.safe_dump(spec.model_dump(mode="json")))
    kept = states["done"] + ([] if retry_failed else states["failed"])
    failures = sum(seed_failure(r or {}, spec.failure) is not None for _, r in kept)
    progress = Progress(
        spec.name,
        len(plan.tasks),
        len(kept) - failures,
        failures,
        lambda: executor.parallelism,
        stream,
    )
    result = SweepRun(plan, skipped=[t.name for t, _ in kept])
    if todo:
        progress.start()
    else:
        progress.note(f"all {len(plan.tasks)} trials have finished before; nothing to run")
    outcomes = executor.run(todo)
    try:
        for task, record in outcomes:
            result.ran.append(task.name)
            if record.get("status") == INTERRUPTED:
                result.interrupted = True
                break
            if record.get("status") == BUSY:
                progress.pending -= 1
                progress.note(f"skipped {task.name}: another process is running it")
                continue
            progress.finished(task.name, record, seed_failure(record, spec.failure))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        outcomes.close()  # cancel what has not started; running trials stop after a step
    if not result.interrupted and write:
        from ganbench.sweeps.report import write_report

        result.report = write_report(plan)
    return result

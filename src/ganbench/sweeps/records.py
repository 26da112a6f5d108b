"""The files a sweep adds to a trial's run directory, and their one reader and writer.

  trial.json      the done marker: status (done or failed), the collected metrics or the
                  error, steps reached, wall time; written atomically, last
  attempts.jsonl  one line per training attempt that ended with a checkpoint
  trial.log       the trial's console output (data notes, advisories, tracebacks)

Aggregation reads only these files, so every executor gives the same report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ganbench.atomic import atomic_write_text
from ganbench.jsonlines import read_json_lines
from ganbench.sweeps.plan import TrialTask

TRIAL_FILE = "trial.json"
ATTEMPTS_FILE = "attempts.jsonl"
LOG_FILE = "trial.log"
FORMAT = "ganbench-sweep-trial/1"
DONE, FAILED = "done", "failed"


def read_record(run_dir: str | Path) -> dict[str, Any] | None:
    """The trial's record, or None when it has not finished (or the file is unreadable)."""
    path = Path(run_dir) / TRIAL_FILE
    try:
        record = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


def write_record(run_dir: str | Path, record: dict[str, Any]) -> None:
    path = Path(run_dir)
    path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path / TRIAL_FILE, json.dumps({"format": FORMAT, **record}, indent=1))


def remove_record(run_dir: str | Path) -> None:
    (Path(run_dir) / TRIAL_FILE).unlink(missing_ok=True)


def read_attempts(run_dir: str | Path) -> list[dict[str, Any]]:
    return read_json_lines(Path(run_dir) / ATTEMPTS_FILE)  # a line cut short by a kill: skipped


def append_attempt(run_dir: str | Path, attempt: dict[str, Any]) -> None:
    with open(Path(run_dir) / ATTEMPTS_FILE, "a") as handle:
        handle.write(json.dumps(attempt) + "\n")


def clear_attempts(run_dir: str | Path) -> None:
    (Path(run_dir) / ATTEMPTS_FILE).unlink(missing_ok=True)


def budget_of(task: TrialTask) -> dict[str, Any]:
    """What a trial was asked to train for; a finished trial with another budget resumes."""
    return {"steps": task.steps, "max_minutes": task.max_minutes}


def trial_state(task: TrialTask, record: dict[str, Any] | None) -> str:
    """todo, done, failed, or stale (done with settings the spec no longer gives)."""
    if record is None:
        return "todo"
    if record.get("digest") != task.digest:
        return "stale" if record.get("status") == DONE else "todo"
    if record.get("budget") != budget_of(task):
        return "todo"  # a new budget: resume from the checkpoint to it
    return record.get("status") if record.get("status") in (DONE, FAILED) else "todo"

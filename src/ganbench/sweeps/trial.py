"""One trial, run inside a worker: train (or resume), evaluate, write the done marker.

The same function runs in every executor (in this process, a spawned process, a Ray task). A
trial's own failure (a crash, :class:`ganbench.errors.TrainingDiverged`) never raises: it is
recorded in the run directory with its error text, and the sweep goes on.
"""

from __future__ import annotations

import contextlib
import json
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ganbench.errors import CheckpointError, GanbenchError
from ganbench.sweeps.metrics import WALL_TIME, scalars
from ganbench.sweeps.plan import TrialTask
from ganbench.sweeps.records import (
    DONE,
    FAILED,
    LOG_FILE,
    append_attempt,
    budget_of,
    clear_attempts,
    read_attempts,
    write_record,
)

INTERRUPTED = "interrupted"  # stopped by Ctrl-C: no record, the next run resumes it
BUSY = "busy"  # another process is training this trial: no record, left to it
LOCK_FILE = ".trial.lock"
# Settings that may change between attempts without invalidating a checkpoint.
_EXECUTION_KEYS = ("threads:", "device:", "logging.")


def run_trial(task: TrialTask) -> dict[str, Any]:
    """Run one trial to its budget and return its record (also written as trial.json); a
    trial another process is running is left to it (status ``busy``, no record)."""
    import torch

    torch.set_num_threads(task.threads)
    run_dir = Path(task.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with trial_lock(run_dir) as held:
        if not held:
            return {"name": task.name, "status": BUSY}
        return _run_locked(task, run_dir)


@contextlib.contextmanager
def trial_lock(run_dir: Path) -> Iterator[bool]:
    """An exclusive lock on a trial's directory, released when its holder exits or dies;
    yields False when another process holds it (two sweeps never train one trial)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield True
        return
    with open(run_dir / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_locked(task: TrialTask, run_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    with (
        open(run_dir / LOG_FILE, "a") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        print(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} trial {task.name}")
        try:
            outcome = _train_and_evaluate(task, run_dir)
        except Exception as exc:  # the trial failed; the sweep goes on
            traceback.print_exc()
            outcome = {"status": FAILED, "error": error_text(exc)}
    outcome["seconds"] = time.perf_counter() - started  # this attempt, evaluation included
    if outcome["status"] == INTERRUPTED:
        return {"name": task.name, **outcome}
    record = {**identity(task), **outcome, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    write_record(run_dir, record)
    return record


def record_failure(task: TrialTask, exc: BaseException) -> dict[str, Any]:
    """Record a trial whose worker failed outside :func:`run_trial` (a crashed Ray worker)."""
    record = {**identity(task), "status": FAILED, "error": error_text(exc)}
    write_record(task.run_dir, record)
    return record


def identity(task: TrialTask) -> dict[str, Any]:
    """The fields that tie a record to its trial and to the spec that asked for it."""
    return {
        "name": task.name,
        "cell": task.settings,
        "seed": task.seed,
        "digest": task.digest,
        "budget": budget_of(task),
    }


def error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, GanbenchError) else f"{type(exc).__name__}: {exc}"


def _train_and_evaluate(task: TrialTask, run_dir: Path) -> dict[str, Any]:
    from ganbench.config import validate
    from ganbench.training.rundir import RunDir
    from ganbench.training.trainer import Trainer

    cfg = validate(task.config)
    run = RunDir(run_dir)
    saved = run.read_config() if run.config_path.is_file() else None
    for folder in (run.checkpoints_dir, run.samples_dir, run.plots_dir):
        folder.mkdir(parents=True, exist_ok=True)
    run.write_config(cfg)
    trainer = Trainer(cfg, run)
    if run.checkpoint_steps():
        trainer.restore(force=_may_force(saved, cfg, run_dir))
    else:  # a fresh start: drop what an attempt without a checkpoint logged
        run.truncate_metrics(0)
        clear_attempts(run_dir)
    if trainer.step > task.steps:
        raise GanbenchError(
            f"{run_dir} is at step {trainer.step}, beyond steps={task.steps}; delete the "
            "directory to train it again with fewer steps"
        )
    previous = sum(a["seconds"] for a in read_attempts(run_dir))
    capped, seconds = False, 0.0
    if trainer.step < task.steps:
        cap = None if task.max_minutes is None else task.max_minutes * 60 - previous
        if cap is not None and cap <= 0:
            capped = True
        else:
            result = trainer.fit(task.steps, max_seconds=cap)
            seconds, capped = result.seconds, result.time_capped
            append_attempt(
                run_dir,
                {"start_step": result.start_step, "end_step": result.end_step, "seconds": seconds},
            )
            if result.interrupted and not capped:
                return {"status": INTERRUPTED, "steps": result.end_step}
    if trainer.step == 0:
        raise GanbenchError(
            f"max_minutes={task.max_minutes} ended training before its first step; raise it"
        )
    metrics = _evaluate(run, task) if task.evaluation else {}
    metrics[WALL_TIME] = previous + seconds
    return {
        "status": DONE,
        "steps": trainer.step,
        "capped": capped and trainer.step < task.steps,
        "wall_time": previous + seconds,
        "metrics": metrics,
        "error": None,
    }


def _may_force(saved: Any, cfg: Any, run_dir: Path) -> bool:
    """Resume despite a changed config only when what changed is how the trial executes."""
    if saved is None or saved.digest() == cfg.digest():
        return False
    from ganbench.config import config_differences

    changed = [d for d in config_differences(saved, cfg) if not d.startswith(_EXECUTION_KEYS)]
    if changed:
        raise CheckpointError(
            "this trial's checkpoint was trained with other settings:\n  "
            + "\n  ".join(changed)
            + f"\ndelete {run_dir} to train it again with the spec's settings"
        )
    return True


def _evaluate(run: Any, task: TrialTask) -> dict[str, float]:
    """Score the newest checkpoint as ``ganbench evaluate RUN --seed S`` would (same latents,
    same real sample), writing eval.json beside it."""
    import torch

    from ganbench.atomic import atomic_write_text
    from ganbench.metrics.evaluate import evaluate
    from ganbench.sampling import generate, load_run_generator, truncated_latent_batch

    generator, cfg, meta = load_run_generator(run)
    truncation = cfg.sampling.truncation
    classes = len(cfg.data.class_names)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        labels = torch.arange(n) % classes if cfg.conditional else None
        z, labels = truncated_latent_batch(cfg, n, task.eval_seed + 7919, labels, truncation)
        return generate(generator, z, labels), labels

    result = evaluate(draw, cfg.data, task.evaluation, task.eval_n, task.eval_seed)
    result.update({"run": str(run.path), "step": meta["step"], "weights": meta["weights"]})
    result["truncation"] = truncation
    atomic_write_text(run.path / "eval.json", json.dumps(result, indent=1))
    return scalars(result["metrics"])

"""Where trials run: in this process, in a local pool of spawned processes, or on Ray.

Each executor runs the same :func:`ganbench.sweeps.trial.run_trial` and yields
``(task, record)`` as trials finish, in any order. Results are read back from the run
directories, never from an executor, so every executor gives the same report.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator, Sequence
from typing import Any

from ganbench.errors import GanbenchError
from ganbench.sweeps.plan import TrialTask
from ganbench.sweeps.trial import record_failure, run_trial

Outcome = tuple[TrialTask, dict[str, Any]]


class InlineExecutor:
    """One trial at a time in this process (debugging; a debugger sees the trainer)."""

    parallelism = 1

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[Outcome]:
        for task in tasks:
            yield task, run_trial(task)


def _ignore_interrupts() -> None:
    # An idle worker ignores Ctrl-C; a training one stops after its step (the trainer installs
    # its own handler), so the pool winds down cleanly and nothing half-written is left.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent()


def _end_with_parent() -> None:
    """Linux: a worker gets SIGTERM when the sweep process dies (killed, not Ctrl-C), so it
    stops after its step with a checkpoint instead of training on as an orphan beside the
    next run of the same sweep."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the trial lock still keeps runs apart
        pass


class LocalExecutor:
    """A pool of ``workers`` spawned processes on this machine."""

    def __init__(self, workers: int) -> None:
        self.parallelism = workers

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[Outcome]:
        if not tasks:
            return
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        queue = list(reversed(tasks))
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=min(self.parallelism, len(tasks)),
            mp_context=context,
            initializer=_ignore_interrupts,
        ) as pool:
            # At most one trial per worker is submitted, so an interrupted sweep leaves no
            # queued trial that would start while the pool winds down.
            running = {}
            while queue or running:
                while queue and len(running) < self.parallelism:
                    task = queue.pop()
                    running[pool.submit(run_trial, task)] = task
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        raise GanbenchError(
                            "a worker process died (killed for memory?); finished trials are "
                            "kept: run the same command again to resume the others"
                        ) from None
                    except Exception as exc:
                        record = record_failure(task, exc)
                    yield task, record


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise GanbenchError(
            "--executor ray needs Ray, an optional extra: pip install 'ganbench[ray]'"
        ) from None
    return ray


class RayExecutor:
    """Each trial a Ray task with ``threads`` CPUs, on a running cluster (``address``) or a
    local instance started for the sweep. The sweep directory must be on a filesystem every
    node sees, and every node needs ganbench installed."""

    def __init__(self, threads: int, address: str | None = None) -> None:
        self.threads, self.address = threads, address
        self.parallelism = 1  # known once connected
        _ray()  # fail at once, before planning, when Ray is missing

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[Outcome]:
        if not tasks:
            return
        import logging

        ray = _ray()
        ray.init(
            address=self.address,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            self.parallelism = max(1, cpus // self.threads)
            remote = ray.remote(num_cpus=self.threads, max_retries=0)(run_trial)
            refs = {remote.remote(task): task for task in tasks}
            pending = list(refs)
            try:
                while pending:
                    ready, pending = ray.wait(pending, num_returns=1)
                    task = refs[ready[0]]
                    try:
                        record = ray.get(ready[0])
                    except ray.exceptions.RayError as exc:
                        record = record_failure(task, exc)
                    yield task, record
            finally:
                for ref in pending:
                    ray.cancel(ref)
        finally:
            ray.shutdown()


def make_executor(
    name: str, workers: int, threads: int, address: str | None = None
) -> InlineExecutor | LocalExecutor | RayExecutor:
    if name == "inline":
        return InlineExecutor()
    if name == "ray":
        return RayExecutor(threads, address)
    if address is not None:
        raise GanbenchError("--address is for --executor ray")
    return LocalExecutor(workers)

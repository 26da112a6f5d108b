"""The progress view on stderr: a line per finished trial and the sweep's counts with an ETA
from the mean trial time."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from ganbench.sweeps.records import FAILED


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    def __init__(
        self,
        name: str,
        total: int,
        done: int,
        failed: int,
        parallelism: Callable[[], int],
        stream: TextIO | None = None,
    ) -> None:
        self.name, self.total = name, total
        self.done, self.failed = done, failed
        self.pending = total - done - failed
        self.parallelism = parallelism
        self.stream = stream or sys.stderr
        self.times: list[float] = []

    def note(self, text: str) -> None:
        print(f"[sweep {self.name}] {text}", file=self.stream, flush=True)

    def summary(self) -> str:
        running = min(self.parallelism(), self.pending)
        waiting = self.pending - running
        text = (
            f"{self.done}/{self.total} done, {running} running, {self.failed} failed, "
            f"{waiting} pending"
        )
        if self.times and self.pending:
            mean = sum(self.times) / len(self.times)
            eta = mean * self.pending / max(1, self.parallelism())
            text += f"; {duration(mean)} per trial, ETA {duration(eta)}"
        return text

    def start(self) -> None:
        self.note(self.summary())

    def finished(self, name: str, record: dict[str, Any], failure: str | None) -> None:
        self.pending -= 1
        self.times.append(record.get("seconds", 0.0))
        if failure:
            self.failed += 1
        else:
            self.done += 1
        took = duration(record.get("seconds", 0.0))
        if record.get("status") == FAILED:
            first = (failure or "").splitlines()[:1]
            self.note(f"failed  {name} ({took}): {first[0] if first else 'unknown error'}")
        else:
            steps = f"{record.get('steps')} steps" + (", capped" if record.get("capped") else "")
            note = f"; failed {failure}" if failure else ""
            self.note(f"done    {name} ({took}, {steps}{note})")
        self.note(self.summary())

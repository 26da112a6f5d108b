"""A wall-time cap on training: when it is reached the trainer stops as it does on Ctrl-C,
after the current step, writing a checkpoint.

``Trainer.fit`` stops when the flag dict of :func:`ganbench.training.trainer.stop_requests`
says so; the cap wraps that context manager for the duration of one ``fit`` call and sets the
same flag from a timer thread. (A ``stop`` hook on ``Trainer.fit`` would make this wrapper
unnecessary.)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from ganbench.training import trainer as trainer_module


@dataclass
class CapState:
    reached: bool = False


@contextlib.contextmanager
def wall_time_cap(seconds: float | None) -> Iterator[CapState]:
    """Within this block, ``Trainer.fit`` stops cleanly ``seconds`` after it starts."""
    state = CapState()
    if seconds is None:
        yield state
        return
    original = trainer_module.stop_requests

    @contextlib.contextmanager
    def capped() -> Iterator[dict[str, bool]]:
        with original() as flag:

            def expire() -> None:
                state.reached = True
                flag["stop"] = True

            timer = threading.Timer(max(0.0, seconds), expire)
            timer.daemon = True
            timer.start()
            try:
                yield flag
            finally:
                timer.cancel()

    trainer_module.stop_requests = capped
    try:
        yield state
    finally:
        trainer_module.stop_requests = original

"""What the training loop needs from its surroundings: the device, stop requests, the
progress bar and the learning-rate schedule."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import torch

from ganbench.errors import ConfigError


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "device=cuda was asked for but no CUDA GPU is visible; use device=cpu "
            "(a run trained on a GPU continues here with `ganbench resume RUN device=cpu`)"
        )
    return torch.device(name)


@contextlib.contextmanager
def stop_requests() -> Iterator[dict[str, bool]]:
    """A first Ctrl-C (or SIGTERM) stops the loop after the current step; a second aborts."""
    flag = {"stop": False}

    def handler(signum: int, frame: object) -> None:
        if flag["stop"]:
            raise KeyboardInterrupt
        flag["stop"] = True

    try:
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: no signal handling
        previous = {}
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def lr_factor(step: int, decay: str, start: int, total: int) -> float:
    """1 until ``start``, then falling linearly to 0 at ``total`` (``decay=linear``)."""
    if decay == "none" or step < start:
        return 1.0
    return max(0.0, 1.0 - (step - start) / max(1, total - start))


def progress_bar(start: int, total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=start,
        desc="train",
        unit="step",
        disable=not enabled,
        dynamic_ncols=True,
        mininterval=0.5,
    )

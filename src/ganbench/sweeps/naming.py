"""Trial and cell names: readable, filesystem-safe, short, and never two alike.

A trial directory is named by its settings, ``model.norm_position=after__seed=3``. Characters
outside ``[A-Za-z0-9._,+=-]`` become ``_``; a name that would be too long, or that two different
trials would share once made safe, gets a short hash of the exact settings instead of its tail.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ganbench.digests import json_digest

SEPARATOR = "__"
MAX_LENGTH = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._,+=-]+")


def format_value(value: Any) -> str:
    """A short text for one setting's value: YAML-like scalars, lists joined by commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return ",".join(f"{k}-{format_value(v)}" for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ",".join(format_value(v) for v in value)
    return str(value)


def settings_label(settings: Mapping[str, Any], separator: str = " ") -> str:
    """``key=value`` pairs in axis order; ``base`` when there are no axes."""
    if not settings:
        return "base"
    return separator.join(f"{key}={format_value(value)}" for key, value in settings.items())


def _digest(settings: Mapping[str, Any], seed: int) -> str:
    return json_digest([dict(settings), seed], 8, default=str)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "trial"


def trial_names(trials: Sequence[tuple[Mapping[str, Any], int]]) -> list[str]:
    """One directory name per (settings, seed), in order; unique across the whole list."""
    names = []
    for settings, seed in trials:
        parts = [f"{k}={format_value(v)}" for k, v in settings.items()] + [f"seed={seed}"]
        names.append(_safe(SEPARATOR.join(parts)))
    clashes = {name for name, count in Counter(names).items() if count > 1}
    out = []
    for name, (settings, seed) in zip(names, trials, strict=True):
        if name in clashes or len(name) > MAX_LENGTH:
            name = f"{name[: MAX_LENGTH - 10].rstrip('._-')}-{_digest(settings, seed)}"
        out.append(name)
    return out

"""Files written whole or not at all: write a temporary sibling, then rename it over the target.

A crash leaves the old file (or none) and at most a temporary sibling, never half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(
    path: Path, suffix: str = ".tmp", *, remove_on_error: bool = False
) -> Iterator[Path]:
    """The temporary sibling ``path`` + ``suffix`` to write, for writers that take a file name
    (safetensors, numpy, matplotlib, PIL); it is renamed over ``path`` when the block ends
    without an error. When the block or the rename fails, the error propagates and the
    temporary file stays (callers that clean up find it by its suffix), or, with
    ``remove_on_error``, a failed write (an OSError) removes it first."""
    tmp = path.with_name(path.name + suffix)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError:
        if remove_on_error and tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, flushed to disk before the rename; a failed
    write (a full disk) leaves no temporary file behind."""
    with atomic_path(path, remove_on_error=True) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())

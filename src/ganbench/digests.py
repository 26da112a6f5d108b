"""Content digests: hex sha256 of bytes, text, JSON-able trees and files.

Some are stored (config digests in checkpoints, settings digests in sweep records, cache
keys), so the bytes hashed for a value must never change: the JSON form is fixed here once,
``json.dumps(value, sort_keys=True)`` with the default separators.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def sha256_hex(data: bytes | str, length: int | None = None) -> str:
    """Hex sha256 of ``data`` (text as UTF-8), cut to its first ``length`` characters."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()[:length]


def json_digest(
    value: Any, length: int | None = None, *, default: Callable[[Any], Any] | None = None
) -> str:
    """Hex sha256 of ``json.dumps(value, sort_keys=True)``, cut to ``length`` characters;
    ``default`` turns values JSON cannot write into ones it can (as in ``json.dumps``)."""
    return sha256_hex(json.dumps(value, sort_keys=True, default=default), length)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

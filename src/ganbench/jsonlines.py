"""JSON-lines files (one object per line) that a kill may have cut short."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json_lines(path: str | Path) -> list[dict[str, Any]]:
    """Every whole object in the file, in order; a line cut short by a crash is skipped; a
    missing file has none."""
    path = Path(path)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out

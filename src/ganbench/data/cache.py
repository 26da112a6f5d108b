"""An on-disk cache of generated shape sets: one ``.npz`` per (settings, seed, size).

Arrays only (read back with ``allow_pickle=False``); the per-image truth travels as a JSON
string. Files are written to a temporary name and renamed, so a crash never leaves half a
cache behind.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ganbench.atomic import atomic_path
from ganbench.data.shapes import ImageTruth, Shape
from ganbench.digests import json_digest

# Bump when drawing changes, so old caches are not reused.
RENDER_VERSION = 2


def cache_root(cache_dir: str | None) -> Path:
    return Path(cache_dir or os.environ.get("GANBENCH_CACHE") or Path.home() / ".cache/ganbench")


def cache_key(settings: dict, seed: int, size: int) -> str:
    return json_digest({"v": RENDER_VERSION, "s": settings, "seed": seed, "n": size}, 20)


def load(path: Path) -> tuple[np.ndarray, np.ndarray, list[ImageTruth]] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            images, labels = archive["images"], archive["labels"]
            raw = json.loads(str(archive["truth"]))
    except (OSError, ValueError, KeyError):
        return None  # unreadable: regenerate and overwrite
    truths = [
        ImageTruth(t["label"], [Shape(s["kind"], tuple(s["position"]), s["size"],
                                      tuple(s["colour"]), s["filled"]) for s in t["shapes"]])
        for t in raw
    ]  # fmt: skip
    return images, labels, truths


def save(path: Path, images: np.ndarray, labels: np.ndarray, truths: list[ImageTruth]) -> bool:
    """Write the cache file; a cache that cannot be written (a bad data.cache_dir, a full
    disk) is only a warning: the set is already in memory. Returns whether it was written."""
    truth = json.dumps(
        [{"label": t.label, "shapes": [asdict(s) for s in t.shapes]} for t in truths]
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # np.savez adds .npz to a name without it
        with atomic_path(path, ".tmp.npz", remove_on_error=True) as tmp:
            np.savez(tmp, images=images, labels=labels, truth=np.array(truth))
    except OSError as exc:
        print(
            f"warning: cannot write the shapes cache {path} ({exc.strerror or exc}); "
            "training goes on without it (set data.cache_dir to a writable folder)",
            file=sys.stderr,
        )
        return False
    return True

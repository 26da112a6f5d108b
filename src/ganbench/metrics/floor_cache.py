"""Cache of evaluation floors: the real-vs-real and noise references of a source.

Floors depend on the real data, the sample count, the seed, the metrics and the feature
networks, never on the generator, so evaluating again (every N steps during training, or a
second run on the same data) reads them instead of rendering a second real sample and scoring
it and the noise again. The key covers everything the numbers depend on; a damaged file is
ignored and rewritten.

Beside the floors, the real sample's own judgement is kept (``KEY.reference.safetensors``: its
oracle features, labels, PRDC radii, SWD descriptors and Inception features; see
:mod:`ganbench.metrics.reference`), so a later call renders no real image at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ganbench.config import DataConfig
from ganbench.data import cache
from ganbench.digests import json_digest

# Bump when a metric's definition or the floors' recipe changes.
FLOORS_VERSION = 5
# What changes the real sample but not the oracle (whose content settings leave them out):
# class shares, the split, random flips and crops of a fixed set's batches, and (fixed sets
# only: a synthetic sample is rendered at n) the subset size.
SAMPLE_SETTINGS = ("proportions", "split", "flip", "crop_margin")
RENDERED_AT_N = ("shapes", "stacked_digits")


def floor_key(
    data: DataConfig,
    n: int,
    seed: int,
    metrics: tuple[str, ...],
    oracle: Any,
    inception: Any = None,
) -> str | None:
    """The cache key, or None when a feature network has no checksum (nothing to key on)."""
    from ganbench.metrics.oracle import content_settings

    if not getattr(oracle, "checksum", "") or (inception is not None and not inception.checksum):
        return None

    sample = {key: getattr(data, key) for key in SAMPLE_SETTINGS}
    if data.source not in RENDERED_AT_N:
        sample["size"] = data.size
    blob = {
        "version": FLOORS_VERSION,
        "data": content_settings(data),
        "sample": sample,
        "n": n,
        "seed": seed,
        "metrics": sorted(set(metrics)),
        "oracle": oracle.checksum,
        "inception": None if inception is None else inception.checksum,
    }
    return f"{data.source}-{json_digest(blob, 24)}"


def _path(key: str, cache_dir: Any, suffix: str = ".json") -> Path:
    root = cache.cache_root(None if cache_dir is None else str(cache_dir))
    return root / "floors" / f"{key}{suffix}"


def read_floors(key: str | None, cache_dir: Any = None) -> dict[str, Any] | None:
    """The cached floors for ``key``, or None when absent or unreadable."""
    if key is None:
        return None
    path = _path(key, cache_dir)
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    floors = record.get("floors")
    if record.get("key") != key or not isinstance(floors, dict):
        return None
    return floors


def write_floors(key: str | None, floors: dict[str, Any], cache_dir: Any = None) -> None:
    """Store floors atomically; a read-only cache only costs the next call its time."""
    if key is None:
        return
    from ganbench.atomic import atomic_write_text

    path = _path(key, cache_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps({"key": key, "floors": floors}, indent=1))
    except OSError:
        pass


REFERENCE_SUFFIX = ".reference.safetensors"


def read_reference(key: str | None, cache_dir: Any = None) -> dict[str, Any] | None:
    """The real reference's tensors kept for ``key``, or None when absent or unreadable."""
    if key is None:
        return None
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        blob = _path(key, cache_dir, REFERENCE_SUFFIX).read_bytes()
        return load(blob)
    except (OSError, ValueError, SafetensorError):
        return None


def write_reference(key: str | None, tensors: dict[str, Any], cache_dir: Any = None) -> None:
    """Store the real reference's tensors atomically; like the floors, best effort."""
    if key is None:
        return
    from safetensors.torch import save

    from ganbench.atomic import atomic_write_bytes

    path = _path(key, cache_dir, REFERENCE_SUFFIX)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, save(tensors, metadata={"key": key}))
    except (OSError, ValueError, RuntimeError):
        pass

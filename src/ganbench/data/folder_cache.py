"""Image folders larger than memory: decoded once into a memory-mapped array on disk.

``data.memory_map=true`` decodes the folder in chunks into ``<cache_dir>/folders/KEY.npy``
(N, C, S, S uint8) with a JSON sidecar (the count, the labels, the files that could not be
read). Training indexes the array like the in-memory one; the operating system pages in the
images a batch touches and can drop them again, so the process's own memory stays bounded
by a chunk of decoded images, whatever the folder's size. Batches stay deterministic per
(seed, step), so resume is exact.

KEY hashes the folder's file list (relative paths, sizes, modification times), the size and
the colour mode: a changed folder is decoded again, an unchanged one is reused at once. Both
files are written under temporary names and renamed, so a crash never leaves half a cache.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from ganbench.atomic import atomic_write_text
from ganbench.digests import json_digest
from ganbench.errors import DataError

CHUNK = 1024  # images decoded (and held in memory) at a time
VERSION = 1


def cache_key(root: Path, files: list[Path], size: int, monochrome: bool) -> str:
    listing = []
    for path in files:
        stat = path.stat()
        listing.append([str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns])
    return json_digest({"v": VERSION, "files": listing, "size": size, "mono": monochrome}, 20)


def mapped_folder(
    root: Path,
    files: list[Path],
    labels: list[int],
    size: int,
    channels: int,
    decode: Callable[[Path], np.ndarray | None],
    cache_dir: Path,
    workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, list[Path]]:
    """(images backed by the memory-mapped file, labels, unreadable files), decoding the
    folder first when its cache is missing or stale."""
    folder = cache_dir / "folders"
    key = cache_key(root, files, size, channels == 1)
    array_path, sidecar = folder / f"{key}.npy", folder / f"{key}.json"
    if not (array_path.is_file() and sidecar.is_file()):
        _decode_into(array_path, sidecar, root, files, labels, (channels, size), decode, workers)
    try:
        info = json.loads(sidecar.read_text())
        # copy-on-write: the tensor is writable for torch, the file is never changed
        array = np.load(array_path, mmap_mode="c")
    except (OSError, ValueError) as exc:
        raise DataError(
            f"the decoded-folder cache {array_path} cannot be read ({exc}); delete it and "
            "train again to decode the folder anew"
        ) from None
    count = int(info["count"])
    images = torch.from_numpy(array[:count])
    failed = [root / name for name in info["failed"]]
    return images, torch.tensor(info["labels"], dtype=torch.long), failed


def _decode_into(
    array_path: Path,
    sidecar: Path,
    root: Path,
    files: list[Path],
    labels: list[int],
    shape: tuple[int, int],
    decode: Callable[[Path], np.ndarray | None],
    workers: int,
) -> None:
    channels, size = shape
    try:
        array_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = array_path.with_suffix(f".{os.getpid()}.tmp.npy")
        out = np.lib.format.open_memmap(
            temporary, mode="w+", dtype=np.uint8, shape=(len(files), channels, size, size)
        )
    except OSError as exc:
        raise DataError(
            f"cannot write the decoded-folder cache under {array_path.parent} "
            f"({exc.strerror or exc}); set data.cache_dir to a writable folder with room for "
            f"{len(files) * channels * size * size / 2**20:.0f} MB"
        ) from None
    kept_labels: list[int] = []
    failed: list[str] = []
    count = 0
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for start in range(0, len(files), CHUNK):
                chunk = files[start : start + CHUNK]
                for offset, array in enumerate(pool.map(decode, chunk)):
                    if array is None:
                        failed.append(str(chunk[offset].relative_to(root)))
                        continue
                    out[count] = array
                    kept_labels.append(labels[start + offset])
                    count += 1
        out.flush()
        del out
        os.replace(temporary, array_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    info = {"count": count, "labels": kept_labels, "failed": failed}
    atomic_write_text(sidecar, json.dumps(info))

"""Memory and speed of a large image folder: decoded into RAM against memory-mapped on disk.

Writes N small PNG images (two class subfolders) and, each in a fresh process, builds the
training set and draws batches of 64 with:

- ``in memory`` (the baseline): every image decoded into one array in RAM;
- ``memory-mapped, first``: ``data.memory_map=true`` on a cold cache (decodes into the file);
- ``memory-mapped, again``: the same, the cache reused.

For each it prints the seconds to build the set, the batches' images/s and the process's
private memory (RssAnon: what the machine cannot page out) grown by loading, and peak
resident memory (VmHWM, file pages included). Both paths must hold the same number of
images; the benchmark refuses to compare sets of different sizes.

    .venv/bin/python benchmarks/folder_memory.py              # 100k images of 32x32
    .venv/bin/python benchmarks/folder_memory.py --images 200000 --size 48
    .venv/bin/python benchmarks/folder_memory.py --quick      # 2000 images
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_folder(root: Path, count: int, size: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / ("a" if i % 2 else "b") / f"{i // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png", compress_level=1)


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def child(folder: str, cache: str, size: int, mapped: bool, batches: int) -> None:
    """Build the set and draw batches in this (fresh) process; print one JSON line."""
    from ganbench.config import DataConfig
    from ganbench.data.build import build_dataset

    cfg = DataConfig(
        source="folder", path=folder, image_size=size, cache_dir=cache, memory_map=mapped,
        workers=2,
    )  # fmt: skip
    anon_before = status_kb("RssAnon")
    started = time.perf_counter()
    data = build_dataset(cfg, seed=0)
    built = time.perf_counter() - started
    anon_loaded = status_kb("RssAnon")
    started = time.perf_counter()
    for step in range(batches):
        data.batch(step, 64, seed=0)
    rate = batches * 64 / (time.perf_counter() - started)
    print(json.dumps({
        "images": len(data), "build_s": built, "images_per_s": rate,
        "anon_mb": (anon_loaded - anon_before) / 1024, "peak_mb": status_kb("VmHWM") / 1024,
    }))  # fmt: skip


def measure(folder: Path, cache: Path, size: int, mapped: bool, batches: int) -> dict:
    command = [sys.executable, __file__, "--child", str(folder), str(cache), str(size)]
    command += [str(int(mapped)), str(batches)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the measuring process failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        folder, cache, size, mapped, batches = sys.argv[2:7]
        child(folder, cache, int(size), mapped == "1", int(batches))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, batches = (2000, 20) if args.quick else (args.images, args.batches)
    with tempfile.TemporaryDirectory() as work:
        folder, cache = Path(work) / "images", Path(work) / "cache"
        started = time.perf_counter()
        write_folder(folder, count, args.size)
        print(f"wrote {count} PNG images of {args.size}x{args.size} in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        rows = {
            "in memory": measure(folder, cache, args.size, False, batches),
            "memory-mapped, first": measure(folder, cache, args.size, True, batches),
            "memory-mapped, again": measure(folder, cache, args.size, True, batches),
        }
    sizes = {row["images"] for row in rows.values()}
    if len(sizes) != 1:
        raise SystemExit(f"the paths loaded different sets: {sizes}")
    base = rows["in memory"]
    print(f"{'path':22s} {'build s':>8s} {'images/s':>10s} {'ratio':>6s} "
          f"{'private MB':>11s} {'peak MB':>8s}")  # fmt: skip
    for name, row in rows.items():
        ratio = row["images_per_s"] / base["images_per_s"]
        print(f"{name:22s} {row['build_s']:8.1f} {row['images_per_s']:10.0f} {ratio:5.2f}x "
              f"{row['anon_mb']:11.1f} {row['peak_mb']:8.1f}")  # fmt: skip
    decoded = count * 3 * args.size**2 / 2**20
    print(f"the decoded set is {decoded:.1f} MB")


if __name__ == "__main__":
    main()

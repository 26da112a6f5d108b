"""``data.memory_map=true``: an image folder decoded once into a memory-mapped file gives the
same images, labels, notes and batches as the in-memory path, is reused while the folder is
unchanged and decoded again when it changes; an unwritable cache is one message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.config import DataConfig
from ganbench.data import folder as folder_module
from ganbench.data import folder_cache
from ganbench.data.build import build_dataset
from ganbench.errors import DataError


def _folder(root, count: int = 12):
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 256, (20, 28, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    (root / "dogs" / "broken.png").write_bytes(b"not an image")
    return root


def _mapped_file(address: int) -> str:
    """The file mapped at ``address`` in this process (Linux), '' for anonymous memory."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc/self/maps (Linux)")
    for line in maps.read_text().splitlines():
        span, *rest = line.split()
        low, high = (int(x, 16) for x in span.split("-"))
        if low <= address < high:
            return rest[4] if len(rest) > 4 else ""
    return ""


def _configs(root, cache):
    common = {"source": "folder", "path": str(root), "image_size": 16, "cache_dir": str(cache)}
    return DataConfig(**common), DataConfig(**common, memory_map=True)


def test_the_mapped_folder_equals_the_in_memory_one(tmp_path):
    root = _folder(tmp_path / "imgs")
    in_memory, mapped = _configs(root, tmp_path / "cache")
    a, b = build_dataset(in_memory, seed=0), build_dataset(mapped, seed=0)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert a.notes == b.notes and "broken.png" in b.notes[0]
    assert _mapped_file(b.images.data_ptr()).endswith(".npy")  # backed by the file, no copy
    for step in (0, 3, 7):
        (x1, y1), (x2, y2) = a.batch(step, 8, seed=5), b.batch(step, 8, seed=5)
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert len(list((tmp_path / "cache" / "folders").glob("*.npy"))) == 1


def test_an_unchanged_folder_is_not_decoded_again_and_a_changed_one_is(tmp_path, monkeypatch):
    root = _folder(tmp_path / "imgs", count=4)
    _, mapped = _configs(root, tmp_path / "cache")
    build_dataset(mapped, seed=0)
    calls = []
    real_decode = folder_module._try_decode

    def counting(path, size, monochrome):
        calls.append(path)
        return real_decode(path, size, monochrome)

    monkeypatch.setattr(folder_module, "_try_decode", counting)
    build_dataset(mapped, seed=0)
    assert calls == []
    Image.new("RGB", (20, 20), (0, 255, 0)).save(root / "cats" / "new.png")
    again = build_dataset(mapped, seed=0)
    assert len(calls) == 10 and len(again) == 9  # every file of the changed folder
    assert len(list((tmp_path / "cache" / "folders").glob("*.npy"))) == 2
    assert not list((tmp_path / "cache" / "folders").glob("*.tmp.npy"))


def test_an_unwritable_cache_is_one_message(tmp_path):
    root = _folder(tmp_path / "imgs", count=2)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    _, mapped = _configs(root, blocker)
    with pytest.raises(DataError, match=r"set data\.cache_dir to a writable folder"):
        build_dataset(mapped, seed=0)


def test_decoding_works_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(folder_cache, "CHUNK", 5)
    root = _folder(tmp_path / "imgs", count=7)
    in_memory, mapped = _configs(root, tmp_path / "cache")
    assert torch.equal(build_dataset(in_memory, 0).images, build_dataset(mapped, 0).images)


def test_memory_map_is_refused_for_sources_other_than_folders():
    from ganbench.config import validate
    from ganbench.errors import ConfigError

    with pytest.raises(ConfigError, match=r"data\.memory_map decodes an image folder"):
        validate({"data": {"source": "shapes", "memory_map": True}})

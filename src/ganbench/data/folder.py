"""Any folder of images, searched recursively; subfolders holding images are the classes.

Every file is decoded once, at load time, resized (shorter side) and centre-cropped to a
square and kept in memory (or, with ``data.memory_map=true``, in a memory-mapped file on
disk: :mod:`ganbench.data.folder_cache`), so an unreadable file is found before training
starts: it is skipped, counted and named in the data set's notes, never a crash mid-epoch.
Two folders A and B make an unpaired pair for translation (:class:`UnpairedImages`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ganbench.data.catalogue import folder_class_names, is_image_file
from ganbench.data.dataset import DataSet
from ganbench.errors import DataError

SHOWN_FAILURES = 5


def list_images(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if is_image_file(p))


def decode(path: Path, size: int, monochrome: bool) -> np.ndarray:
    """One file -> (C, size, size) uint8: shorter side scaled to ``size``, centre crop."""
    with Image.open(path) as img:
        img = img.convert("L" if monochrome else "RGB")
        scale = size / min(img.size)
        new = (max(size, round(img.width * scale)), max(size, round(img.height * scale)))
        img = img.resize(new, Image.Resampling.BILINEAR, reducing_gap=3.0)
        left, top = (new[0] - size) // 2, (new[1] - size) // 2
        img = img.crop((left, top, left + size, top + size))
        array = np.asarray(img, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


@dataclass
class FolderImages:
    images: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]
    notes: list[str]


def _try_decode(path: Path, size: int, monochrome: bool) -> np.ndarray | None:
    try:
        return decode(path, size, monochrome)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def load_folder(
    path: str | Path,
    size: int,
    monochrome: bool = False,
    workers: int = 0,
    memory_map: Path | None = None,
) -> FolderImages:
    """Every readable image under ``path`` at ``size`` px, labelled by class subfolder.
    ``memory_map``: a cache folder to decode into a memory-mapped file (bounded memory for
    folders larger than memory, :mod:`ganbench.data.folder_cache`) instead of RAM."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist; set data.path to a folder of images")
    class_names = folder_class_names(root)
    files = list_images(root)
    if not files:
        raise DataError(
            f"no images found under {root} (looked for .png, .jpg, .jpeg, .bmp, .gif, .tif, "
            ".webp, .ppm, recursively)"
        )
    by_class = len(class_names) > 1 or class_names != [root.name]
    labels = [class_names.index(f.relative_to(root).parts[0]) if by_class else 0 for f in files]
    if memory_map is not None:
        from ganbench.data.folder_cache import mapped_folder

        channels = 1 if monochrome else 3
        images, kept_labels, failed = mapped_folder(
            root, files, labels, size, channels,
            lambda f: _try_decode(f, size, monochrome), memory_map, workers,
        )  # fmt: skip
        notes = _failure_notes(root, failed)
        if not len(images):
            raise DataError(f"none of the {len(files)} image files under {root} could be read")
        return FolderImages(images, kept_labels, class_names, notes)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        decoded = list(pool.map(lambda f: _try_decode(f, size, monochrome), files))
    keep = [i for i, array in enumerate(decoded) if array is not None]
    failed = [files[i] for i, array in enumerate(decoded) if array is None]
    notes = _failure_notes(root, failed)
    if not keep:
        raise DataError(f"none of the {len(files)} image files under {root} could be read")
    images = torch.from_numpy(np.stack([decoded[i] for i in keep]))
    return FolderImages(images, torch.tensor([labels[i] for i in keep]), class_names, notes)


def _failure_notes(root: Path, failed: list[Path]) -> list[str]:
    if not failed:
        return []
    shown = ", ".join(str(f.relative_to(root)) for f in failed[:SHOWN_FAILURES])
    more = f" and {len(failed) - SHOWN_FAILURES} more" if len(failed) > SHOWN_FAILURES else ""
    return [f"skipped {len(failed)} unreadable file(s) under {root}: {shown}{more}"]


@dataclass
class UnpairedImages:
    """Two domains sampled independently: each step draws a batch from A and one from B."""

    a: DataSet
    b: DataSet

    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return max(len(self.a), len(self.b))

    @property
    def class_names(self) -> list[str]:
        return ["A", "B"]

    def steps_per_epoch(self, batch_size: int) -> int:
        """An epoch is a pass over the larger domain (CycleGAN's convention)."""
        self.a.steps_per_epoch(batch_size), self.b.steps_per_epoch(batch_size)  # size checks
        return len(self) // batch_size

    def batch(self, step: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        images_a, _ = self.a.batch(step, batch_size, seed)
        images_b, _ = self.b.batch(step, batch_size, seed + 1)
        return images_a, images_b

    def batches(self, start: int, batch_size: int, seed: int) -> Iterator[tuple[torch.Tensor, ...]]:
        step = start
        while True:
            yield self.batch(step, batch_size, seed)
            step += 1

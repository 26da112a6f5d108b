"""A fixed, in-memory data set and its deterministic batches.

Batch ``t`` is a pure function of (seed, t): epoch ``e`` is ordered by a generator seeded
with (seed, e) and augmentation by one seeded with (seed, t). A resumed run therefore draws
exactly the batches an uninterrupted run would, without saving any sampler state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from ganbench.data.samplers import epoch_order
from ganbench.errors import DataError
from ganbench.seeding import torch_generator


@dataclass
class DataSet:
    """Images (N, C, H, W) uint8, or points (N, D) float32, with class indices.

    ``truth`` holds per-item ground truth where the source knows it (shape annotations,
    digit triples); ``centres`` the mode centres of a 2D mixture. ``notes`` are things the
    loader wants the user to know (skipped files, say).
    """

    data: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]
    image_size: int | None = None  # size after cropping; stored images may be larger
    sampler: str = "shuffled"
    group_size: int = 1
    flip: bool = False
    truth: list[Any] | None = None
    centres: torch.Tensor | None = None
    notes: list[str] = field(default_factory=list)
    _order_cache: tuple[tuple[int, int], torch.Tensor] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.is_image:
            if self.data.ndim != 4:
                raise DataError(f"images must be (N, C, H, W) uint8, got {tuple(self.data.shape)}")
            self.image_size = self.image_size or self.data.shape[-1]
        elif self.data.ndim != 2 or not self.data.is_floating_point():
            raise DataError(f"points must be (N, D) floats, got {tuple(self.data.shape)}")
        if len(self.labels) != len(self.data):
            raise DataError(f"{len(self.data)} items but {len(self.labels)} labels")
        if len(self) == 0:
            raise DataError("the data set is empty")

    def __len__(self) -> int:
        return len(self.data)

    @property
    def is_image(self) -> bool:
        return self.data.dtype == torch.uint8

    @property
    def images(self) -> torch.Tensor:
        return self.data

    @property
    def channels(self) -> int:
        return self.data.shape[1]

    def class_counts(self) -> list[int]:
        return torch.bincount(self.labels, minlength=len(self.class_names)).tolist()

    def steps_per_epoch(self, batch_size: int) -> int:
        if batch_size > len(self):
            raise DataError(
                f"schedule.batch_size={batch_size} is larger than the data set ({len(self)} "
                "items); lower schedule.batch_size or raise data.size"
            )
        return len(self) // batch_size

    def _order(self, epoch: int, seed: int) -> torch.Tensor:
        if self._order_cache is None or self._order_cache[0] != (seed, epoch):
            generator = torch_generator(seed, "order", epoch)
            order = epoch_order(self.labels, self.sampler, self.group_size, generator)
            self._order_cache = ((seed, epoch), order)
        return self._order_cache[1]

    def batch(self, step: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The real batch for generator step ``step``: floats (images in [-1, 1]), labels."""
        epoch, within = divmod(step, self.steps_per_epoch(batch_size))
        index = self._order(epoch, seed)[within * batch_size : (within + 1) * batch_size]
        items, labels = self.data[index], self.labels[index]
        if not self.is_image:
            return items, labels
        return self._augment(to_float(items), torch_generator(seed, "augment", step)), labels

    def batches(self, start: int, batch_size: int, seed: int) -> Iterator[tuple[torch.Tensor, ...]]:
        step = start
        while True:
            yield self.batch(step, batch_size, seed)
            step += 1

    def _augment(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        size = self.image_size or images.shape[-1]
        if images.shape[-1] > size:
            margin = images.shape[-1] - size
            offsets = torch.randint(0, margin + 1, (len(images), 2), generator=generator)
            images = torch.stack(
                [
                    img[:, y : y + size, x : x + size]
                    for img, (y, x) in zip(images, offsets.tolist(), strict=True)
                ]
            )
        return random_flip(images, generator) if self.flip else images

    def preview(self, per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Up to ``per_class`` items of each class, class by class (floats, labels)."""
        picks = [
            torch.nonzero(self.labels == k).flatten()[:per_class]
            for k in range(len(self.class_names))
        ]
        index = torch.cat(picks)
        items = self.data[index]
        if self.is_image:
            items = to_float(items)
            size = self.image_size or items.shape[-1]
            start = (items.shape[-1] - size) // 2
            items = items[..., start : start + size, start : start + size]
        return items, self.labels[index]


def random_flip(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirror each image left-right with probability 1/2."""
    mirrored = torch.rand(len(images), generator=generator) < 0.5
    return torch.where(mirrored[:, None, None, None], images.flip(-1), images)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float32 -1..1."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float -1..1 -> uint8 0..255."""
    return images.detach().float().add(1.0).mul(127.5).round_().clamp_(0, 255).to(torch.uint8)

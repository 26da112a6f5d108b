"""An in-memory image set and its deterministic shuffled batches.

Batch ``t`` is a pure function of (seed, t): epoch ``e`` is shuffled by a generator seeded
with (seed, e). A resumed run therefore draws exactly the batches an uninterrupted run would,
without saving any sampler state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ganbench.errors import DataError
from ganbench.seeding import torch_generator


@dataclass
class ImageSet:
    images: torch.Tensor  # (N, C, H, W) uint8
    labels: torch.Tensor  # (N,) int64 class indices
    class_names: list[str]
    _order_cache: tuple[tuple[int, int], torch.Tensor] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.dtype != torch.uint8:
            raise DataError(f"images must be (N, C, H, W) uint8, got {tuple(self.images.shape)}")
        if len(self.labels) != len(self.images):
            raise DataError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> int:
        return self.images.shape[-1]

    def steps_per_epoch(self, batch_size: int) -> int:
        if batch_size > len(self):
            raise DataError(
                f"schedule.batch_size={batch_size} is larger than the data set ({len(self)} "
                "images); lower schedule.batch_size or raise data.size"
            )
        return len(self) // batch_size

    def _order(self, epoch: int, seed: int) -> torch.Tensor:
        return torch.randperm(len(self), generator=torch_generator(seed, "order", epoch))

    def batch(self, step: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The real batch for generator step ``step``: images in [-1, 1] and class indices."""
        per_epoch = self.steps_per_epoch(batch_size)
        epoch, within = divmod(step, per_epoch)
        if self._order_cache is None or self._order_cache[0] != (seed, epoch):
            self._order_cache = ((seed, epoch), self._order(epoch, seed))
        order = self._order_cache[1]
        index = order[within * batch_size : (within + 1) * batch_size]
        return to_float(self.images[index]), self.labels[index]


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float32 -1..1."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float -1..1 -> uint8 0..255."""
    return images.detach().float().add(1.0).mul(127.5).round_().clamp_(0, 255).to(torch.uint8)

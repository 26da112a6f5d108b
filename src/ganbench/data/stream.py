"""Endless streams of synthetic data: every step draws fresh items, optionally in workers.

Batch ``t`` depends only on (seed, t), so a resumed stream continues exactly, and worker
processes (a ``torch.utils.data.DataLoader`` over step numbers) change speed, not content.
An epoch of a stream is ``epoch_size`` items, which only paces sample grids.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ganbench.data.dataset import random_flip, to_float
from ganbench.errors import DataError
from ganbench.seeding import derive_seed, torch_generator


class _Steps(Sampler[int]):
    def __init__(self, start: int):
        self.start = start

    def __iter__(self) -> Iterator[int]:
        return itertools.count(self.start)


class _StepBatches(Dataset):
    def __init__(self, stream: StreamSet, batch_size: int, seed: int):
        self.stream, self.batch_size, self.seed = stream, batch_size, seed

    def __getitem__(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.stream.raw_batch(step, self.batch_size, self.seed)


@dataclass
class StreamSet:
    drawer: object  # ShapesDrawer or PointsDrawer
    epoch_size: int
    is_image: bool
    workers: int = 0
    flip: bool = False
    centres: torch.Tensor | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def class_names(self) -> list[str]:
        return self.drawer.class_names

    def __len__(self) -> int:
        return self.epoch_size

    def steps_per_epoch(self, batch_size: int) -> int:
        if batch_size > self.epoch_size:
            raise DataError(
                f"schedule.batch_size={batch_size} is larger than an epoch of the stream "
                f"({self.epoch_size} items); raise data.size"
            )
        return self.epoch_size // batch_size

    def raw_batch(self, step: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.drawer.stream_batch(step, batch_size, derive_seed(seed, "stream"))

    def _finish(
        self, data: torch.Tensor, labels: torch.Tensor, step: int, seed: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_image:
            return data, labels
        images = to_float(data)
        if self.flip:
            images = random_flip(images, torch_generator(seed, "augment", step))
        return images, labels

    def batch(self, step: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self._finish(*self.raw_batch(step, batch_size, seed), step, seed)

    def batches(self, start: int, batch_size: int, seed: int) -> Iterator[tuple[torch.Tensor, ...]]:
        if self.workers == 0:
            for step in itertools.count(start):
                yield self.batch(step, batch_size, seed)
            return
        loader = DataLoader(
            _StepBatches(self, batch_size, seed),
            batch_size=None,
            sampler=_Steps(start),
            num_workers=self.workers,
            prefetch_factor=4,
        )
        for step, (data, labels) in enumerate(loader, start):
            yield self._finish(data, labels, step, seed)

    def preview(self, per_class: int) -> tuple[torch.Tensor, torch.Tensor]:
        data, labels = self.batch(0, per_class * max(1, len(self.class_names)) * 4, 0)
        picks = [
            torch.nonzero(labels == k).flatten()[:per_class] for k in range(len(self.class_names))
        ]
        index = torch.cat(picks)
        return data[index], labels[index]

"""Drawers for the synthetic sources: item batches as a pure function of (seed, indices).

The same drawer fills a fixed set (items 0..N-1, optionally in worker processes) and an
endless stream (fresh items every step), so both give identical items for identical
indices and seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from ganbench.data.shapes import ImageTruth, ShapeClass, ShapeStyle, class_sequence, render_indices
from ganbench.data.toys import sample_curve, sample_mixture


@dataclass(frozen=True)
class ShapesDrawer:
    classes: tuple[ShapeClass, ...]
    style: ShapeStyle
    proportions: tuple[float, ...] | None = None

    @property
    def class_names(self) -> list[str]:
        return [c.name for c in self.classes]

    def labels_for(self, indices: np.ndarray, seed: int) -> np.ndarray:
        """Stream labels: classes in turn, or drawn by ``proportions`` per item."""
        if self.proportions is None:
            return indices % len(self.classes)
        shares = np.asarray(self.proportions) / sum(self.proportions)
        draws = [np.random.default_rng((seed, int(i), 1)).random() for i in indices]
        return np.searchsorted(np.cumsum(shares), draws, side="right").clip(0, len(shares) - 1)

    def draw(
        self, indices: np.ndarray, labels: np.ndarray, seed: int
    ) -> tuple[np.ndarray, list[ImageTruth]]:
        return render_indices(self.classes, labels, indices, seed, self.style)

    def stream_batch(self, step: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        indices = np.arange(step * n, (step + 1) * n)
        labels = self.labels_for(indices, seed)
        images, _ = self.draw(indices, labels, seed)
        return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))

    def fixed_set(
        self, n: int, seed: int, workers: int = 0
    ) -> tuple[np.ndarray, np.ndarray, list[ImageTruth]]:
        labels = class_sequence(n, len(self.classes), self.proportions)
        indices = np.arange(n)
        if workers <= 1 or n < 256:
            images, truths = self.draw(indices, labels, seed)
            return images, labels, truths
        chunks = np.array_split(indices, workers * 4)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(
                pool.map(self.draw, chunks, [labels[c] for c in chunks], [seed] * len(chunks))
            )
        images = np.concatenate([p[0] for p in parts])
        truths = [t for p in parts for t in p[1]]
        return images, labels, truths


@dataclass(frozen=True)
class PointsDrawer:
    """2D mixtures (``centres`` and ``std``) or seed 001's curve (``function``)."""

    class_names_: tuple[str, ...]
    centres: np.ndarray | None = None
    std: float = 0.02
    proportions: Sequence[float] | None = None
    function: str = "square"
    x_range: float = 0.5

    @property
    def class_names(self) -> list[str]:
        return list(self.class_names_)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if self.centres is None:
            return sample_curve(self.function, self.x_range, n, rng)
        return sample_mixture(self.centres, self.std, n, rng, self.proportions)

    def stream_batch(self, step: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        points, labels = self.sample(n, np.random.default_rng((seed, step, 2)))
        return torch.from_numpy(points), torch.from_numpy(labels)

    def fixed_set(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        return self.sample(n, np.random.default_rng((seed, 4)))

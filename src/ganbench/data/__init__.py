"""Data sources: each builds an :class:`ImageSet` from the data section of a config."""

from __future__ import annotations

import torch

from ganbench.config import DataConfig
from ganbench.data.imageset import ImageSet, to_float, to_uint8
from ganbench.data.shapes import ShapeStyle, render_dataset

__all__ = ["ImageSet", "build_dataset", "shape_style", "to_float", "to_uint8"]


def shape_style(cfg: DataConfig) -> ShapeStyle:
    return ShapeStyle(
        image_size=cfg.image_size,
        monochrome=cfg.monochrome,
        colour_jitter=cfg.colour_jitter,
        noise_std=cfg.noise_std,
        antialias=cfg.antialias,
    )


def build_dataset(cfg: DataConfig, seed: int, size: int | None = None) -> ImageSet:
    """The fixed training set described by ``cfg`` (``size`` images, default ``cfg.size``)."""
    images, labels, _ = render_dataset(cfg.classes, size or cfg.size, seed, shape_style(cfg))
    return ImageSet(torch.from_numpy(images), torch.from_numpy(labels), list(cfg.classes))

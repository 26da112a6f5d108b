"""Build the data set a config describes: dispatch on ``data.source``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganbench.config import DataConfig
from ganbench.data import cache
from ganbench.data.dataset import DataSet
from ganbench.data.digits import load_digits, stack_digits
from ganbench.data.folder import UnpairedImages, load_folder
from ganbench.data.resize import resize_square
from ganbench.data.shapes import ShapeStyle, resolve_classes
from ganbench.data.stream import StreamSet
from ganbench.data.synthetic import PointsDrawer, ShapesDrawer
from ganbench.data.torchvision_sets import load_torchvision_set
from ganbench.data.toys import DEFAULT_STD, grid_centres, ring_centres
from ganbench.errors import DataError

# Settings that only change how a set is visited, not what is in it.
# Settings that do not change what a fixed shapes set holds (the cache key leaves them out;
# data.translation draws a second domain beside it, built elsewhere).
_VISIT_ONLY = {
    "sampler", "group_size", "flip", "stream", "workers", "cache", "cache_dir", "translation",
}  # fmt: skip


def shape_style(cfg: DataConfig) -> ShapeStyle:
    return ShapeStyle(
        image_size=cfg.image_size,
        monochrome=cfg.monochrome,
        colour_jitter=cfg.colour_jitter,
        noise_std=cfg.noise_std,
        antialias=cfg.antialias,
        background=tuple(cfg.background),
    )


def shapes_drawer(cfg: DataConfig) -> ShapesDrawer:
    classes = resolve_classes(cfg.class_names, cfg.custom_classes, cfg.colours, cfg.colour_scheme)
    proportions = tuple(cfg.proportions) if cfg.proportions else None
    return ShapesDrawer(tuple(classes), shape_style(cfg), proportions)


def points_drawer(cfg: DataConfig) -> PointsDrawer:
    names = tuple(cfg.class_names)
    if cfg.source == "curve":
        return PointsDrawer(names, function=cfg.function, x_range=cfg.x_range)
    if cfg.source == "ring":
        centres = ring_centres(cfg.modes, cfg.radius)
    else:
        centres = grid_centres(cfg.grid_side, cfg.grid_spacing)
    std = cfg.mode_std or DEFAULT_STD[cfg.source]
    return PointsDrawer(names, centres, std, cfg.proportions)


def build_dataset(cfg: DataConfig, seed: int, size: int | None = None) -> DataSet | StreamSet:
    """The training data ``cfg`` describes (``size`` overrides ``cfg.size``)."""
    if size is not None:
        cfg = cfg.model_copy(update={"size": size})
    if cfg.kind == "points":
        return _points(cfg, seed)
    if cfg.source == "shapes":
        return _shapes(cfg, seed)
    images, labels, truth, names, notes = _real_images(cfg, seed)
    images = resize_square(images, cfg.image_size + cfg.crop_margin)
    return DataSet(images, labels, names, cfg.image_size, cfg.sampler, cfg.group_size,
                   cfg.flip, truth=truth, notes=notes)  # fmt: skip


def _real_images(cfg: DataConfig, seed: int) -> tuple:
    """Images, labels, truth (or None), class names and notes, after subsets and shares."""
    names, truth, notes = cfg.source_class_names(), None, []
    if cfg.source == "digits":
        images, labels = load_digits(cfg.split)
    elif cfg.source == "stacked_digits":
        digits, digit_labels = load_digits(cfg.split)
        images, labels, truth = stack_digits(digits, digit_labels, cfg.synthetic_size, seed)
    elif cfg.source == "folder":
        images, labels, names, notes = _folders(cfg)
    else:
        images, labels = load_torchvision_set(cfg.source, cfg.root, cfg.split)
    index = torch.arange(len(labels))
    if cfg.classes is not None:
        chosen = [names.index(c) for c in cfg.classes]
        remap = torch.full((len(names),), -1, dtype=torch.long)
        remap[chosen] = torch.arange(len(chosen))
        index = index[remap[labels] >= 0]
        labels = remap[labels]
        names = list(cfg.classes)
    if cfg.proportions is not None:
        index = _with_proportions(index, labels, cfg.proportions, seed)
    if cfg.size is not None and cfg.size < len(index) and cfg.source != "stacked_digits":
        generator = torch.Generator().manual_seed(seed)
        index = index[torch.randperm(len(index), generator=generator)[: cfg.size]].sort().values
    if len(index) == 0:
        raise DataError(f"no {cfg.source} images are left after choosing classes and shares")
    if truth is not None:
        truth = [truth[i] for i in index.tolist()]
    if len(index) == len(images) and bool((index == torch.arange(len(index))).all()):
        return images, labels, truth, names, notes  # no copy (a memory-mapped folder stays so)
    return images[index], labels[index], truth, names, notes


def _with_proportions(
    index: torch.Tensor, labels: torch.Tensor, proportions: list[float], seed: int
) -> torch.Tensor:
    """The largest subset of ``index`` whose class shares match ``proportions``."""
    shares = np.asarray(proportions, float) / sum(proportions)
    members = [index[labels[index] == k] for k in range(len(shares))]
    total = min(len(m) / p for m, p in zip(members, shares, strict=True) if p > 0)
    generator = torch.Generator().manual_seed(seed)
    picked = [
        m[torch.randperm(len(m), generator=generator)[: int(total * p)]]
        for m, p in zip(members, shares, strict=True)
    ]
    return torch.cat(picked).sort().values


def _folders(cfg: DataConfig) -> tuple:
    size = cfg.image_size + cfg.crop_margin
    mapped = cache.cache_root(cfg.cache_dir) if cfg.memory_map else None
    first = load_folder(cfg.path, size, cfg.monochrome, cfg.workers, mapped)
    if cfg.path_b is None:
        return first.images, first.labels, first.class_names, first.notes
    second = load_folder(cfg.path_b, size, cfg.monochrome, cfg.workers, mapped)
    images = torch.cat([first.images, second.images])
    labels = torch.cat([torch.zeros(len(first.images)), torch.ones(len(second.images))]).long()
    return images, labels, cfg.source_class_names(), first.notes + second.notes


def build_unpaired(cfg: DataConfig, seed: int) -> UnpairedImages:
    """Domains A and B as independently sampled sets: two folders (``data.path``,
    ``data.path_b``), or synthetic shapes with a known mapping (``data.translation``)."""
    if cfg.source == "shapes" and cfg.translation != "none":
        from ganbench.data.domains import build_shape_domains

        return build_shape_domains(cfg, seed)
    if cfg.source != "folder" or cfg.path_b is None:
        raise DataError(
            "unpaired data needs two domains: data.source=folder with data.path=A and "
            "data.path_b=B, or data.source=shapes with data.translation=colour|geometry"
        )
    size = cfg.image_size + cfg.crop_margin
    sets = []
    for path in (cfg.path, cfg.path_b):
        loaded = load_folder(path, size, cfg.monochrome, cfg.workers)
        labels = torch.zeros(len(loaded.images), dtype=torch.long)
        sets.append(DataSet(loaded.images, labels, [Path(path).name], cfg.image_size,
                            flip=cfg.flip, notes=loaded.notes))  # fmt: skip
    return UnpairedImages(*sets, notes=sets[0].notes + sets[1].notes)


def _points(cfg: DataConfig, seed: int) -> DataSet | StreamSet:
    drawer = points_drawer(cfg)
    centres = None if drawer.centres is None else torch.from_numpy(drawer.centres).float()
    if cfg.stream:
        return StreamSet(drawer, cfg.synthetic_size, False, cfg.workers, centres=centres)
    points, labels = drawer.fixed_set(cfg.synthetic_size, seed)
    return DataSet(torch.from_numpy(points), torch.from_numpy(labels), drawer.class_names,
                   sampler=cfg.sampler, group_size=cfg.group_size, centres=centres)  # fmt: skip


def _shapes(cfg: DataConfig, seed: int) -> DataSet | StreamSet:
    drawer = shapes_drawer(cfg)
    if cfg.stream:
        return StreamSet(drawer, cfg.synthetic_size, True, cfg.workers, cfg.flip)
    n = cfg.synthetic_size
    cached, path = None, None
    if cfg.cache:
        settings = {k: v for k, v in cfg.model_dump(mode="json").items() if k not in _VISIT_ONLY}
        path = cache.cache_root(cfg.cache_dir) / f"shapes-{cache.cache_key(settings, seed, n)}.npz"
        cached = cache.load(path)
    if cached is None:
        cached = drawer.fixed_set(n, seed, cfg.workers)
        if path is not None:
            cache.save(path, *cached)
    images, labels, truths = cached
    return DataSet(torch.from_numpy(images), torch.from_numpy(labels), drawer.class_names,
                   sampler=cfg.sampler, group_size=cfg.group_size, flip=cfg.flip,
                   truth=truths)  # fmt: skip

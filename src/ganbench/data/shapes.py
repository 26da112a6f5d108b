"""Seed 000's synthetic shapes, drawn with OpenCV, each image with its ground truth.

A class is ``count`` primitives of one kind (see :class:`ShapeClassSpec`); the built-in
ones are seed 000's happy circles, angry lines, sad waves and joyful stars, plus filled
circles and squares. Geometry is given for 64x64 images (the seed's size) and scales with
the image size. Each shape's colour is its class's base colour plus a uniform jitter per
channel (seed: ±50). Images are RGB on a background colour (white by default), or one
grey channel with black ink (white ink on a dark background) when monochrome.

Every image is drawn from a NumPy generator seeded by (seed, image index), so any image of
a data set can be re-drawn alone and the set does not depend on how it is split into
worker processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ganbench.data.catalogue import BUILTIN_CLASSES, ShapeClassSpec
from ganbench.data.primitives import PRIMITIVES


@dataclass(frozen=True)
class Shape:
    """One drawn primitive: its kind, anchor (x, y) and size in pixels, RGB colour."""

    kind: str
    position: tuple[int, int]
    size: int
    colour: tuple[int, int, int]
    filled: bool = False


@dataclass(frozen=True)
class ImageTruth:
    """Everything that was drawn into one image."""

    label: str
    shapes: list[Shape] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.shapes)


@dataclass(frozen=True)
class ShapeClass:
    """A class ready to draw: its spec and its resolved base colour."""

    name: str
    spec: ShapeClassSpec
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class ShapeStyle:
    """How images are drawn, independent of what is drawn."""

    image_size: int = 64
    monochrome: bool = False
    colour_jitter: int = 50
    noise_std: float = 0.0
    antialias: bool = True
    background: tuple[int, int, int] = (255, 255, 255)

    @property
    def channels(self) -> int:
        return 1 if self.monochrome else 3

    @property
    def background_grey(self) -> int:
        return round(sum(self.background) / 3)

    @property
    def ink(self) -> int:
        """Monochrome stroke value: black on light backgrounds, white on dark ones."""
        return 0 if self.background_grey >= 128 else 255


def grey_level(colour: Sequence[int]) -> float:
    return sum(colour) / 3


def resolve_classes(
    names: Sequence[str],
    custom: dict[str, ShapeClassSpec] | None = None,
    colours: dict[str, tuple[int, int, int]] | None = None,
    scheme: str = "seed",
) -> list[ShapeClass]:
    """Specs and base colours for ``names``, after per-class colours and the colour scheme.

    ``swapped``: each class takes the next listed class's colour (two classes trade).
    ``intensity_matched``: every colour is scaled to the grey level of the darkest, so all
    classes contrast equally with the background, the seed's test of whether brightness
    rather than hue decides which class a GAN learns first.
    """
    custom, colours = custom or {}, colours or {}
    specs = [custom.get(n) or BUILTIN_CLASSES[n] for n in names]
    base = [tuple(colours.get(n, spec.colour)) for n, spec in zip(names, specs, strict=True)]
    if scheme == "swapped":
        base = base[1:] + base[:1]
    elif scheme == "intensity_matched":
        target = min(grey_level(c) for c in base)
        base = [
            tuple(round(v * target / grey_level(c)) for v in c) if grey_level(c) else c
            for c in base
        ]
    elif scheme != "seed":
        raise ValueError(f"unknown colour scheme {scheme!r}")
    return [
        ShapeClass(n, spec, (int(c[0]), int(c[1]), int(c[2])))
        for n, spec, c in zip(names, specs, base, strict=True)
    ]


def builtin(name: str) -> ShapeClass:
    """A built-in class with its seed colour."""
    return resolve_classes([name])[0]


def _to_pixels(value: int, size: int, minimum: int = 1) -> int:
    return max(minimum, round(value * size / 64))


def _shape_colour(
    base: tuple[int, int, int], style: ShapeStyle, rng: np.random.Generator
) -> tuple[int, int, int]:
    if style.monochrome:
        return (style.ink,) * 3
    jitter = rng.integers(-style.colour_jitter, style.colour_jitter + 1, size=3)
    rgb = np.clip(np.array(base) + jitter, 0, 255)
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


def render(
    shape_class: ShapeClass, rng: np.random.Generator, style: ShapeStyle | None = None
) -> tuple[np.ndarray, ImageTruth]:
    """Draw one image: (H, W, C) uint8, C = 3 (RGB) or 1 (monochrome), and its truth."""
    style = style or ShapeStyle()
    spec, s = shape_class.spec, style.image_size
    if style.monochrome:
        img = np.full((s, s, 1), style.background_grey, np.uint8)
    else:
        img = np.empty((s, s, 3), np.uint8)
        img[:] = style.background
    line_type = cv2.LINE_AA if style.antialias else cv2.LINE_8
    width = _to_pixels(spec.line_width, s)
    draw = PRIMITIVES[spec.primitive]
    shapes = []
    for _ in range(int(rng.integers(spec.count[0], spec.count[1] + 1))):
        colour = _shape_colour(shape_class.colour, style, rng)
        size = _to_pixels(int(rng.integers(spec.size[0], spec.size[1] + 1)), s)
        x = int(rng.integers(_to_pixels(spec.x[0], s, 0), _to_pixels(spec.x[1], s, 0) + 1))
        y = int(rng.integers(_to_pixels(spec.y[0], s, 0), _to_pixels(spec.y[1], s, 0) + 1))
        draw_colour = colour if not style.monochrome else (style.ink,)
        draw(img, (x, y), size, draw_colour, width, spec.filled, line_type, rng)
        shapes.append(Shape(spec.primitive, (x, y), size, colour, spec.filled))
    if style.noise_std > 0:
        noisy = img.astype(np.float32) + rng.normal(0.0, style.noise_std, img.shape)
        img = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    return img, ImageTruth(shape_class.name, shapes)


def class_sequence(n: int, classes: int, proportions: Sequence[float] | None) -> np.ndarray:
    """Labels of a fixed set: classes in turn, or exact shares (largest remainder) in blocks."""
    if proportions is None:
        return np.arange(n, dtype=np.int64) % classes
    shares = np.asarray(proportions, float) / sum(proportions)
    counts = np.floor(shares * n).astype(int)
    remainder = shares * n - counts
    for k in np.argsort(-remainder, kind="stable")[: n - counts.sum()]:
        counts[k] += 1
    return np.repeat(np.arange(classes), counts).astype(np.int64)


def render_indices(
    classes: Sequence[ShapeClass],
    labels: np.ndarray,
    indices: np.ndarray,
    seed: int,
    style: ShapeStyle,
) -> tuple[np.ndarray, list[ImageTruth]]:
    """Images ``indices`` (each with its own generator) of the given classes: (N, C, H, W)."""
    s = style.image_size
    images = np.empty((len(indices), style.channels, s, s), np.uint8)
    truths = []
    for row, (index, label) in enumerate(zip(indices, labels, strict=True)):
        img, truth = render(classes[int(label)], np.random.default_rng((seed, int(index))), style)
        images[row] = img.transpose(2, 0, 1)
        truths.append(truth)
    return images, truths


def render_dataset(
    classes: Sequence[ShapeClass],
    n: int,
    seed: int,
    style: ShapeStyle | None = None,
    proportions: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[ImageTruth]]:
    """``n`` images: (N, C, H, W) uint8, (N,) class indices and each image's truth."""
    style = style or ShapeStyle()
    labels = class_sequence(n, len(classes), proportions)
    images, truths = render_indices(classes, labels, np.arange(n), seed, style)
    return images, labels, truths

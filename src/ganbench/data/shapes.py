"""Seed 000's synthetic shapes, drawn with OpenCV, each image with its ground truth.

Geometry is given for 64x64 images (the seed's size) and scales with the image size:

- happy: five unfilled circles of radius 5, centres in 10..54 (blue 95,114,231)
- angry: five 1-px lines starting in 10..24, running 20 along and 20 down (red 169,20,54)
- sad: three sine waves drawn through points 1 px apart, 30 long (green)
- joyful: three stars of five lines out from a centre, rays 7 long (yellow)

Each shape's colour is its class's base colour plus a uniform jitter per channel (seed:
±50). Images are RGB on a white background, or black strokes on white when monochrome.
Everything is drawn from a NumPy generator seeded by (seed, image index), so any image of a
data set can be re-drawn alone and the set does not depend on how it is split into workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

BASE_COLOURS: dict[str, tuple[int, int, int]] = {
    "happy": (95, 114, 231),
    "angry": (169, 20, 54),
    "sad": (40, 150, 60),
    "joyful": (230, 200, 20),
}
SHAPE_COUNTS = {"happy": 5, "angry": 5, "sad": 3, "joyful": 3}
BACKGROUND = 255


@dataclass(frozen=True)
class Shape:
    """One drawn primitive: its kind, anchor point (x, y), size in pixels and RGB colour."""

    kind: str
    position: tuple[int, int]
    size: int
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class ImageTruth:
    """Everything that was drawn into one image."""

    label: str
    shapes: list[Shape] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.shapes)


@dataclass(frozen=True)
class ShapeStyle:
    """How images are drawn, independent of what is drawn."""

    image_size: int = 64
    monochrome: bool = False
    colour_jitter: int = 50
    noise_std: float = 0.0
    antialias: bool = True


def _scaled(value: float, size: int) -> int:
    return max(1, round(value * size / 64))


def _colour(label: str, style: ShapeStyle, rng: np.random.Generator) -> tuple[int, int, int]:
    if style.monochrome:
        return (0, 0, 0)
    jitter = rng.integers(-style.colour_jitter, style.colour_jitter + 1, size=3)
    rgb = np.clip(np.array(BASE_COLOURS[label]) + jitter, 0, 255)
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]))


def _draw_circle(
    img: np.ndarray, rng: np.random.Generator, style: ShapeStyle, colour: tuple, line_type: int
) -> tuple[str, tuple[int, int], int]:
    s = style.image_size
    radius = _scaled(5, s)
    x, y = (int(v) for v in rng.integers(_scaled(10, s), _scaled(54, s) + 1, size=2))
    cv2.circle(img, (x, y), radius, colour, 1, line_type)
    return "circle", (x, y), radius


def _draw_line(
    img: np.ndarray, rng: np.random.Generator, style: ShapeStyle, colour: tuple, line_type: int
) -> tuple[str, tuple[int, int], int]:
    s = style.image_size
    length = _scaled(20, s)
    x, y = (int(v) for v in rng.integers(_scaled(10, s), _scaled(24, s) + 1, size=2))
    cv2.line(img, (x, y), (x + length, y + length), colour, 1, line_type)
    return "line", (x, y), length


def _draw_wave(
    img: np.ndarray, rng: np.random.Generator, style: ShapeStyle, colour: tuple, line_type: int
) -> tuple[str, tuple[int, int], int]:
    s = style.image_size
    length, amplitude, period = _scaled(30, s), _scaled(3, s), _scaled(10, s)
    x0 = int(rng.integers(_scaled(10, s), _scaled(24, s) + 1))
    y0 = int(rng.integers(_scaled(14, s), _scaled(50, s) + 1))
    phase = float(rng.uniform(0, 2 * math.pi))
    xs = np.arange(length + 1)
    ys = y0 + amplitude * np.sin(2 * math.pi * xs / period + phase)
    points = np.stack([x0 + xs, np.round(ys)], axis=1).astype(np.int32)
    cv2.polylines(img, [points], False, colour, 1, line_type)
    return "wave", (x0, y0), length


def _draw_star(
    img: np.ndarray, rng: np.random.Generator, style: ShapeStyle, colour: tuple, line_type: int
) -> tuple[str, tuple[int, int], int]:
    s = style.image_size
    ray = _scaled(7, s)
    x, y = (int(v) for v in rng.integers(_scaled(14, s), _scaled(50, s) + 1, size=2))
    turn = float(rng.uniform(0, 2 * math.pi / 5))
    for k in range(5):
        angle = turn + 2 * math.pi * k / 5
        end = (round(x + ray * math.cos(angle)), round(y + ray * math.sin(angle)))
        cv2.line(img, (x, y), end, colour, 1, line_type)
    return "star", (x, y), ray


_DRAWERS = {"happy": _draw_circle, "angry": _draw_line, "sad": _draw_wave, "joyful": _draw_star}
CLASS_NAMES = tuple(_DRAWERS)


def render(
    label: str, rng: np.random.Generator, style: ShapeStyle | None = None
) -> tuple[np.ndarray, ImageTruth]:
    """Draw one image of class ``label``: (H, W, C) uint8 RGB (C = 1 when monochrome)."""
    style = style or ShapeStyle()
    if label not in _DRAWERS:
        raise ValueError(f"unknown shape class {label!r}; known: {', '.join(CLASS_NAMES)}")
    channels = 1 if style.monochrome else 3
    img = np.full((style.image_size, style.image_size, channels), BACKGROUND, np.uint8)
    line_type = cv2.LINE_AA if style.antialias else cv2.LINE_8
    shapes = []
    for _ in range(SHAPE_COUNTS[label]):
        colour = _colour(label, style, rng)
        draw_colour = colour if channels == 3 else (colour[0],)
        kind, position, size = _DRAWERS[label](img, rng, style, draw_colour, line_type)
        shapes.append(Shape(kind, position, size, colour))
    if style.noise_std > 0:
        noisy = img.astype(np.float32) + rng.normal(0.0, style.noise_std, img.shape)
        img = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    return img, ImageTruth(label, shapes)


def render_dataset(
    classes: list[str], n: int, seed: int, style: ShapeStyle | None = None
) -> tuple[np.ndarray, np.ndarray, list[ImageTruth]]:
    """``n`` images, classes in turn (balanced): (N, C, H, W) uint8, (N,) class indices, truths."""
    style = style or ShapeStyle()
    channels = 1 if style.monochrome else 3
    images = np.empty((n, channels, style.image_size, style.image_size), np.uint8)
    labels = np.arange(n) % len(classes)
    truths = []
    for i in range(n):
        img, truth = render(classes[labels[i]], np.random.default_rng((seed, i)), style)
        images[i] = img.transpose(2, 0, 1)
        truths.append(truth)
    return images, labels.astype(np.int64), truths

"""OpenCV drawing of the shape primitives, one function per primitive.

Each takes its geometry already scaled to pixels and returns the anchor it used, so the
image's truth records exactly what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

Colour = tuple[int, ...]


def circle(img: np.ndarray, centre: tuple[int, int], radius: int, colour: Colour,
           width: int, filled: bool, line_type: int, rng: np.random.Generator) -> None:  # fmt: skip
    cv2.circle(img, centre, radius, colour, -1 if filled else width, line_type)


def line(img: np.ndarray, start: tuple[int, int], run: int, colour: Colour,
         width: int, filled: bool, line_type: int, rng: np.random.Generator) -> None:  # fmt: skip
    """``run`` along and ``run`` down from ``start`` (seed 000's angry strokes)."""
    cv2.line(img, start, (start[0] + run, start[1] + run), colour, width, line_type)


def wave(img: np.ndarray, start: tuple[int, int], length: int, colour: Colour,
         width: int, filled: bool, line_type: int, rng: np.random.Generator) -> None:  # fmt: skip
    """A sine wave through points 1 px apart; amplitude and period are 1/10 and 1/3 of it."""
    amplitude = max(1.0, length / 10)
    period = max(2.0, length / 3)
    phase = float(rng.uniform(0, 2 * math.pi))
    xs = np.arange(length + 1)
    ys = start[1] + amplitude * np.sin(2 * math.pi * xs / period + phase)
    points = np.stack([start[0] + xs, np.round(ys)], axis=1).astype(np.int32)
    cv2.polylines(img, [points], False, colour, width, line_type)


def star(img: np.ndarray, centre: tuple[int, int], ray: int, colour: Colour,
         width: int, filled: bool, line_type: int, rng: np.random.Generator) -> None:  # fmt: skip
    """Five rays of length ``ray`` out from the centre, turned by a random angle."""
    turn = float(rng.uniform(0, 2 * math.pi / 5))
    for k in range(5):
        angle = turn + 2 * math.pi * k / 5
        end = (round(centre[0] + ray * math.cos(angle)), round(centre[1] + ray * math.sin(angle)))
        cv2.line(img, centre, end, colour, width, line_type)


def square(img: np.ndarray, centre: tuple[int, int], side: int, colour: Colour,
           width: int, filled: bool, line_type: int, rng: np.random.Generator) -> None:  # fmt: skip
    """An axis-aligned square of ``side`` pixels centred on ``centre``."""
    half = side // 2
    top_left = (centre[0] - half, centre[1] - half)
    bottom_right = (top_left[0] + side - 1, top_left[1] + side - 1)
    cv2.rectangle(img, top_left, bottom_right, colour, -1 if filled else width, line_type)


Drawer = Callable[..., None]
PRIMITIVES: dict[str, Drawer] = {
    "circle": circle,
    "line": line,
    "wave": wave,
    "star": star,
    "square": square,
}

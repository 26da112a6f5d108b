"""The geometry of the dcgan networks, importable without torch (the config checks against it).

Resolution doubles from a 4x4 seed (7x7 for 28-px images) to the image size, one stride-2
stage at a time; widths halve towards the image or stay constant.
"""

from __future__ import annotations

import math


def start_resolution(image_size: int) -> int:
    return 7 if image_size % 7 == 0 else 4


def stage_count(image_size: int) -> int:
    """Number of stride-2 stages between the start resolution and the image."""
    start = start_resolution(image_size)
    stages = math.log2(image_size / start)
    if stages != int(stages) or stages < 1:
        raise ValueError(f"image size {image_size} is not 4 or 7 times a power of two")
    return int(stages)


def stage_resolutions(image_size: int) -> list[int]:
    """Inner feature-map sizes, coarsest first (where a self-attention block can sit)."""
    start = start_resolution(image_size)
    return [start * 2**i for i in range(stage_count(image_size))]


def stage_widths(base: int, stages: int, growth: str, max_width: int) -> list[int]:
    """Widths from the coarsest stage to the finest (the generator's order)."""
    if growth == "constant":
        return [min(base, max_width)] * stages
    return [min(base * 2 ** (stages - 1 - i), max_width) for i in range(stages)]

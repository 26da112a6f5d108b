"""What data ganbench knows, without loading any of it: sources, shape classes, class names.

Torch-free and cheap, so the config can validate against it and ``ganbench data list`` can
describe every source instantly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Primitive = Literal["circle", "line", "wave", "star", "square"]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm")


class ShapeClassSpec(BaseModel):
    """One class of synthetic image: ``count`` primitives of one kind, in 64-px geometry.

    Sizes and positions are given for a 64x64 image and scale with the image size. ``size``
    is a circle's radius, a line's run (it goes ``size`` along and ``size`` down), a wave's
    length, a star's ray length or a square's side. ``x`` and ``y`` bound the anchor: a
    circle's, star's or square's centre, a line's or wave's start.
    """

    model_config = ConfigDict(extra="forbid")

    primitive: Primitive
    count: tuple[int, int] = Field((1, 1), description="min and max shapes per image")
    size: tuple[int, int] = Field((5, 5), description="min and max size (64-px units)")
    x: tuple[int, int] = Field((10, 54), description="anchor x range (64-px units)")
    y: tuple[int, int] = Field((10, 54), description="anchor y range (64-px units)")
    line_width: int = Field(1, ge=1, le=16)
    filled: bool = False
    colour: tuple[int, int, int] = (0, 0, 0)

    @model_validator(mode="before")
    @classmethod
    def _scalars_as_ranges(cls, values: object) -> object:
        if isinstance(values, dict):
            values = dict(values)
            for key in ("count", "size", "x", "y"):
                if isinstance(values.get(key), int | float):
                    values[key] = (values[key], values[key])
        return values

    @model_validator(mode="after")
    def _ordered_ranges(self) -> ShapeClassSpec:
        for key in ("count", "size", "x", "y"):
            low, high = getattr(self, key)
            if low > high or low < (1 if key != "x" and key != "y" else 0):
                raise ValueError(f"{key} must be [min, max] with 0 < min <= max, got {low, high}")
        if any(not 0 <= c <= 255 for c in self.colour):
            raise ValueError(f"colour channels must be 0..255, got {self.colour}")
        if self.filled and self.primitive not in ("circle", "square"):
            raise ValueError(f"only circles and squares can be filled, not {self.primitive}s")
        return self


def _spec(**values: object) -> ShapeClassSpec:
    return ShapeClassSpec.model_validate(values)


# Seed 000's classes, plus the filled circles it contrasts with happy's rings, and squares.
BUILTIN_CLASSES: dict[str, ShapeClassSpec] = {
    "happy": _spec(primitive="circle", count=5, size=5, x=(10, 54), y=(10, 54),
                   colour=(95, 114, 231)),
    "angry": _spec(primitive="line", count=5, size=20, x=(10, 24), y=(10, 24),
                   colour=(169, 20, 54)),
    "sad": _spec(primitive="wave", count=3, size=30, x=(10, 24), y=(14, 50),
                 colour=(40, 150, 60)),
    "joyful": _spec(primitive="star", count=3, size=7, x=(14, 50), y=(14, 50),
                    colour=(230, 200, 20)),
    "filled": _spec(primitive="circle", count=5, size=5, x=(10, 54), y=(10, 54),
                    filled=True, colour=(140, 60, 170)),
    "squares": _spec(primitive="square", count=4, size=9, x=(12, 52), y=(12, 52),
                     colour=(230, 120, 30)),
}  # fmt: skip
SEED_CLASSES = ("happy", "angry", "sad", "joyful")

DIGIT_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle-boot",
)  # fmt: skip
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip


@dataclass(frozen=True)
class SourceInfo:
    """A data source: what it is, what it yields and which ``data.*`` settings it reads."""

    description: str
    kind: Literal["image", "points"]
    settings: tuple[str, ...]
    synthetic: bool


_IMAGE_COMMON = (
    "image_size", "size", "classes", "proportions", "sampler", "group_size", "flip",
    "crop_margin",
)  # fmt: skip
SOURCES: dict[str, SourceInfo] = {
    "shapes": SourceInfo(
        "seed 000's OpenCV shapes with per-image ground truth (classes from primitives)",
        "image",
        (*_IMAGE_COMMON, "custom_classes", "colours", "colour_scheme", "background",
         "monochrome", "colour_jitter", "noise_std", "antialias", "stream", "workers",
         "cache", "cache_dir", "translation"),
        True,
    ),
    "ring": SourceInfo(
        "2D mixture: a ring of Gaussians (PacGAN/VEEGAN protocol), mode centres as truth",
        "points",
        ("size", "proportions", "sampler", "group_size", "modes", "radius", "mode_std",
         "stream"),
        True,
    ),
    "grid": SourceInfo(
        "2D mixture: a square grid of Gaussians (5x5 at -4..4), mode centres as truth",
        "points",
        ("size", "proportions", "sampler", "group_size", "grid_side", "grid_spacing",
         "mode_std", "stream"),
        True,
    ),
    "curve": SourceInfo(
        "seed 001's 1D GAN: points (x, f(x)) for x uniform in [-range, range]",
        "points",
        ("size", "function", "x_range", "stream"),
        True,
    ),
    "digits": SourceInfo(
        "scikit-learn's bundled 8x8 handwritten digits (1797 images), upscaled to image_size",
        "image",
        (*_IMAGE_COMMON, "split"),
        False,
    ),
    "stacked_digits": SourceInfo(
        "three bundled digits in the R, G, B channels: 1000 modes, the triple as truth",
        "image",
        (*_IMAGE_COMMON, "split"),
        False,
    ),
    "mnist": SourceInfo(
        "MNIST from local files under data.root (torchvision layout; never downloaded)",
        "image",
        (*_IMAGE_COMMON, "root", "split"),
        False,
    ),
    "fashion_mnist": SourceInfo(
        "Fashion-MNIST from local files under data.root (torchvision layout)",
        "image",
        (*_IMAGE_COMMON, "root", "split"),
        False,
    ),
    "cifar10": SourceInfo(
        "CIFAR-10 from local files under data.root (torchvision layout)",
        "image",
        (*_IMAGE_COMMON, "root", "split"),
        False,
    ),
    "folder": SourceInfo(
        "any folder of images (recursive; subfolders are classes); path_b adds a second, "
        "unpaired domain",
        "image",
        (*_IMAGE_COMMON, "path", "path_b", "monochrome", "workers"),
        False,
    ),
}  # fmt: skip


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def folder_class_names(path: Path) -> list[str]:
    """Subfolders holding images are the classes (ImageFolder style); else the folder is one."""
    if not path.is_dir():
        return [path.name]
    subfolders = sorted(
        child.name
        for child in path.iterdir()
        if child.is_dir() and any(is_image_file(p) for p in child.rglob("*"))
    )
    return subfolders or [path.name]

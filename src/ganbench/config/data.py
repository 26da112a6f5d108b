"""The data section: what the discriminator sees as real, checked against the torch-free
data catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from ganbench.config.base import RGB, _Section
from ganbench.data.catalogue import (
    BUILTIN_CLASSES,
    CIFAR10_CLASSES,
    DIGIT_CLASSES,
    FASHION_CLASSES,
    SEED_CLASSES,
    SOURCES,
    ShapeClassSpec,
    folder_class_names,
)

SYNTHETIC_SIZE = 8000


class DataConfig(_Section):
    """What the discriminator sees as real. ``ganbench data list`` shows which source reads
    which setting."""

    source: Literal[tuple(SOURCES)] = "shapes"  # type: ignore[valid-type]  (the catalogue's names)
    classes: list[str] | None = Field(
        None,
        min_length=1,
        description="shapes: classes to draw (default: seed 000's four); "
        "labelled sets: a subset to keep (default: all)",
    )
    image_size: int = Field(64, ge=8, le=256)
    size: int | None = Field(
        None,
        ge=1,
        description=f"items in the set; synthetic default {SYNTHETIC_SIZE}, "
        "real sets default to all (a seeded subset when set)",
    )
    proportions: list[float] | None = Field(
        None, description="relative share of each class, e.g. [9, 1]; default: as found / equal"
    )
    sampler: Literal["shuffled", "grouped"] = "shuffled"
    group_size: int = Field(10, ge=1, description="grouped sampler: consecutive items per class")
    flip: bool = Field(False, description="random horizontal flips")
    crop_margin: int = Field(0, ge=0, description="resize to image_size+margin, random-crop back")
    stream: bool = Field(False, description="synthetic sources: fresh items every step")
    workers: int = Field(0, ge=0, description="processes generating or decoding data")
    cache: bool = Field(False, description="keep generated shapes in an .npz under cache_dir")
    cache_dir: str | None = Field(None, description="default: $GANBENCH_CACHE or ~/.cache/ganbench")
    memory_map: bool = Field(
        False,
        description="folder: decode once into a memory-mapped file under cache_dir (sets "
        "larger than memory train with bounded memory)",
    )
    # shapes
    custom_classes: dict[str, ShapeClassSpec] = Field(default_factory=dict)
    colours: dict[str, RGB] = Field(default_factory=dict, description="base colour per class")
    colour_scheme: Literal["seed", "swapped", "intensity_matched"] = "seed"
    background: RGB = (255, 255, 255)
    monochrome: bool = False
    colour_jitter: int = Field(50, ge=0, le=255, description="± per channel, per shape")
    noise_std: float = Field(0.0, ge=0.0, description="Gaussian noise sigma on the 0..255 scale")
    antialias: bool = True
    # 2D and 1D toys
    modes: int = Field(8, ge=1, description="ring: number of Gaussians")
    radius: float = Field(2.0, gt=0)
    grid_side: int = Field(5, ge=1, description="grid: Gaussians per side")
    grid_spacing: float = Field(2.0, gt=0)
    mode_std: float | None = Field(None, gt=0, description="default: ring 0.02, grid 0.05")
    function: Literal["square", "cube", "sine", "abs"] = "square"
    x_range: float = Field(0.5, gt=0)
    # real image sets
    root: str = Field("data", description="folder holding MNIST/, FashionMNIST/, cifar-10-...")
    split: Literal["train", "test"] = "train"
    path: str | None = Field(None, description="folder source: the image folder (domain A)")
    path_b: str | None = Field(None, description="folder source: an unpaired domain B")
    translation: Literal["none", "colour", "geometry"] = Field(
        "none",
        description="shapes: a second, unpaired domain B with a known mapping from A (each "
        "class to the next class's colour, or circles to squares), for translation families",
    )

    @model_validator(mode="before")
    @classmethod
    def _grey_background(cls, values: Any) -> Any:
        if isinstance(values, dict) and isinstance(values.get("background"), int):
            values = {**values, "background": (values["background"],) * 3}
        return values

    @model_validator(mode="after")
    def _consistent(self) -> DataConfig:
        if any(not 0 <= c <= 255 for c in self.background):
            raise ValueError(f"data.background channels must be 0..255, got {self.background}")
        if self.source == "shapes":
            self._check_shape_classes()
            self._check_translation()
        elif self.translation != "none":
            raise ValueError(
                f"data.translation draws a second domain of synthetic shapes; it does not apply "
                f"to data.source={self.source} (unpaired folders: data.path and data.path_b)"
            )
        elif self.classes is not None:
            if self.kind == "points" or self.source == "folder":
                raise ValueError(
                    f"data.classes cannot be chosen for the {self.source} source; remove it"
                )
            known = self.source_class_names()
            unknown = [c for c in self.classes if c not in known]
            if unknown:
                raise ValueError(
                    f"data.classes: {unknown[0]!r} is not a class of {self.source}; "
                    f"allowed: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}"
                )
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            raise ValueError("data.classes lists a class twice")
        if self.proportions is not None:
            count = len(self.class_names)
            if len(self.proportions) != count or any(p < 0 for p in self.proportions):
                raise ValueError(
                    f"data.proportions needs {count} non-negative shares (one per class: "
                    f"{', '.join(self.class_names[:10])}), got {self.proportions}"
                )
            if sum(self.proportions) <= 0:
                raise ValueError("data.proportions must not all be zero")
        if self.memory_map and self.source != "folder":
            raise ValueError(
                f"data.memory_map decodes an image folder to disk; data.source={self.source} "
                "is generated or loaded whole (use data.stream=true for endless synthetic data)"
            )
        if self.stream and not SOURCES[self.source].synthetic:
            raise ValueError(f"data.stream needs a synthetic source; {self.source} is a fixed set")
        if self.source == "folder":
            for key in ("path", "path_b"):
                value = getattr(self, key)
                if key == "path" and value is None:
                    raise ValueError("data.source=folder needs data.path=FOLDER of images")
                if value is not None and not Path(value).is_dir():
                    raise ValueError(f"data.{key}={value}: no such folder")
        return self

    def _check_translation(self) -> None:
        if self.translation == "colour" and (self.monochrome or len(self.class_names) < 2):
            raise ValueError(
                "data.translation=colour gives each class the next class's colour: it needs "
                "two or more classes in colour (data.monochrome=false)"
            )
        if self.translation == "geometry":
            others = [n for n in self.class_names if self.shape_spec(n).primitive != "circle"]
            if others:
                raise ValueError(
                    f"data.translation=geometry turns circles into squares, but class "
                    f"{others[0]!r} is not drawn with circles; use classes of circles (happy, "
                    "filled)"
                )

    def _check_shape_classes(self) -> None:
        clash = [c for c in self.custom_classes if c in BUILTIN_CLASSES]
        if clash:
            raise ValueError(
                f"data.custom_classes: {clash[0]!r} is a built-in class; give it another name"
            )
        known = [*BUILTIN_CLASSES, *self.custom_classes]
        for name in self.class_names:
            if name not in known:
                raise ValueError(
                    f"unknown shape class {name!r}; allowed: {', '.join(known)} "
                    "(or define it under data.custom_classes)"
                )
        stray = [c for c in self.colours if c not in self.class_names]
        if stray:
            raise ValueError(f"data.colours: {stray[0]!r} is not one of data.classes")

    def source_class_names(self) -> list[str]:
        """Every class the source offers, before any subset is chosen."""
        if self.source == "shapes":
            return [*SEED_CLASSES]
        if self.source == "ring":
            return [f"mode{k}" for k in range(self.modes)]
        if self.source == "grid":
            return [f"mode{k}" for k in range(self.grid_side**2)]
        if self.source == "curve":
            return [self.function]
        if self.source in ("digits", "mnist"):
            return list(DIGIT_CLASSES)
        if self.source == "stacked_digits":
            return [f"{k:03d}" for k in range(1000)]
        if self.source == "fashion_mnist":
            return list(FASHION_CLASSES)
        if self.source == "cifar10":
            return list(CIFAR10_CLASSES)
        if self.path_b is not None:
            return [Path(self.path or "A").name or "A", Path(self.path_b).name or "B"]
        return folder_class_names(Path(self.path or "."))

    @property
    def class_names(self) -> list[str]:
        return list(self.classes) if self.classes is not None else self.source_class_names()

    @property
    def kind(self) -> str:
        return SOURCES[self.source].kind

    @property
    def channels(self) -> int:
        if self.source in ("digits", "mnist", "fashion_mnist"):
            return 1
        if self.source in ("stacked_digits", "cifar10"):
            return 3
        return 1 if self.monochrome else 3

    @property
    def point_dim(self) -> int:
        return 2

    @property
    def synthetic_size(self) -> int:
        return self.size or SYNTHETIC_SIZE

    def shape_spec(self, name: str) -> ShapeClassSpec:
        return self.custom_classes.get(name) or BUILTIN_CLASSES[name]

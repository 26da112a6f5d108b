"""The root of the config tree: one run, fully described."""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from ganbench.config.base import _Section
from ganbench.config.data import DataConfig
from ganbench.config.diagnose import DiagnoseConfig
from ganbench.config.model import MODEL_IMAGE_SIZES, SIZED_ARCHITECTURES, ModelConfig
from ganbench.config.objective import ObjectiveConfig
from ganbench.config.schedule import (
    EvaluationConfig,
    LoggingConfig,
    OptimiserConfig,
    SamplingConfig,
    ScheduleConfig,
)
from ganbench.digests import json_digest
from ganbench.families.bigan_options import BiGANOptions, bigan_conflicts
from ganbench.families.catalogue import FAMILY_NAMES, FAMILY_SECTIONS
from ganbench.families.cyclegan_options import CycleGANOptions, cyclegan_conflicts
from ganbench.families.egan_options import EGANOptions, egan_conflicts
from ganbench.families.pggan_options import PGGANOptions, pggan_conflicts
from ganbench.families.sgan_options import SGANOptions, sgan_conflicts


def _family_names() -> tuple[str, ...]:
    """The families a config may name, read from the package at validation time: code that
    extends ``ganbench.config.FAMILY_NAMES`` (a test's own family) is heard here."""
    import ganbench.config

    return ganbench.config.FAMILY_NAMES


# Keys added after run digests were first stored, with their defaults: (section, key).
LATER_DEFAULTS: dict[tuple[str | None, str], Any] = {
    (None, "family"): "gan",
    ("data", "translation"): "none",
    ("schedule", "rollbacks"): 2,
    ("schedule", "rollback_lr_factor"): 0.5,
    ("schedule", "loss_limit"): 1e8,
    (None, "diagnose"): {"live": False, "check_d": False},
    ("logging", "report"): True,
    ("objective", "r1_every"): 1,
    ("objective", "class_weight"): 1.0,
    ("data", "memory_map"): False,
    ("model", "skip_z"): False,
    ("model", "strokes"): 5,
    ("model", "stroke_points"): 16,
    ("model", "stroke_presence"): "soft",
    ("model", "stroke_presence_sharpness"): 1.0,
    ("model", "stroke_position_temperature"): 1.0,
    ("model", "stroke_position_temperature_by_class"): {},
    ("model", "stroke_colour"): "stroke",
    ("model", "stroke_shape"): "stroke",
    ("model", "stroke_start"): "dot",
    ("model", "stroke_anchor_z"): "shared",
    ("model", "stroke_path"): "walk",
    ("model", "stroke_pen"): False,
    ("model", "stroke_turn"): False,
    ("model", "minibatch_std_map"): False,
    ("model", "g_detail"): None,
    ("model", "blocks_per_stage"): 1,
    ("objective", "ink_excess"): 0.0,
    ("objective", "presence_decision"): 0.0,
    ("objective", "presence_decision_side"): "both",
}


class Config(_Section):
    """One run, fully described."""

    recipe: str = "shapes-dcgan"
    family: str = Field(
        "gan",
        description="how the networks are built and updated: "
        + ", ".join(FAMILY_NAMES)
        + " (src/ganbench/families/)",
    )
    seed: int = Field(0, ge=0, lt=2**63, description="the run's seed (0 <= seed < 2^63)")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, ge=1, description="CPU threads; default: all cores")
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    objective: ObjectiveConfig = Field(default_factory=ObjectiveConfig)
    optimiser: OptimiserConfig = Field(default_factory=OptimiserConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    diagnose: DiagnoseConfig = Field(default_factory=DiagnoseConfig)
    sgan: SGANOptions = Field(default_factory=SGANOptions, description="family sgan's options")
    cyclegan: CycleGANOptions = Field(
        default_factory=CycleGANOptions, description="family cyclegan's options"
    )
    bigan: BiGANOptions = Field(default_factory=BiGANOptions, description="family bigan's options")
    egan: EGANOptions = Field(default_factory=EGANOptions, description="family egan's options")
    pggan: PGGANOptions = Field(default_factory=PGGANOptions, description="family pggan's options")

    @field_validator("family")
    @classmethod
    def _known_family(cls, name: str) -> str:
        names = _family_names()
        if name not in names:
            raise ValueError(f"unknown family {name!r}; allowed: {', '.join(names)}")
        return name

    @model_validator(mode="after")
    def _combinations(self) -> Config:
        size = self.model.image_size
        if size is not None and size != self.data.image_size:
            raise ValueError(
                f"model.image_size={size} does not match data.image_size="
                f"{self.data.image_size}; set them equal or leave model.image_size unset"
            )
        if self.data.kind == "points" and self.model.arch != "mlp":
            raise ValueError(
                f"data.source={self.data.source} yields 2D points, which only the mlp model "
                "can learn; set model.arch=mlp"
            )
        if (
            self.data.kind == "image"
            and self.model.arch in SIZED_ARCHITECTURES
            and self.data.image_size not in MODEL_IMAGE_SIZES
        ):
            raise ValueError(
                f"data.image_size={self.data.image_size} cannot be built by the "
                f"{self.model.arch} model; "
                f"allowed: {', '.join(map(str, MODEL_IMAGE_SIZES))}"
            )
        classes = len(self.data.class_names)
        if (
            self.model.g_condition == "additive"
            and self.model.arch == "dcgan"
            and self.model.latent_dim < classes
        ):
            raise ValueError(
                f"model.latent_dim={self.model.latent_dim} is smaller than the number of "
                f"classes ({classes}); additive conditioning tiles the label "
                "over z, so raise model.latent_dim or use model.conditioning=embedding"
            )
        from ganbench.compatibility import conflicts

        problems = conflicts(self) + self._family_conflicts()
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def _family_conflicts(self) -> list[str]:
        """A family section used with another family, and what the chosen family refuses."""
        problems = []
        for section in FAMILY_SECTIONS:
            options = getattr(self, section)
            if section != self.family and options != type(options)():
                changed = sorted(
                    key
                    for key, value in options
                    if value
                    != type(options).model_fields[key].get_default(call_default_factory=True)
                )
                keys = ", ".join(f"{section}.{key}" for key in changed)
                problems.append(
                    f"{keys} apply to family {section}, not {self.family}; set "
                    f"family={section} or remove them"
                )
        checks = {
            "sgan": sgan_conflicts,
            "cyclegan": cyclegan_conflicts,
            "bigan": bigan_conflicts,
            "egan": egan_conflicts,
            "pggan": pggan_conflicts,
        }
        if self.family in checks:
            problems += checks[self.family](self)
        return problems

    def advisories(self) -> list[str]:
        """Combinations that run but are probably not what the user wants, with the reason."""
        from ganbench.compatibility import advisories

        return advisories(self)

    @property
    def conditional(self) -> bool:
        return self.model.conditioning != "none"

    @property
    def image_size(self) -> int:
        return self.data.image_size

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data, without the sections of families it does not use."""
        tree = self.model_dump(mode="json")
        for section in FAMILY_SECTIONS:
            if section != self.family:
                tree.pop(section)
        return tree

    def identity(self) -> dict[str, Any]:
        """:meth:`to_dict` without the keys added since digests were first stored, while they
        hold their defaults, so that older runs and sweep records keep their digests."""
        tree = self.to_dict()
        for (section, key), default in LATER_DEFAULTS.items():
            holder = tree if section is None else tree[section]
            if holder.get(key) == default:
                holder.pop(key)
        return tree

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def digest(self) -> str:
        """A hash of everything that shapes the trained weights (not how long or how logged)."""
        tree = self.identity()
        for section in ("logging", "sampling", "evaluation"):
            tree.pop(section)
        tree["schedule"].pop("steps")
        return json_digest(tree, 16)


DEFAULT_RECIPE = "shapes-dcgan"

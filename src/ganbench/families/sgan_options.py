"""The ``sgan:`` config section (torch-free): options of the semi-supervised family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ganbench.families.schedule_rules import one_update_a_step

if TYPE_CHECKING:
    from ganbench.config import Config


DEFAULT_PER_CLASS = 10


class SGANOptions(BaseModel):
    """Semi-supervised GAN (Odena 2016; Salimans et al. 2016): D classifies real images into
    the data's classes and tells them from fakes; only a few training images keep labels."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    labelled_per_class: int | None = Field(
        None, ge=1, description=f"labelled training images per class (default {DEFAULT_PER_CLASS})"
    )
    labelled_fraction: float | None = Field(
        None, gt=0, le=1, description="instead: this share of every class keeps its labels"
    )
    g_loss: Literal["feature_matching", "non_saturating"] = Field(
        "feature_matching",
        description="G's loss: Salimans' feature matching on D's last hidden layer, or "
        "-log D(G(z))",
    )
    unsupervised_weight: float = Field(
        1.0, ge=0, description="weight of D's real/fake term beside its classification term"
    )
    labelled_batch: int | None = Field(
        None, ge=1, description="labelled images per step (default: schedule.batch_size)"
    )

    @model_validator(mode="after")
    def _one_share(self) -> SGANOptions:
        if self.labelled_fraction is not None and self.labelled_per_class is not None:
            raise ValueError(
                "sgan.labelled_per_class and sgan.labelled_fraction both set; choose one"
            )
        return self

    @property
    def per_class(self) -> int:
        """Labelled images per class when no fraction is given."""
        return self.labelled_per_class or DEFAULT_PER_CLASS


def sgan_conflicts(cfg: Config) -> list[str]:
    """What family sgan cannot train with; each message names the key and the way out."""
    problems = []
    if cfg.data.kind != "image" or cfg.model.arch != "dcgan":
        problems.append("family sgan trains dcgan networks on images; set model.arch=dcgan")
    if cfg.conditional:
        problems.append(
            "family sgan has an unconditional G (D predicts the class); set model.conditioning=none"
        )
    problems += one_update_a_step(cfg, "sgan")
    if cfg.data.sampler != "shuffled":
        problems.append(
            f"family sgan: data.sampler={cfg.data.sampler} orders batches by label, which would "
            "let the labels of unlabelled images in; set data.sampler=shuffled"
        )
    return problems

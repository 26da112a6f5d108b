"""The objective section: the adversarial loss, its regularisers and the label tricks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ganbench.config.base import _Section
from ganbench.objectives.catalogue import LOSS_NAMES

CROSS_ENTROPY_LOSSES = ("minimax", "non_saturating")
WASSERSTEIN_LOSSES = ("wasserstein", "wgan_clip", "wgan_gp")
DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")


class ObjectiveConfig(_Section):
    """The adversarial loss, its regularisers and the label tricks."""

    loss: Literal[LOSS_NAMES] = "non_saturating"
    ls_a: float = Field(0.0, description="least_squares: D's target for fakes")
    ls_b: float = Field(1.0, description="least_squares: D's target for reals")
    ls_c: float = Field(1.0, description="least_squares: G's target for its fakes")
    clip: float = Field(0.01, gt=0, description="wgan_clip: weights clamped to [-clip, clip]")
    gp_lambda: float = Field(10.0, ge=0, description="wgan_gp: gradient penalty weight")
    r1_gamma: float = Field(0.0, ge=0, description="R1 penalty on real data (0: off)")
    class_weight: float = Field(
        1.0, ge=0, description="weight of the class terms of model.d_conditioning=acgan/tacgan"
    )
    r1_every: int = Field(
        1,
        ge=1,
        description="lazy R1 (StyleGAN2): the penalty on every n-th step only, n times as strong",
    )
    consistency: float = Field(0.0, ge=0, description="consistency regularisation weight")
    consistency_on: Literal["real", "fake", "both"] = Field(
        "real", description="images the consistency term sees (seed 004 used the fakes)"
    )
    instance_noise: float = Field(0.0, ge=0, description="std of noise added to D's inputs")
    instance_noise_steps: int | None = Field(
        None, ge=1, description="steps over which instance noise anneals to 0 (default: all)"
    )
    d_blur: float = Field(
        0.0,
        ge=0,
        le=32,
        description="sigma (pixels, at most 32) of a Gaussian blur on D's inputs, fading to 0",
    )
    d_blur_steps: int | None = Field(
        None, ge=1, description="steps over which the D-input blur fades out (default: half)"
    )
    real_label: float = Field(
        1.0, ge=-100, le=100, description="D's label for reals (0.9: one-sided smoothing)"
    )
    fake_label: float = Field(
        0.0, ge=-100, le=100, description="D's label for fakes (> 0: two-sided smoothing)"
    )
    soft_labels: bool = Field(False, description="random labels: reals U(0.7,1.2), fakes U(0,0.3)")
    label_flip: float = Field(0.0, ge=0, lt=0.5, description="share of D's labels swapped")
    image_pool: int = Field(0, ge=0, description="past fakes kept for D (seed 004: 50)")
    mode_seeking: float = Field(
        0.0, ge=0, description="weight of MSGAN's mode-seeking term in G's loss (0: off)"
    )
    ink_excess: float = Field(
        0.0,
        ge=0,
        description="weight of a G-loss term against more ink than any real image of the "
        "class in the batch holds (line drawings on a flat page; 0: off)",
    )
    presence_decision: float = Field(
        0.0,
        ge=0,
        description="arch=strokes: weight of a G-loss term 4 p (1 - p) on each stroke's "
        "presence p, so that training draws a stroke whole or drops it (0: off)",
    )
    presence_decision_side: Literal["both", "drop"] = Field(
        "both",
        description="strokes the presence term weighs: both (every stroke, pushed to the "
        "nearer end) or drop (only those less than half present, pushed to be dropped)",
    )
    diffaugment: str | None = Field(
        None, description="DiffAugment policy for D's inputs, e.g. color,translation,cutout"
    )

    @model_validator(mode="after")
    def _check_policy(self) -> ObjectiveConfig:
        if self.diffaugment:
            unknown = [p for p in self.diffaugment.split(",") if p not in DIFFAUGMENT_POLICIES]
            if unknown:
                raise ValueError(
                    f"objective.diffaugment: unknown policy {unknown[0]!r}; "
                    f"allowed: {', '.join(DIFFAUGMENT_POLICIES)} (comma-separated)"
                )
        return self

    @property
    def label_tricks(self) -> bool:
        return (
            self.real_label != 1.0
            or self.fake_label != 0.0
            or self.soft_labels
            or self.label_flip > 0
        )

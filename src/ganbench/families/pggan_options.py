"""The ``pggan:`` config section (torch-free): options of the progressive-growing family."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ganbench.families.schedule_rules import one_update_a_step

if TYPE_CHECKING:
    from ganbench.config import Config


class PGGANOptions(BaseModel):
    """Progressive growing (Karras et al. 2018): G and D start at ``start`` px and double
    up to the data's size; each new stage fades in over ``fade_images`` images and then
    trains stable for ``stage_images`` (the last stage until the run ends)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    start: Literal[4, 8] = Field(4, description="resolution of the first stage")
    stage_images: int = Field(
        600_000, ge=1, description="images each stage trains stable (paper: 800k)"
    )
    fade_images: int = Field(600_000, ge=1, description="images each fade-in lasts (paper: 800k)")
    reset_optimisers: bool = Field(
        True, description="clear Adam's moments when a stage begins (as in the paper)"
    )
    drift: float = Field(
        0.001, ge=0, description="epsilon_drift x E[D(x)^2] in D's loss, keeping scores near 0"
    )


def pggan_conflicts(cfg: Config) -> list[str]:
    """What family pggan cannot train with; each message names the key and the way out."""
    problems = []
    size, start = cfg.data.image_size, cfg.pggan.start
    stages = math.log2(size / start) if cfg.data.kind == "image" else 0.5
    if cfg.data.kind != "image":
        problems.append("family pggan grows image networks; choose an image data.source")
    elif stages != int(stages) or stages < 1:
        problems.append(
            f"the growth schedule does not reach the data: pggan.start={start} px does not "
            f"double up to data.image_size={size}; use an image size of {start} x 2^k (k >= 1)"
        )
    if cfg.conditional:
        problems.append("family pggan grows an unconditional G; set model.conditioning=none")
    if cfg.model.g_norm == "batch" or cfg.model.d_norm != "none":
        problems.append(
            "family pggan normalises G by pixel norm (or nothing) and D not at all; set "
            "model.g_norm=pixel and model.d_norm=none"
        )
    problems += one_update_a_step(cfg, "pggan")
    return problems

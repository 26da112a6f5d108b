"""The ``bigan:`` config section (torch-free): options of the BiGAN family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ganbench.families.schedule_rules import one_update_a_step

if TYPE_CHECKING:
    from ganbench.config import Config


class BiGANOptions(BaseModel):
    """BiGAN (Donahue et al. 2016) / ALI (Dumoulin et al. 2016): an encoder E beside G, and
    a discriminator that judges (image, code) pairs, (x, E(x)) against (G(z), z)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    encoder: Literal["deterministic", "stochastic"] = Field(
        "deterministic",
        description="E(x) a point (BiGAN), or mean and log-scale of a Gaussian sampled by "
        "reparameterisation (ALI)",
    )
    joint_width: int = Field(256, ge=1, description="width of D's layers on the joint (x, z)")
    grid_pairs: int = Field(
        16, ge=0, le=32, description="held images and their reconstructions G(E(x)) in grids"
    )


def bigan_conflicts(cfg: Config) -> list[str]:
    """What family bigan cannot train with; each message names the key and the way out."""
    problems = []
    points = cfg.data.kind == "points"
    if not points and cfg.model.arch != "dcgan":
        problems.append(
            f"family bigan builds its encoder and joint D for the dcgan image networks (or the "
            f"point networks), not model.arch={cfg.model.arch}; set model.arch=dcgan"
        )
    if cfg.conditional:
        problems.append(
            "family bigan learns an unconditional G and its inverse; set model.conditioning=none"
        )
    if cfg.objective.loss not in ("non_saturating", "minimax"):
        problems.append(
            f"family bigan trains with the cross-entropy of the paper (objective.loss="
            f"non_saturating or minimax), not {cfg.objective.loss}"
        )
    problems += one_update_a_step(cfg, "bigan", "one D and one G+E")
    return problems

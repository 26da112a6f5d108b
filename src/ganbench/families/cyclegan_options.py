"""The ``cyclegan:`` config section (torch-free): options of the CycleGAN family."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from ganbench.families.schedule_rules import one_update_a_step

if TYPE_CHECKING:
    from ganbench.config import Config


class CycleGANOptions(BaseModel):
    """CycleGAN (Zhu et al. 2017) with seed 004's weights: two generators A->B and B->A, a
    PatchGAN discriminator per domain, least-squares adversarial losses."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    lambda_cycle: float = Field(10.0, ge=0, description="L1 cycle loss ||F(G(a)) - a|| weight")
    lambda_identity: float = Field(
        5.0, ge=0, description="L1 identity loss ||G(b) - b|| weight (seed 004: 5)"
    )
    pool_size: int = Field(50, ge=0, description="past fakes D sees (half the time); 0: none")
    ngf: int = Field(64, ge=1, description="generator width")
    n_blocks: int = Field(6, ge=1, description="residual blocks (6 up to 128 px, 9 above)")
    ndf: int = Field(64, ge=1, description="discriminator width")
    n_layers: int = Field(3, ge=1, description="PatchGAN stride-2 layers (3: 70-px patches)")
    consistency: float = Field(
        0.0, ge=0, description="consistency regularisation of both D (seed 004: 1; 0: off)"
    )
    augment: bool = Field(True, description="random flips and crops of the training images")


def cyclegan_conflicts(cfg: Config) -> list[str]:
    """What family cyclegan cannot train with; each message names the key and the way out."""
    problems = []
    data = cfg.data
    unpaired = (data.source == "shapes" and data.translation != "none") or (
        data.source == "folder" and data.path_b is not None
    )
    if not unpaired:
        problems.append(
            "family cyclegan translates between two unpaired domains: set data.source=shapes "
            "with data.translation=colour|geometry, or data.source=folder with data.path and "
            "data.path_b"
        )
    if data.image_size % 4:
        problems.append(
            f"family cyclegan needs data.image_size divisible by 4, not {data.image_size}"
        )
    problems += one_update_a_step(cfg, "cyclegan", "one G and one D")
    return problems

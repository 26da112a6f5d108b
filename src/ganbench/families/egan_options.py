"""The ``egan:`` config section (torch-free): options of the evolutionary GAN family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ganbench.families.schedule_rules import one_update_a_step

if TYPE_CHECKING:
    from ganbench.config import Config

MUTATIONS = ("minimax", "non_saturating", "least_squares")


class EGANOptions(BaseModel):
    """Evolutionary GAN (Wang et al. 2018): each step every parent generator makes one child
    per mutation (one Adam step under that loss, from the parent's weights and optimiser
    state); children are scored by quality + gamma x diversity and the best survive."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    population: int = Field(1, ge=1, description="parents kept each step (the paper: 1)")
    mutations: list[Literal["minimax", "non_saturating", "least_squares"]] = Field(
        default_factory=lambda: list(MUTATIONS),
        description="the children's losses: log(1 - D(G(z))), -log D(G(z)), (D(G(z)) - 1)^2",
    )
    gamma: float = Field(
        2.0,
        ge=0,
        description="weight of the diversity fitness, -log ||grad_D L_D|| (2 here equals the "
        "official toy code's 1 on -log ||.||^2)",
    )
    fitness_batch: int = Field(256, ge=1, description="samples each child is scored on")

    @field_validator("mutations")
    @classmethod
    def _distinct(cls, mutations: list[str]) -> list[str]:
        if not mutations:
            raise ValueError(f"give at least one mutation of {', '.join(MUTATIONS)}")
        if len(set(mutations)) != len(mutations):
            raise ValueError("each mutation once")
        return mutations


def egan_conflicts(cfg: Config) -> list[str]:
    """What family egan cannot train with; each message names the key and the way out."""
    problems = []
    if cfg.conditional:
        problems.append("family egan evolves unconditional generators; set model.conditioning=none")
    if cfg.objective.loss not in ("non_saturating", "minimax"):
        problems.append(
            f"family egan trains D with the cross-entropy of the paper (objective.loss="
            f"non_saturating or minimax), not {cfg.objective.loss}; G's losses are "
            "egan.mutations"
        )
    problems += one_update_a_step(cfg, "egan", "one D update and one generation")
    if cfg.schedule.batch_size % cfg.egan.population:
        problems.append(
            f"egan.population={cfg.egan.population} must divide schedule.batch_size="
            f"{cfg.schedule.batch_size}: D sees an equal share of every survivor's samples"
        )
    return problems

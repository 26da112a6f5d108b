"""Schedule settings most families refuse (torch-free, for their option checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ganbench.config import Config


def one_update_a_step(cfg: Config, family: str, updates: str = "one D and one G") -> list[str]:
    """A family without an EMA generator that makes ``updates`` update a step."""
    problems = []
    if cfg.schedule.ema > 0:
        problems.append(f"family {family} keeps no EMA generator; set schedule.ema=0")
    if cfg.schedule.d_steps != 1:
        problems.append(f"family {family} makes {updates} update a step; set schedule.d_steps=1")
    return problems

"""diagnose: what is checked while a run trains (``ganbench diagnose`` reads any run)."""

from __future__ import annotations

from pydantic import Field

from ganbench.config.base import _Section


class DiagnoseConfig(_Section):
    live: bool = Field(
        False, description="print each failure verdict the first time it appears in training"
    )
    check_d: bool = Field(
        False,
        description="before training, check that D can tell every class from noise "
        "(ganbench check-d; results in the run directory)",
    )

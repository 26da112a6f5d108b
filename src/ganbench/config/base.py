"""What every config section shares: the strict pydantic base model and small aliases."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

RGB = tuple[int, int, int]


class _Section(BaseModel):
    # NaN and infinity are never a meaningful setting (noise_std=inf trains on pure noise).
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

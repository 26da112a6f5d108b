"""Generators and discriminators, built by name from the model section of a config.

``catalogue`` holds the networks' geometry (torch-free, so the config can check against it),
``build`` builds them. The names below are loaded from ``build`` when first used, so that
importing the catalogue does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganbench.models.build import (
        ARCHITECTURES,
        apply_spectral_norm,
        background_colour,
        build_models,
        sample_latent,
    )

__all__ = [
    "ARCHITECTURES",
    "apply_spectral_norm",
    "background_colour",
    "build_models",
    "sample_latent",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("ganbench.models.build"), name)
    globals()[name] = value
    return value

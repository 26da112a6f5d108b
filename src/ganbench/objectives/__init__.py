"""Adversarial losses and the step strategies that apply them.

``catalogue`` names the losses (torch-free, so the config can validate against it). The names
below are loaded when first used, together with every module that registers a loss, so that
importing the catalogue does not import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganbench.objectives.losses import LOSSES, AdversarialLoss, build_loss

__all__ = ["LOSSES", "AdversarialLoss", "build_loss"]

# Importing these registers their losses in LOSSES.
_REGISTERING = ("ganbench.objectives.losses", "ganbench.objectives.wasserstein")


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in _REGISTERING:
        importlib.import_module(module)
    value = getattr(importlib.import_module("ganbench.objectives.losses"), name)
    globals()[name] = value
    return value

"""Build the family a config names (the classes are imported only when asked for)."""

from __future__ import annotations

import importlib

import torch

from ganbench.config import Config
from ganbench.data.dataset import DataSet
from ganbench.data.stream import StreamSet
from ganbench.families.base import Family
from ganbench.families.catalogue import FAMILIES, FAMILY_NAMES


def family_class(name: str) -> type[Family]:
    if name not in FAMILIES:
        raise KeyError(f"unknown family {name!r}; known: {', '.join(FAMILY_NAMES)}")
    module, attribute = FAMILIES[name]
    return getattr(importlib.import_module(module), attribute)


def build_family(
    cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None
) -> Family:
    """The family ``cfg.family`` names, its networks built from the run seed; ``data`` is
    the training set (none when only sampling)."""
    return family_class(cfg.family)(cfg, device, data)

"""A G-loss term that asks each stroke of the vector generator to be drawn or not.

The vector generator (``models/strokes.py``) scales a stroke's ink by a presence in (0, 1).
Training can leave a stroke half-present: D reads a pale stroke as a little ink and does not
push it either way, while the shape count reads it as one shape too many or too few
(docs/mode-collapse.md). This term, ``weight * mean(4 p (1 - p))`` over the strokes of G's
last training batch, is 0 for a stroke drawn whole or dropped and the weight for one at
half, so G decides. Unlike hard presence (a straight-through 0 or 1), the ink D sees and its
gradients stay soft.
"""

from __future__ import annotations

import torch
from torch import nn


def presence_decision_loss(generator: nn.Module, weight: float) -> torch.Tensor:
    """``weight * mean(4 p (1 - p))`` over the presences of the generator's last training
    forward pass (a wrapped generator, e.g. for several processes, is unwrapped)."""
    while hasattr(generator, "module"):
        generator = generator.module
    presence = getattr(generator, "last_presence", None)
    generator.last_presence = None  # its graph is this step's; nothing keeps it after
    if presence is None:
        raise RuntimeError(
            "objective.presence_decision needs the strokes generator's presences from a "
            "training forward pass; none was kept"
        )
    return weight * (4 * presence * (1 - presence)).mean()

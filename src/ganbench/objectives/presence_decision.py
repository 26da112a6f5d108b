"""A G-loss term that asks each stroke of the vector generator to be drawn or not.

The vector generator (``models/strokes.py``) scales a stroke's ink by a presence in (0, 1).
Training can leave a stroke half-present: D reads a pale stroke as a little ink and does not
push it either way, while the shape count reads it as one shape too many or too few
(docs/mode-collapse.md). This term, ``weight * mean(4 p (1 - p))`` over the strokes of G's
last training batch, is 0 for a stroke drawn whole or dropped and the weight for one at
half, so G decides. With ``side="drop"`` it weighs only the strokes less than half present,
so that pale strokes are dropped and no stroke is pushed to be drawn whole (the symmetric
term drew spare strokes whole: extra stars). Unlike hard presence (a straight-through 0 or
1), the ink D sees and its gradients stay soft.
"""

from __future__ import annotations

import torch
from torch import nn


def presence_decision_loss(generator: nn.Module, weight: float, side: str = "both") -> torch.Tensor:
    """``weight * mean(4 p (1 - p))`` over the presences of the generator's last training
    forward pass (a wrapped generator, e.g. for several processes, is unwrapped); with
    ``side="drop"`` the strokes at half or more count 0."""
    while hasattr(generator, "module"):
        generator = generator.module
    presence = getattr(generator, "last_presence", None)
    generator.last_presence = None  # its graph is this step's; nothing keeps it after
    if presence is None:
        raise RuntimeError(
            "objective.presence_decision needs the strokes generator's presences from a "
            "training forward pass; none was kept"
        )
    undecided = 4 * presence * (1 - presence)
    if side == "drop":
        undecided = undecided * (presence < 0.5).to(undecided.dtype)
    return weight * undecided.mean()

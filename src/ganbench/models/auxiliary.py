"""Class heads on D's features: AC-GAN's auxiliary classifier (Odena et al. 2017) and
TAC-GAN's twin classifier (Gong et al. 2019).

Both read D's sum-pooled features of the images D has just scored: D keeps them from its
last forward pass (``last``), so the adversarial step gets the class logits of a batch
without a second pass. The heads output logits; the losses apply cross-entropy to them
directly (a softmax before it would be the double-softmax bug, whose gradients vanish).
"""

from __future__ import annotations

import torch
from torch import nn

AUXILIARY_MODES = ("acgan", "tacgan")


class AuxiliaryHeads(nn.Module):
    def __init__(self, channels: int, num_classes: int, twin: bool):
        super().__init__()
        self.classifier = nn.Linear(channels, num_classes)
        self.twin = nn.Linear(channels, num_classes) if twin else None
        self.last: tuple[torch.Tensor, torch.Tensor | None] | None = None

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Class logits (and the twin's) of (B, C, H, W) or (B, C) features; kept in
        ``last``."""
        pooled = features.float().sum(dim=(2, 3)) if features.dim() == 4 else features.float()
        twin = self.twin(pooled) if self.twin is not None else None
        self.last = (self.classifier(pooled), twin)
        return self.last

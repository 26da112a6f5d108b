"""The class terms of AC-GAN and TAC-GAN, from the logits of D's class heads
(:mod:`ganbench.models.auxiliary`).

- AC-GAN (Odena et al. 2017): D's classifier learns the class of real and of generated
  images; G is rewarded when its images are classified as the class it was asked for. This
  pulls each class's samples towards where the classifier is surest, so intra-class diversity
  drops (TAC-GAN; ADC-GAN).
- TAC-GAN (Gong et al. 2019): the classifier learns from real images only; a twin classifier
  learns the intended class of generated images only; G minimises the first's cross-entropy
  minus the twin's, which cancels AC-GAN's pull towards low conditional entropy.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

Logits = tuple[torch.Tensor, torch.Tensor | None]


def class_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of raw logits (log-softmax inside): never softmax them first."""
    return F.cross_entropy(logits.float(), labels)


def d_class_terms(mode: str, real: Logits, fake: Logits, labels: torch.Tensor) -> torch.Tensor:
    """What D's heads minimise: AC-GAN both batches through the classifier; TAC-GAN real
    images through the classifier and generated ones through the twin only."""
    if mode == "acgan":
        return class_loss(real[0], labels) + class_loss(fake[0], labels)
    twin = fake[1]
    assert twin is not None, "tacgan needs D's twin head"
    return class_loss(real[0], labels) + class_loss(twin, labels)


def g_class_terms(mode: str, fake: Logits, labels: torch.Tensor) -> torch.Tensor:
    """What G minimises besides the adversarial loss."""
    term = class_loss(fake[0], labels)
    if mode == "tacgan":
        twin = fake[1]
        assert twin is not None, "tacgan needs D's twin head"
        term = term - class_loss(twin, labels)
    return term

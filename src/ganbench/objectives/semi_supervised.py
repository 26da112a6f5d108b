"""The semi-supervised GAN's losses on K class logits with the fake logit fixed at 0.

With Z = sum_k exp(l_k), D(x) = Z / (Z + 1): -log D(x) = softplus(LSE) - LSE for real
images, -log(1 - D(x)) = softplus(LSE) for fakes (LSE = log Z). This is Odena's (K+1)-way
softmax with the extra logit pinned, which costs nothing in expressiveness (softmax is
invariant to a shift of all logits); :func:`with_fake_logit` writes the (K+1)-way form out.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def real_loss(logits: torch.Tensor) -> torch.Tensor:
    """Mean -log D(x) over unlabelled real images."""
    lse = torch.logsumexp(logits, dim=1)
    return (F.softplus(lse) - lse).mean()


def fake_loss(logits: torch.Tensor) -> torch.Tensor:
    """Mean -log(1 - D(x)) over generated images."""
    return F.softplus(torch.logsumexp(logits, dim=1)).mean()


def supervised_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of labelled real images over the K real classes (the fake class has
    probability 1 - D(x); conditioning on "real" leaves the K-way softmax)."""
    return F.cross_entropy(logits, labels)


def real_probability(logits: torch.Tensor) -> torch.Tensor:
    """D(x) = Z / (Z + 1) per image."""
    return torch.sigmoid(torch.logsumexp(logits, dim=1))


def with_fake_logit(logits: torch.Tensor) -> torch.Tensor:
    """(B, K) -> (B, K + 1): Odena's N+1 outputs, the last (fake) one fixed at 0."""
    return torch.cat([logits, logits.new_zeros(len(logits), 1)], dim=1)


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Salimans' G loss: squared distance between the batch means of D's hidden features."""
    return (real_features.mean(0) - fake_features.mean(0)).pow(2).mean()

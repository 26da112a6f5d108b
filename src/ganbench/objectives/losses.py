"""Adversarial losses, computed from discriminator logits.

Each loss knows its discriminator terms (real and fake separately, so they can be logged)
and its generator term. Softplus forms are the numerically stable sigmoid cross-entropies:
-log(sigmoid(l)) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ganbench.registry import Registry


class AdversarialLoss:
    def d_real(self, real_logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_fake(self, fake_logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


LOSSES: Registry[AdversarialLoss] = Registry("loss")


class _SigmoidCrossEntropyD(AdversarialLoss):
    """D maximises log D(x) + log(1 - D(G(z))) (Goodfellow et al. 2014)."""

    def d_real(self, real_logits: torch.Tensor) -> torch.Tensor:
        return F.softplus(-real_logits).mean()

    def d_fake(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return F.softplus(fake_logits).mean()


@LOSSES.register("minimax")
class Minimax(_SigmoidCrossEntropyD):
    """G minimises log(1 - D(G(z))): the saturating game as written in the paper."""

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return -F.softplus(fake_logits).mean()


@LOSSES.register("non_saturating")
class NonSaturating(_SigmoidCrossEntropyD):
    """G maximises log D(G(z)): strong gradients when D rejects the fakes."""

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake_logits).mean()


def build_loss(name: str) -> AdversarialLoss:
    return LOSSES.get(name)()

"""Adversarial losses, computed from discriminator outputs (logits, or critic values).

A loss is one object that knows its discriminator terms (real and fake separately, so they
can be logged), its generator term, and any penalty or after-step constraint it needs
(WGAN-GP's gradient penalty, WGAN's weight clipping). Adding a loss is one class with one
``@LOSSES.register`` line, in this module or a module in ``objectives/__init__.py``'s
``_REGISTERING``, plus its name in ``objectives/catalogue.py`` (the config's list).

Softplus forms are the numerically stable sigmoid cross-entropies:
-log(sigmoid(l)) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.registry import Registry


class AdversarialLoss:
    """Base: ``targets`` are per-sample labels for D (label tricks); None means hard labels."""

    #: D's output is a logit read through a sigmoid: cross-entropy label tricks apply.
    sigmoid_output = False
    #: D's raw output above this counts as "judged real" (for the accuracy curves).
    threshold = 0.0

    def readable(self, logits: torch.Tensor) -> torch.Tensor:
        """D's output as logged: a probability for sigmoid losses, the raw score otherwise."""
        return torch.sigmoid(logits) if self.sigmoid_output else logits

    def d_real(self, real_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def d_fake(self, fake_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(
        self,
        discriminator: nn.Module,
        real: torch.Tensor,
        fake: torch.Tensor,
        labels: torch.Tensor | None,
        rng: torch.Generator,
    ) -> torch.Tensor | None:
        """An extra D term that needs D itself (None: this loss has none)."""
        return None

    def after_d_step(self, discriminator: nn.Module) -> None:
        """A constraint applied to D's weights after each of its updates."""


LOSSES: Registry[AdversarialLoss] = Registry("loss")


class _SigmoidCrossEntropyD(AdversarialLoss):
    """D maximises log D(x) + log(1 - D(G(z))) (Goodfellow et al. 2014).

    With soft or flipped labels (seed 001's GAN hacks) the terms become the binary
    cross-entropy against the given per-sample targets.
    """

    sigmoid_output = True

    def d_real(self, real_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        if target is None:
            return F.softplus(-real_logits).mean()
        return F.binary_cross_entropy_with_logits(real_logits, target)

    def d_fake(self, fake_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        if target is None:
            return F.softplus(fake_logits).mean()
        return F.binary_cross_entropy_with_logits(fake_logits, target)


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


@LOSSES.register("least_squares")
class LeastSquares(AdversarialLoss):
    """LSGAN (Mao et al. 2017), as seed 004 writes it: D pulls reals to ``b`` and fakes to
    ``a``; G pulls fakes to ``c``. Each term carries the factor 1/2. The defaults a=0, b=c=1
    are the 0-1 coding; a=-1, b=1, c=0 is the paper's Pearson chi-squared choice."""

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0):
        self.a, self.b, self.c = a, b, c
        self.threshold = (a + b) / 2

    def d_real(self, real_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return 0.5 * (real_logits - self.b).pow(2).mean()

    def d_fake(self, fake_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return 0.5 * (fake_logits - self.a).pow(2).mean()

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return 0.5 * (fake_logits - self.c).pow(2).mean()


@LOSSES.register("hinge")
class Hinge(AdversarialLoss):
    """Hinge loss (Lim & Ye 2017; SAGAN, BigGAN): D minimises E[relu(1 - D(x))] +
    E[relu(1 + D(G(z)))]; G minimises -E[D(G(z))]."""

    def d_real(self, real_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return F.relu(1.0 - real_logits).mean()

    def d_fake(self, fake_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return F.relu(1.0 + fake_logits).mean()

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return -fake_logits.mean()


def build_loss(name: str, **params: Any) -> AdversarialLoss:
    """The loss ``name`` with its parameters (those it does not take are ignored)."""
    import inspect

    cls = LOSSES.get(name)
    accepted = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in params.items() if k in accepted})

"""E-GAN's mutations and fitness (Wang et al. 2018), as plain functions of D's logits.

D is a cross-entropy discriminator, so D(x) = sigmoid(logit). Quality is the mean D(G(z))
of a child's samples; diversity is -log ||grad_D L_D||, the norm of the gradient of D's own
loss on real images and the child's samples with respect to D's weights: a child whose
samples spread over the data leaves D a flat loss (small gradient), one that piles onto a
few modes lets D's loss fall steeply. Neither term is back-propagated, so no second-order
graph is built.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

EPSILON = 1e-12


def mutation_loss(kind: str, fake_logits: torch.Tensor) -> torch.Tensor:
    """G's loss under one mutation: minimax log(1 - D), heuristic -log D, least squares
    (D - 1)^2 on D's probability."""
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    if kind == "non_saturating":
        return F.softplus(-fake_logits).mean()
    if kind == "least_squares":
        return (torch.sigmoid(fake_logits) - 1).pow(2).mean()
    raise ValueError(f"unknown mutation {kind!r}")


def quality(fake_logits: torch.Tensor) -> float:
    return float(torch.sigmoid(fake_logits).mean())


def diversity(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """-log of the norm of D's loss gradient, with real and these fakes."""
    params = [p for p in discriminator.parameters() if p.requires_grad]
    loss = F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(fake)).mean()
    grads = torch.autograd.grad(loss, params)
    norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    return float(-torch.log(norm + EPSILON))


def fitness(
    discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, gamma: float
) -> tuple[float, float, float]:
    """(fitness, quality, diversity) of one child's samples ``fake``."""
    with torch.no_grad():
        score = quality(discriminator(fake))
    spread = diversity(discriminator, real, fake)
    return score + gamma * spread, score, spread


def select(scores: list[float], keep: int) -> list[int]:
    """Indices of the ``keep`` fittest, best first (ties: the earlier child)."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order[:keep]

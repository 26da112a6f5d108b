"""Discriminator regularisers that are not tied to a loss: R1, consistency, instance noise."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganbench.objectives.wasserstein import input_gradient_norms


def r1_penalty(
    discriminator: nn.Module, real: torch.Tensor, labels: torch.Tensor | None, gamma: float
) -> torch.Tensor:
    """gamma/2 * E[||grad_x D(x)||^2] on real data (Mescheder et al. 2018)."""
    norms = input_gradient_norms(discriminator, real, labels)
    return 0.5 * gamma * norms.pow(2).mean()


def consistency_penalty(
    discriminator: nn.Module,
    images: torch.Tensor,
    outputs: torch.Tensor,
    labels: torch.Tensor | None,
    weight: float,
    transform: Callable[[torch.Tensor, torch.Generator], torch.Tensor],
    rng: torch.Generator,
) -> torch.Tensor:
    """lambda * ||D(x) - D(T(x))||^2 (Zhang et al. 2019; seed 004's L_cr).

    ``outputs`` are D(x), already computed by the step; T is a random flip + translation.
    """
    augmented = transform(images.detach(), rng)
    return weight * (discriminator(augmented, labels) - outputs).pow(2).mean()


def instance_noise_std(step: int, start: float, anneal_steps: int) -> float:
    """Linear annealing of the instance-noise scale from ``start`` to 0 over ``anneal_steps``
    (Sønderby et al. 2016; Arjovsky & Bottou 2017)."""
    if start <= 0 or step >= anneal_steps:
        return 0.0
    return start * (1.0 - step / anneal_steps)


def add_instance_noise(x: torch.Tensor, std: float, rng: torch.Generator) -> torch.Tensor:
    if std <= 0:
        return x
    return x + std * torch.randn(x.shape, generator=rng).to(x.device, x.dtype)

"""Wasserstein losses (Arjovsky et al. 2017): the critic maximises E[D(x)] - E[D(G(z))].

The critic must be (close to) 1-Lipschitz. Three ways are offered: weight clipping
(``wgan_clip``, the original paper), the gradient penalty (``wgan_gp``, Gulrajani et al.
2017), or a plain ``wasserstein`` loss with spectral normalisation (seed 004's WGAN-SN).
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.objectives.losses import LOSSES, AdversarialLoss


@LOSSES.register("wasserstein")
class Wasserstein(AdversarialLoss):
    """The critic terms alone; pair it with spectral normalisation of D."""

    def d_real(self, real_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return -real_logits.mean()

    def d_fake(self, fake_logits: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return fake_logits.mean()

    def g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        return -fake_logits.mean()


@LOSSES.register("wgan_clip")
class WassersteinClipped(Wasserstein):
    """After every critic update each weight is clamped to [-clip, clip] (0.01 in the paper)."""

    def __init__(self, clip: float = 0.01):
        self.clip = clip

    @torch.no_grad()
    def after_d_step(self, discriminator: nn.Module) -> None:
        for parameter in discriminator.parameters():
            parameter.clamp_(-self.clip, self.clip)


def interpolate(real: torch.Tensor, fake: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """x_hat = eps * real + (1 - eps) * fake, one eps ~ U(0, 1) per sample."""
    shape = (len(real),) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=rng).to(real.device, real.dtype)
    return eps * real + (1 - eps) * fake


def input_gradient_norms(
    discriminator: nn.Module, inputs: torch.Tensor, labels: torch.Tensor | None
) -> torch.Tensor:
    """||grad_x D(x)||_2 per sample, the norm taken over *all* non-batch dimensions.

    Taking it over one dimension only (e.g. ``norm(dim=1)`` on images) is a known bug that
    penalises per-row norms instead of the gradient's; the graph is kept so the penalty
    trains D.
    """
    inputs = inputs.detach().requires_grad_(True)
    outputs = discriminator(inputs, labels)
    (grad,) = torch.autograd.grad(outputs.sum(), inputs, create_graph=True)
    return grad.flatten(1).norm(2, dim=1)


@LOSSES.register("wgan_gp")
class WassersteinGradientPenalty(Wasserstein):
    """Adds lambda * E[(||grad D(x_hat)|| - 1)^2] at random interpolates (lambda 10)."""

    def __init__(self, gp_lambda: float = 10.0):
        self.gp_lambda = gp_lambda

    def penalty(
        self,
        discriminator: nn.Module,
        real: torch.Tensor,
        fake: torch.Tensor,
        labels: torch.Tensor | None,
        rng: torch.Generator,
    ) -> torch.Tensor:
        x_hat = interpolate(real.detach(), fake.detach(), rng)
        norms = input_gradient_norms(discriminator, x_hat, labels)
        return self.gp_lambda * (norms - 1.0).pow(2).mean()

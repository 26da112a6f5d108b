"""The alternating update shared by vanilla, DCGAN and conditional GANs: D step, then G step.

Differences from the textbook loop (pytorch/examples dcgan), none of which changes the maths:
- D's parameters are frozen during the G step, so its backward pass computes only the
  gradients flowing to G, not D's weight gradients (which the textbook computes and drops);
- D's real and fake losses share one backward call; gradients are reset to None, not zeroed;
- statistics stay tensors until the trainer logs them (no device sync per step).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

from ganbench.models import sample_latent
from ganbench.objectives.losses import AdversarialLoss


@dataclass
class GANState:
    """Everything an adversarial step updates."""

    generator: nn.Module
    discriminator: nn.Module
    g_optimiser: torch.optim.Optimizer
    d_optimiser: torch.optim.Optimizer
    latent_rng: torch.Generator


class AdversarialStep:
    def __init__(
        self,
        loss: AdversarialLoss,
        latent_dim: int,
        latent_distribution: str,
        conditional: bool,
        device: torch.device,
        precision: str = "fp32",
    ):
        self.loss = loss
        self.latent_dim, self.latent_distribution = latent_dim, latent_distribution
        self.conditional = conditional
        self.device = device
        self.precision = precision

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def __call__(
        self, state: GANState, real: torch.Tensor, labels: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        G, D = state.generator, state.discriminator
        y = labels if self.conditional else None
        z = sample_latent(
            len(real), self.latent_dim, self.latent_distribution, state.latent_rng
        ).to(self.device)

        # Discriminator: real and fake batches pass separately (batch norm sees each alone).
        state.d_optimiser.zero_grad(set_to_none=True)
        with self._autocast():
            fake = G(z, y)
            real_logits = D(real, y).float()
            fake_logits = D(fake.detach(), y).float()
        d_real = self.loss.d_real(real_logits)
        d_fake = self.loss.d_fake(fake_logits)
        (d_real + d_fake).backward()
        state.d_optimiser.step()

        # Generator: through the updated D, whose own weight gradients are not needed.
        state.g_optimiser.zero_grad(set_to_none=True)
        D.requires_grad_(False)
        try:
            with self._autocast():
                g_logits = D(fake, y).float()
            g_loss = self.loss.g_loss(g_logits)
            g_loss.backward()
        finally:
            D.requires_grad_(True)
        state.g_optimiser.step()

        real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
        return {
            "d_loss_real": d_real.detach(),
            "d_loss_fake": d_fake.detach(),
            "d_loss": (d_real + d_fake).detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean(),
            "d_fake": torch.sigmoid(fake_logits).mean(),
            "d_fake_after": torch.sigmoid(g_logits.detach()).mean(),
            "d_acc_real": (real_logits > 0).float().mean(),
            "d_acc_fake": (fake_logits < 0).float().mean(),
        }

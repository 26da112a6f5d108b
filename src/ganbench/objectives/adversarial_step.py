"""The alternating update shared by every loss: ``d_steps`` D updates, then one G update.

Differences from the textbook loop (pytorch/examples dcgan), none of which changes the maths:
- D's parameters are frozen during the G step, so its backward pass computes only the
  gradients flowing to G, not D's weight gradients (which the textbook computes and drops);
- D's real and fake losses share one backward call; gradients are reset to None, not zeroed;
- statistics stay tensors until the trainer logs them (no device sync per step);
- on the CPU, D sees its images channels-last, the layout oneDNN's convolutions run fastest
  in (a DCGAN step ~10% faster); only the summation order within a convolution changes;
- precision="bf16" computes in fp32 on CPUs without native bf16 kernels (see
  :mod:`ganbench.training.precision`).

Randomness of the tricks (label noise, instance noise, augmentation, interpolates) comes from
a generator seeded by (run seed, step), so a resumed run repeats it without saved state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from ganbench.diagnosis.signals import (
    batch_diversity,
    gradient_norm,
    mode_histogram,
    sign_on_real,
)
from ganbench.models import sample_latent
from ganbench.models.ema import EMAGenerator
from ganbench.objectives.augment import cr_augment, diff_augment
from ganbench.objectives.auxiliary import d_class_terms, g_class_terms
from ganbench.objectives.blur import blur_images, blur_sigma
from ganbench.objectives.ink_excess import ink_excess_loss
from ganbench.objectives.labels import LabelTricks
from ganbench.objectives.losses import AdversarialLoss
from ganbench.objectives.mode_seeking import mode_seeking_loss
from ganbench.objectives.presence_decision import presence_decision_loss
from ganbench.objectives.regularisers import (
    add_instance_noise,
    consistency_penalty,
    instance_noise_std,
    r1_penalty,
)
from ganbench.seeding import torch_generator
from ganbench.training.distributed import Shard
from ganbench.training.image_pool import ImagePool
from ganbench.training.precision import autocast, compute_dtype


@dataclass
class GANState:
    """Everything an adversarial step updates."""

    generator: nn.Module
    discriminator: nn.Module
    g_optimiser: torch.optim.Optimizer
    d_optimiser: torch.optim.Optimizer
    latent_rng: torch.Generator
    ema: EMAGenerator | None = None
    image_pool: ImagePool | None = None


@dataclass
class Tricks:
    """The D-side tricks of an objective config, resolved for the step."""

    labels: LabelTricks = field(default_factory=LabelTricks)
    r1_gamma: float = 0.0
    r1_every: int = 1
    mode_seeking: float = 0.0
    ink_excess: float = 0.0
    presence_decision: float = 0.0
    presence_decision_side: str = "both"
    consistency: float = 0.0
    consistency_on: str = "real"
    instance_noise: float = 0.0
    instance_noise_steps: int = 1
    d_blur: float = 0.0
    d_blur_steps: int = 1
    diffaugment: str | None = None
    d_steps: int = 1
    class_mode: str | None = None  # acgan / tacgan: D's class heads take their losses
    class_weight: float = 1.0


class AdversarialStep:
    def __init__(
        self,
        loss: AdversarialLoss,
        latent_dim: int,
        latent_distribution: str,
        conditional: bool,
        device: torch.device,
        precision: str = "fp32",
        tricks: Tricks | None = None,
        seed: int = 0,
        modes: torch.Tensor | None = None,
    ):
        """``modes``: the centres of a 2D mixture, to log which modes fakes go to."""
        self.loss = loss
        self.latent_dim, self.latent_distribution = latent_dim, latent_distribution
        self.conditional = conditional
        self.device = device
        self.dtype = compute_dtype(precision, device)
        self.channels_last = device.type == "cpu"
        self.tricks = tricks or Tricks()
        self.seed = seed
        self.modes = modes
        self.shard = Shard()  # one rank's slice of the global batch (several processes)

    def _autocast(self) -> contextlib.AbstractContextManager:
        return autocast(self.dtype, self.device)

    def _layout(self, images: torch.Tensor) -> torch.Tensor:
        """Images as D should receive them: channels-last on the CPU."""
        if self.channels_last and images.dim() == 4:
            return images.contiguous(memory_format=torch.channels_last)
        return images

    def _d_input(self, x: torch.Tensor, step: int, rng: torch.Generator) -> torch.Tensor:
        """What D sees of a batch: augmented, noised, laid out."""
        t = self.tricks
        if t.diffaugment:
            x = diff_augment(x, t.diffaugment, rng)
        x = blur_images(x, blur_sigma(step, t.d_blur, t.d_blur_steps))
        std = instance_noise_std(step, t.instance_noise, t.instance_noise_steps)
        return self._layout(add_instance_noise(x, std, rng))

    def __call__(
        self,
        state: GANState,
        batches: list[tuple[torch.Tensor, torch.Tensor]],
        step: int = 0,
    ) -> dict[str, torch.Tensor]:
        """One G step after ``len(batches)`` D steps (one real batch each); ``step`` counts
        the G steps done before this one."""
        stats: dict[str, torch.Tensor] = {}
        fake = labels = z = real = None
        for k, (real, labels) in enumerate(batches):
            last = k == len(batches) - 1
            stats, fake, z = self._d_step(state, real, labels, step, k, keep_graph=last)
        assert fake is not None and labels is not None, "at least one real batch is needed"
        stats.update(self._g_step(state, fake, z, labels, step, real))
        return stats

    def _d_step(
        self,
        state: GANState,
        real: torch.Tensor,
        labels: torch.Tensor,
        step: int,
        k: int,
        keep_graph: bool,
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """D's update; returns its stats, the fakes (with G's graph when ``keep_graph``) and
        their latents."""
        G, D, t = state.generator, state.discriminator, self.tricks
        rng = torch_generator(self.seed, "d-step", step, k, *self.shard.salt)
        y = labels if self.conditional else None
        # The global batch's latents, of which this rank takes its slice.
        n = len(real) * self.shard.world
        z = sample_latent(n, self.latent_dim, self.latent_distribution, state.latent_rng)
        z = self.shard.take(z).to(self.device)

        state.d_optimiser.zero_grad(set_to_none=True)
        with torch.set_grad_enabled(keep_graph), self._autocast():
            fake = G(z, y)
        shown_fake = fake.detach()
        if state.image_pool is not None:
            shown_fake = state.image_pool.query(shown_fake)
        real_in = self._d_input(real, step, rng)
        fake_in = self._d_input(shown_fake, step, rng)
        # Real and fake batches pass separately (batch norm sees each alone).
        with self._autocast():
            real_logits = D(real_in, y).float()
            real_classes = _class_logits(D)
            fake_logits = D(fake_in, y).float()
            fake_classes = _class_logits(D)
        real_target = fake_target = None
        if t.labels.active:
            real_target, fake_target = t.labels.targets(len(real_logits), rng)
            real_target, fake_target = real_target.to(self.device), fake_target.to(self.device)
        d_real = self.loss.d_real(real_logits, real_target)
        d_fake = self.loss.d_fake(fake_logits, fake_target)
        total = d_real + d_fake
        stats: dict[str, torch.Tensor] = {}
        if t.class_mode and real_classes is not None and fake_classes is not None:
            term = t.class_weight * d_class_terms(t.class_mode, real_classes, fake_classes, labels)
            total = total + term
            stats["d_class"] = term.detach()
            hits = real_classes[0].detach().argmax(1) == labels
            stats["d_class_acc_real"] = hits.float().mean()
        lazy_r1 = k == 0 and step % t.r1_every == 0
        penalties = self._penalties(D, real_in, fake_in, real_logits, fake_logits, y, rng, lazy_r1)
        for name, term in penalties:
            total = total + term
            stats[name] = term.detach()
        total.backward()
        stats["d_grad_norm"] = gradient_norm(D)
        state.d_optimiser.step()
        self.loss.after_d_step(D)

        real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
        threshold = self.loss.threshold
        stats.update(
            {
                "d_loss_real": d_real.detach(),
                "d_loss_fake": d_fake.detach(),
                "d_loss": total.detach(),
                "d_real": self.loss.readable(real_logits).mean(),
                "d_fake": self.loss.readable(fake_logits).mean(),
                "d_acc_real": (real_logits > threshold).float().mean(),
                "d_acc_fake": (fake_logits < threshold).float().mean(),
                "d_sign_real": sign_on_real(real_logits, threshold),
                "diversity_real": batch_diversity(real, y),
                "diversity_fake": batch_diversity(shown_fake, y),
            }
        )
        if self.modes is not None:
            stats["fake_modes"] = mode_histogram(shown_fake, self.modes)
        return stats, fake, z

    def _penalties(
        self,
        D: nn.Module,
        real_in: torch.Tensor,
        fake_in: torch.Tensor,
        real_logits: torch.Tensor,
        fake_logits: torch.Tensor,
        y: torch.Tensor | None,
        rng: torch.Generator,
        r1_now: bool = True,
    ) -> list[tuple[str, torch.Tensor]]:
        """``r1_now``: this step takes the (lazy) R1 term, ``r1_every`` times as strong."""
        t = self.tricks
        terms: list[tuple[str, torch.Tensor]] = []
        gp = self.loss.penalty(D, real_in, fake_in, y, rng)
        if gp is not None:
            terms.append(("d_gradient_penalty", gp))
        if t.r1_gamma > 0 and r1_now:
            terms.append(("d_r1", r1_penalty(D, real_in, y, t.r1_gamma * t.r1_every)))
        if t.consistency > 0:
            transform: Callable = cr_augment
            cr = torch.zeros((), device=real_logits.device)
            if t.consistency_on in ("real", "both"):
                cr = cr + consistency_penalty(
                    D, real_in, real_logits, y, t.consistency, transform, rng
                )
            if t.consistency_on in ("fake", "both"):
                cr = cr + consistency_penalty(
                    D, fake_in, fake_logits, y, t.consistency, transform, rng
                )
            terms.append(("d_consistency", cr))
        return terms

    def _g_step(
        self,
        state: GANState,
        fake: torch.Tensor,
        z: torch.Tensor,
        labels: torch.Tensor,
        step: int,
        real: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """Through the updated D, whose own weight gradients are not needed; ``real`` (the
        last real batch, labelled like the fakes) bounds the ink term."""
        D = state.discriminator
        y = labels if self.conditional else None
        rng = torch_generator(self.seed, "g-step", step, *self.shard.salt)
        state.g_optimiser.zero_grad(set_to_none=True)
        D.requires_grad_(False)
        try:
            with self._autocast():
                g_logits = D(self._d_input(fake, step, rng), y).float()
                g_classes = _class_logits(D)
            g_loss = self.loss.g_loss(g_logits)
            total = g_loss
            extra: dict[str, torch.Tensor] = {}
            if self.tricks.class_mode and g_classes is not None:
                term = self.tricks.class_weight * g_class_terms(
                    self.tricks.class_mode, g_classes, labels
                )
                total = total + term
                extra["g_class"] = term.detach()
            if self.tricks.mode_seeking > 0:
                term = mode_seeking_loss(fake, z, y, self.tricks.mode_seeking)
                total = total + term
                extra["g_mode_seeking"] = term.detach()
            if self.tricks.ink_excess > 0:
                term = ink_excess_loss(fake, y, real, y, self.tricks.ink_excess)
                total = total + term
                extra["g_ink_excess"] = term.detach()
            if self.tricks.presence_decision > 0:
                term = presence_decision_loss(
                    state.generator,
                    self.tricks.presence_decision,
                    self.tricks.presence_decision_side,
                )
                total = total + term
                extra["g_presence_decision"] = term.detach()
            total.backward()
            extra["g_grad_norm"] = gradient_norm(state.generator)
        finally:
            D.requires_grad_(True)
        state.g_optimiser.step()
        if state.ema is not None:
            state.ema.update(state.generator, step + 1)
        return {
            "g_loss": g_loss.detach(),
            "d_fake_after": self.loss.readable(g_logits.detach()).mean(),
            **extra,
        }


def _class_logits(discriminator: nn.Module):
    """The class logits of D's last batch when D has class heads (AC-GAN, TAC-GAN)."""
    heads = getattr(discriminator, "auxiliary", None)
    return heads.last if heads is not None else None

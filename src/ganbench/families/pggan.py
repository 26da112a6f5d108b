"""``family: pggan``: progressive growing of GANs (Karras et al. 2018).

The stage and the fade-in alpha are functions of the images trained on so far (step x
global batch): stage 0 trains ``pggan.stage_images`` images; every later stage first fades
in over ``pggan.fade_images`` (alpha rising linearly from 0 to 1) and then trains stable for
``stage_images``; the last stage trains until the run ends. Real images are average-pooled
to the stage's resolution and, while a stage fades in, blended with their own 2x
down-and-up-sampled copy by the same alpha, as G's output is. Each stage starts with fresh
Adam moments (``pggan.reset_optimisers``). Because the schedule depends only on the step, a
run resumed mid-fade continues exactly; stage and alpha are also in the checkpoint and in
every record of metrics.jsonl.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.config import Config
from ganbench.data.dataset import DataSet
from ganbench.data.stream import StreamSet
from ganbench.families.base import Batch, Family
from ganbench.models import sample_latent
from ganbench.models.init import initialise
from ganbench.models.progressive import (
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    stage_resolutions,
)
from ganbench.objectives import build_loss
from ganbench.seeding import torch_generator


def growth(cfg: Config, step: int) -> tuple[int, float]:
    """(stage, alpha) of the step that follows ``step`` steps of training."""
    options = cfg.pggan
    images = step * cfg.schedule.batch_size
    last = len(stage_resolutions(options.start, cfg.image_size)) - 1
    if images < options.stage_images:
        return 0, 1.0
    period = options.fade_images + options.stage_images
    stage, into = divmod(images - options.stage_images, period)
    stage += 1
    if stage > last:
        return last, 1.0
    return stage, min(1.0, into / options.fade_images)


def fade_real(images: torch.Tensor, resolution: int, alpha: float) -> torch.Tensor:
    """Real images at ``resolution``, faded like G's output while a stage fades in."""
    factor = images.shape[-1] // resolution
    x = F.avg_pool2d(images, factor) if factor > 1 else images
    if alpha >= 1:
        return x
    coarse = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
    return torch.lerp(coarse, x, alpha)


class GrownSampler(nn.Module):
    """G at the family's current stage and alpha, upsampled (nearest) to the data's size:
    what ``generate`` and ``evaluate`` draw from."""

    def __init__(self, family: PGGANFamily):
        super().__init__()
        self.generator = family.generator
        self._family = [family]  # not a submodule

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        family = self._family[0]
        images = self.generator(z, family.stage, family.alpha)
        factor = family.cfg.image_size // images.shape[-1]
        return F.interpolate(images, scale_factor=factor, mode="nearest") if factor > 1 else images


class PGGANFamily(Family):
    name = "pggan"

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        super().__init__(cfg, device, data)
        model, start = cfg.model, cfg.pggan.start
        shape = (cfg.image_size, cfg.data.channels, start)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.generator = ProgressiveGenerator(model, *shape).to(device)
            self.discriminator = ProgressiveDiscriminator(model, *shape).to(device)
            if not model.equalised_lr:  # equalised layers keep their N(0, 1) weights
                initialise(self.generator, model.init, model.leaky_slope)
                initialise(self.discriminator, model.init, model.leaky_slope)
        self.resolutions = self.generator.resolutions
        opt = cfg.optimiser
        betas = (opt.beta1, opt.beta2)
        self.modules = {"generator": self.generator, "discriminator": self.discriminator}
        self.optimisers = {
            "g": torch.optim.Adam(self.generator.parameters(), lr=opt.g_lr, betas=betas),
            "d": torch.optim.Adam(self.discriminator.parameters(), lr=opt.d_lr, betas=betas),
        }
        self.base_lrs = {"g": opt.g_lr, "d": opt.d_lr}
        obj = cfg.objective
        self.loss = build_loss(obj.loss, a=obj.ls_a, b=obj.ls_b, c=obj.ls_c, clip=obj.clip,
                               gp_lambda=obj.gp_lambda)  # fmt: skip
        self.latent_rng = torch_generator(cfg.seed, "latent")
        self.penalty_rng = torch_generator(cfg.seed, "pggan-penalty")
        self.stage, self.alpha = growth(cfg, 0)
        self.trained_stage = 0  # the stage the optimisers' moments belong to

    def _latent(self, n: int) -> torch.Tensor:
        m = self.cfg.model
        return sample_latent(n, m.latent_dim, m.latent_distribution, self.latent_rng)

    def _enter(self, stage: int) -> None:
        if stage != self.trained_stage and self.cfg.pggan.reset_optimisers:
            for optimiser in self.optimisers.values():
                optimiser.state = defaultdict(dict)
        self.trained_stage = stage

    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        stage, alpha = growth(self.cfg, step)
        self._enter(stage)
        self.stage, self.alpha = stage, alpha  # what is logged and sampled: the latest step's
        G, D, loss = self.generator, self.discriminator, self.loss
        world, take = self.shard.world, self.shard.take
        real = fade_real(batches[0][0], self.resolutions[stage], alpha)
        z = take(self._latent(len(real) * world)).to(self.device)

        d_opt, g_opt = self.optimisers["d"], self.optimisers["g"]
        d_opt.zero_grad(set_to_none=True)
        fake = G(z, stage, alpha)
        real_scores, fake_scores = D(real, stage, alpha), D(fake.detach(), stage, alpha)
        d_loss = loss.d_real(real_scores) + loss.d_fake(fake_scores)
        critic = _AtStage(D, stage, alpha)
        penalty = loss.penalty(critic, real, fake, None, self.penalty_rng)
        if penalty is not None:
            d_loss = d_loss + penalty
        if self.cfg.pggan.drift > 0:
            d_loss = d_loss + self.cfg.pggan.drift * real_scores.square().mean()
        d_loss.backward()
        d_opt.step()
        loss.after_d_step(D)

        g_opt.zero_grad(set_to_none=True)
        D.requires_grad_(False)
        try:
            g_loss = loss.g_loss(D(fake, stage, alpha))
            g_loss.backward()
        finally:
            D.requires_grad_(True)
        g_opt.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": loss.readable(real_scores.detach()).mean(),
            "d_fake": loss.readable(fake_scores.detach()).mean(),
        }

    def headline(self) -> tuple[str, ...]:
        return ("d_loss", "g_loss")

    def status(self) -> dict[str, float]:
        return {
            "stage": self.stage,
            "alpha": self.alpha,
            "resolution": self.resolutions[self.stage],
        }

    def progress(self, record: dict[str, Any]) -> str:
        return (
            f"D {record['d_loss']:.3f} G {record['g_loss']:.3f} "
            f"{self.resolutions[self.stage]}px alpha {self.alpha:.2f}"
        )

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {
            "rng.latent": self.latent_rng.get_state(),
            "rng.penalty": self.penalty_rng.get_state(),
        }

    def state_meta(self) -> dict[str, Any]:
        return {"stage": self.stage, "alpha": self.alpha, "trained_stage": self.trained_stage}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        self.latent_rng.set_state(tensors["rng.latent"])
        self.penalty_rng.set_state(tensors["rng.penalty"])
        self.stage, self.alpha = int(meta["stage"]), float(meta["alpha"])
        self.trained_stage = int(meta["trained_stage"])

    def sampler(self, averaged: bool = True) -> nn.Module:
        return GrownSampler(self)

    @torch.no_grad()
    def grid_images(self, z: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, int]:
        """Samples at the current stage's resolution."""
        was_training = self.generator.training
        self.generator.eval()
        try:
            images = self.generator(z.to(self.device), self.stage, self.alpha)
        finally:
            self.generator.train(was_training)
        return images.clamp(-1, 1).cpu(), 8


class _AtStage(nn.Module):
    """D at a fixed stage and alpha, called as the losses call a discriminator."""

    def __init__(self, discriminator: nn.Module, stage: int, alpha: float):
        super().__init__()
        self.discriminator, self.stage, self.alpha = discriminator, stage, alpha

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.discriminator(images, self.stage, self.alpha)

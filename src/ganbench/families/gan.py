"""``family: gan``: one generator against one discriminator, ``d_steps`` D updates per G
update, with every loss and trick of the objective section (the alternating update of
:mod:`ganbench.objectives.adversarial_step`), an optional EMA generator and image pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.dataset import DataSet
from ganbench.data.stream import StreamSet
from ganbench.families.base import Batch, DataNeeds, Family
from ganbench.models import build_models
from ganbench.models.auxiliary import AUXILIARY_MODES
from ganbench.models.ema import EMAGenerator
from ganbench.objectives import build_loss
from ganbench.objectives.adversarial_step import AdversarialStep, GANState, Tricks
from ganbench.objectives.labels import LabelTricks
from ganbench.sampling import statistics_latents
from ganbench.seeding import torch_generator
from ganbench.training import checkpoint
from ganbench.training.distributed import Shard
from ganbench.training.image_pool import ImagePool


def build_tricks(cfg: Config) -> Tricks:
    obj, sched = cfg.objective, cfg.schedule
    return Tricks(
        labels=LabelTricks(obj.real_label, obj.fake_label, obj.soft_labels, obj.label_flip),
        r1_gamma=obj.r1_gamma,
        r1_every=obj.r1_every,
        mode_seeking=obj.mode_seeking,
        ink_excess=obj.ink_excess,
        presence_decision=obj.presence_decision,
        presence_decision_side=obj.presence_decision_side,
        consistency=obj.consistency,
        consistency_on=obj.consistency_on,
        instance_noise=obj.instance_noise,
        instance_noise_steps=obj.instance_noise_steps or sched.steps,
        d_blur=obj.d_blur,
        d_blur_steps=obj.d_blur_steps or max(1, sched.steps // 2),
        diffaugment=obj.diffaugment,
        d_steps=sched.d_steps,
        class_mode=cfg.model.d_condition if cfg.model.d_condition in AUXILIARY_MODES else None,
        class_weight=obj.class_weight,
    )


def build_gan_state(cfg: Config, device: torch.device) -> GANState:
    """G, D, their Adam optimisers, the latent stream, and the EMA and pool if asked for."""
    generator, discriminator = build_models(cfg)
    if cfg.objective.presence_decision > 0:  # the term reads G's presences
        generator.keep_presence = True
    generator.to(device)
    discriminator.to(device)
    opt, sched, pool = cfg.optimiser, cfg.schedule, cfg.objective.image_pool
    betas = (opt.beta1, opt.beta2)
    ema = None
    if sched.ema > 0:
        statistics = statistics_latents(cfg) if sched.ema_batch_norm == "recompute" else None
        ema = EMAGenerator(generator, sched.ema, sched.ema_start, sched.ema_rampup, statistics)
    return GANState(
        generator=generator,
        discriminator=discriminator,
        g_optimiser=torch.optim.Adam(generator.parameters(), lr=opt.g_lr, betas=betas),
        d_optimiser=torch.optim.Adam(discriminator.parameters(), lr=opt.d_lr, betas=betas),
        latent_rng=torch_generator(cfg.seed, "latent"),
        ema=ema,
        image_pool=ImagePool(pool, torch_generator(cfg.seed, "image-pool")) if pool else None,
    )


def mode_centres(data: DataSet | StreamSet | None) -> torch.Tensor | None:
    """A 2D mixture's centres, so each step can log which modes fakes go to."""
    return None if data is None else getattr(data, "centres", None)


class GANFamily(Family):
    name = "gan"

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        super().__init__(cfg, device, data)
        self.state = build_gan_state(cfg, device)
        s, obj, opt = self.state, cfg.objective, cfg.optimiser
        self.modules = {"generator": s.generator, "discriminator": s.discriminator}
        self.optimisers = {"g": s.g_optimiser, "d": s.d_optimiser}
        self.base_lrs = {"g": opt.g_lr, "d": opt.d_lr}
        loss = build_loss(
            obj.loss, a=obj.ls_a, b=obj.ls_b, c=obj.ls_c, clip=obj.clip, gp_lambda=obj.gp_lambda
        )
        self.update = AdversarialStep(
            loss,
            cfg.model.latent_dim,
            cfg.model.latent_distribution,
            cfg.conditional,
            device,
            cfg.schedule.precision,
            build_tricks(cfg),
            cfg.seed,
            mode_centres(data),
        )

    def use_shard(self, shard: Shard) -> None:
        super().use_shard(shard)
        self.update.shard = shard

    def data_needs(self, step: int) -> DataNeeds:
        return DataNeeds(batches_per_step=self.cfg.schedule.d_steps)

    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        pairs = [(batch[0], batch[1]) for batch in batches]
        return self.update(self.state, pairs, step)

    def headline(self) -> tuple[str, ...]:
        return ("d_loss", "g_loss")

    def progress(self, record: dict[str, Any]) -> str:
        return (
            f"D {record['d_loss']:.3f} G {record['g_loss']:.3f} "
            f"D(x) {record['d_real']:.2f} D(G(z)) {record['d_fake']:.2f}"
        )

    def state_tensors(self) -> dict[str, torch.Tensor]:
        s = self.state
        tensors = {"rng.latent": s.latent_rng.get_state()}
        if s.ema is not None:
            tensors.update(checkpoint.prefixed("ema.", s.ema.state_dict()))
        if s.image_pool is not None:
            tensors.update(checkpoint.prefixed("image_pool.", s.image_pool.state()[0]))
        return tensors

    def state_meta(self) -> dict[str, Any]:
        pool = self.state.image_pool
        return {"image_pool": pool.state()[1] if pool is not None else None}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        s = self.state
        if s.ema is not None:
            s.ema.load_state_dict(checkpoint.subset(tensors, "ema."))
        if s.image_pool is not None:
            s.image_pool.load_state(checkpoint.subset(tensors, "image_pool."), meta["image_pool"])
        s.latent_rng.set_state(tensors["rng.latent"])

    def sampler(self, averaged: bool = True) -> nn.Module:
        ema = self.state.ema
        return ema.ready_model if averaged and ema is not None else self.state.generator

    def sampler_weights(self, averaged: bool = True) -> str:
        return "ema" if averaged and self.state.ema is not None else "generator"

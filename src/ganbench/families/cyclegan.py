"""``family: cyclegan``: unpaired image-to-image translation (Zhu et al. 2017; seeds 003, 004).

Two ResNet generators, G: A -> B and F: B -> A, and a PatchGAN discriminator per domain.
Each step, G and F are updated together with both D frozen: least-squares adversarial terms,
the cycle loss lambda_cycle * (|F(G(a)) - a| + |G(F(b)) - b|) and the identity loss
lambda_identity * (|G(b) - b| + |F(a) - a|); then both D, on real images and on fakes drawn
from a pool of past fakes (Shrivastava et al. 2017), each D's loss halved. Optional:
consistency regularisation of both D (seed 004) and random flips and crops of the training
images. The learning rates follow ``optimiser.lr_decay`` (constant, then linear to 0).

It samples from images, not noise: ``ganbench translate`` runs it, sample grids show
A, G(A), F(G(A)) and B, F(B), G(F(B)), and ``ganbench evaluate`` scores translations
(:mod:`ganbench.metrics.translation`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.config import Config
from ganbench.data.dataset import DataSet, to_float
from ganbench.data.folder import UnpairedImages
from ganbench.data.stream import StreamSet
from ganbench.errors import ConfigError
from ganbench.families.base import Batch, Family
from ganbench.models.init import initialise
from ganbench.models.patchgan import PatchDiscriminator
from ganbench.models.resnet import ResNetGenerator
from ganbench.objectives.augment import cr_augment
from ganbench.seeding import derive_seed, torch_generator
from ganbench.training import checkpoint
from ganbench.training.image_pool import ImagePool

GRID_IMAGES = 8


def _least_squares(scores: torch.Tensor, target: float) -> torch.Tensor:
    return (scores - target).pow(2).mean()


class CycleGANFamily(Family):
    name = "cyclegan"
    layout = "unpaired"
    samples_from_noise = False

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        super().__init__(cfg, device, data)
        o, channels = cfg.cyclegan, cfg.data.channels
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derive_seed(cfg.seed, "cyclegan-init"))
            self.g_ab = ResNetGenerator(channels, o.ngf, o.n_blocks)
            self.g_ba = ResNetGenerator(channels, o.ngf, o.n_blocks)
            self.d_a = PatchDiscriminator(channels, o.ndf, o.n_layers)
            self.d_b = PatchDiscriminator(channels, o.ndf, o.n_layers)
            self.modules = {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}
            for module in self.modules.values():
                initialise(module, "normal", cfg.model.leaky_slope)  # N(0, 0.02), as CycleGAN
                module.to(device)
        opt = cfg.optimiser
        betas = (opt.beta1, opt.beta2)
        generators = itertools.chain(self.g_ab.parameters(), self.g_ba.parameters())
        critics = itertools.chain(self.d_a.parameters(), self.d_b.parameters())
        self.optimisers = {
            "g": torch.optim.Adam(generators, lr=opt.g_lr, betas=betas),
            "d": torch.optim.Adam(critics, lr=opt.d_lr, betas=betas),
        }
        self.base_lrs = {"g": opt.g_lr, "d": opt.d_lr}
        self.pools = {
            side: ImagePool(o.pool_size, torch_generator(cfg.seed, f"cyclegan-pool-{side}"))
            for side in ("a", "b")
        }
        self.grid: tuple[torch.Tensor, torch.Tensor] | None = None
        if data is not None:
            if not isinstance(data, UnpairedImages):
                raise ConfigError("family cyclegan needs two unpaired domains (data.translation)")
            self.grid = (
                to_float(data.a.data[:GRID_IMAGES]).to(device),
                to_float(data.b.data[:GRID_IMAGES]).to(device),
            )

    # training ---------------------------------------------------------------------------
    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        o = self.cfg.cyclegan
        real_a, real_b = (x.to(self.device) for x in batches[0][:2])
        if o.augment:
            rng = torch_generator(self.cfg.seed, "cyclegan-augment", step)
            real_a, real_b = cr_augment(real_a, rng), cr_augment(real_b, rng)
        critics = (self.d_a, self.d_b)

        g_opt, d_opt = self.optimisers["g"], self.optimisers["d"]
        g_opt.zero_grad(set_to_none=True)
        for critic in critics:
            critic.requires_grad_(False)
        try:
            fake_b, fake_a = self.g_ab(real_a), self.g_ba(real_b)
            g_gan = _least_squares(self.d_b(fake_b), 1.0) + _least_squares(self.d_a(fake_a), 1.0)
            cycle = F.l1_loss(self.g_ba(fake_b), real_a) + F.l1_loss(self.g_ab(fake_a), real_b)
            identity = torch.zeros((), device=self.device)
            if o.lambda_identity > 0:
                identity = F.l1_loss(self.g_ab(real_b), real_b) + F.l1_loss(
                    self.g_ba(real_a), real_a
                )
            g_loss = g_gan + o.lambda_cycle * cycle + o.lambda_identity * identity
            g_loss.backward()
        finally:
            for critic in critics:
                critic.requires_grad_(True)
        g_opt.step()

        d_opt.zero_grad(set_to_none=True)
        shown_b = self.pools["b"].query(fake_b.detach())
        shown_a = self.pools["a"].query(fake_a.detach())
        real_scores_a, real_scores_b = self.d_a(real_a), self.d_b(real_b)
        d_a = 0.5 * (_least_squares(real_scores_a, 1.0) + _least_squares(self.d_a(shown_a), 0.0))
        d_b = 0.5 * (_least_squares(real_scores_b, 1.0) + _least_squares(self.d_b(shown_b), 0.0))
        d_loss = d_a + d_b
        stats: dict[str, torch.Tensor] = {}
        if o.consistency > 0:
            rng = torch_generator(self.cfg.seed, "cyclegan-consistency", step)
            cr = sum(
                o.consistency * (critic(cr_augment(real, rng)) - scores).pow(2).mean()
                for critic, real, scores in (
                    (self.d_a, real_a, real_scores_a),
                    (self.d_b, real_b, real_scores_b),
                )
            )
            d_loss = d_loss + cr
            stats["d_consistency"] = cr.detach()
        d_loss.backward()
        d_opt.step()
        return {
            "g_loss": g_loss.detach(),
            "g_gan": g_gan.detach(),
            "g_cycle": cycle.detach(),
            "g_identity": identity.detach(),
            "d_loss": d_loss.detach(),
            "d_a": d_a.detach(),
            "d_b": d_b.detach(),
            "d_real": 0.5 * (real_scores_a.detach().mean() + real_scores_b.detach().mean()),
            **stats,
        }

    def headline(self) -> tuple[str, ...]:
        return ("d_loss", "g_loss")

    def progress(self, record: dict[str, Any]) -> str:
        return (
            f"D {record['d_loss']:.3f} G {record['g_loss']:.3f} "
            f"cycle {record['g_cycle']:.3f} identity {record['g_identity']:.3f}"
        )

    # state ------------------------------------------------------------------------------
    def state_tensors(self) -> dict[str, torch.Tensor]:
        tensors: dict[str, torch.Tensor] = {}
        for side, pool in self.pools.items():
            tensors.update(checkpoint.prefixed(f"pool_{side}.", pool.state()[0]))
        return tensors

    def state_meta(self) -> dict[str, Any]:
        return {f"pool_{side}": pool.state()[1] for side, pool in self.pools.items()}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        for side, pool in self.pools.items():
            pool.load_state(checkpoint.subset(tensors, f"pool_{side}."), meta[f"pool_{side}"])

    # sampling ---------------------------------------------------------------------------
    def sampler(self, averaged: bool = True) -> nn.Module:
        """G: A -> B (``translator`` gives either direction)."""
        return self.g_ab

    def translator(self, direction: str) -> nn.Module:
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be a2b or b2a, not {direction!r}")
        return self.g_ab if direction == "a2b" else self.g_ba

    @torch.no_grad()
    def grid_images(self, z: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, int]:
        """Six rows: A, G(A), F(G(A)), B, F(B), G(F(B)) for fixed training images."""
        assert self.grid is not None, "sample grids need the training data"
        a, b = self.grid
        modules = list(self.modules.values())
        modes = [m.training for m in modules]
        for m in modules:
            m.eval()
        try:
            fake_b, fake_a = self.g_ab(a), self.g_ba(b)
            rows = [a, fake_b, self.g_ba(fake_b), b, fake_a, self.g_ab(fake_a)]
        finally:
            for m, mode in zip(modules, modes, strict=True):
                m.train(mode)
        return torch.cat(rows).clamp(-1, 1).cpu(), len(a)

    def evaluate(self, step: int, metrics: Sequence[str] | None = None) -> dict[str, Any]:
        """Translation scores against the truth; the oracles' class of each translation with
        ``--metrics classes`` and seed 004's Fréchet baselines with ``--metrics fd`` (both
        train the oracles they need on first use)."""
        from ganbench.metrics.translation import translation_metrics

        asked = set(metrics or ())
        return translation_metrics(
            self.cfg, self.g_ab, self.g_ba, fd="fd" in asked, classes="classes" in asked
        )

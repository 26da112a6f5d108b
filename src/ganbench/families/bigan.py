"""``family: bigan``: BiGAN (Donahue et al. 2016), with ALI's stochastic encoder as an option.

An encoder E learns the inverse of G: D judges (image, code) pairs, (x, E(x)) as real and
(G(z), z) as fake, and G and E are trained together to fool it (the non-saturating form
flips the targets: (x, E(x)) towards fake, (G(z), z) towards real). At the optimum E inverts
G, so G(E(x)) reconstructs x without ever being trained to (the reconstruction is what
``ganbench evaluate`` and the sample grids check). For 2D points the networks are MLPs, for
images the dcgan G with a convolutional E and D.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.dataset import DataSet, to_float
from ganbench.data.stream import StreamSet
from ganbench.families.base import Batch, Family
from ganbench.models import build_models, sample_latent
from ganbench.models.encoder import Encoder, build_encoder_and_critic
from ganbench.models.init import initialise
from ganbench.objectives import build_loss
from ganbench.seeding import derive_seed, torch_generator


def build_encoder_pair(cfg: Config) -> tuple[Encoder, nn.Module]:
    """E and the joint D, initialised from the run seed."""
    shape = (
        (cfg.data.point_dim,)
        if cfg.data.kind == "points"
        else (cfg.data.channels, cfg.image_size, cfg.image_size)
    )
    stochastic = cfg.bigan.encoder == "stochastic"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(cfg.seed, "bigan-encoder"))
        encoder, critic = build_encoder_and_critic(
            cfg.model, shape, stochastic, cfg.bigan.joint_width
        )
        # the point networks keep PyTorch's fan-in init (as the point recipes do)
        for net in (encoder, critic):
            initialise(net, cfg.model.init, cfg.model.leaky_slope)
    return encoder, critic


class BiGANFamily(Family):
    name = "bigan"

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        super().__init__(cfg, device, data)
        generator, _ = build_models(cfg)
        encoder, critic = build_encoder_pair(cfg)
        self.generator, self.encoder = generator.to(device), encoder.to(device)
        self.critic = critic.to(device)
        opt = cfg.optimiser
        betas = (opt.beta1, opt.beta2)
        joint = [*self.generator.parameters(), *self.encoder.parameters()]
        self.modules = {
            "generator": self.generator,
            "encoder": self.encoder,
            "discriminator": self.critic,
        }
        self.optimisers = {
            "ge": torch.optim.Adam(joint, lr=opt.g_lr, betas=betas),
            "d": torch.optim.Adam(self.critic.parameters(), lr=opt.d_lr, betas=betas),
        }
        self.base_lrs = {"ge": opt.g_lr, "d": opt.d_lr}
        self.loss = build_loss(cfg.objective.loss)
        self.latent_rng = torch_generator(cfg.seed, "latent")
        self.noise_rng = torch_generator(cfg.seed, "bigan-encoder-noise")
        self._held: torch.Tensor | None = None

    def _latent(self, n: int) -> torch.Tensor:
        m = self.cfg.model
        return sample_latent(n, m.latent_dim, m.latent_distribution, self.latent_rng)

    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        G, E, D, loss = self.generator, self.encoder, self.critic, self.loss
        real = batches[0][0]  # labels are never read: BiGAN is unsupervised
        world, take = self.shard.world, self.shard.take  # global draws, this rank's slice
        n = len(real) * world
        z = take(self._latent(n)).to(self.device)
        noise = None
        if E.stochastic:
            noise = take(torch.randn(n, E.latent_dim, generator=self.noise_rng)).to(self.device)
        fake, code = G(z), E(real, noise)

        d_opt, ge_opt = self.optimisers["d"], self.optimisers["ge"]
        d_opt.zero_grad(set_to_none=True)
        real_logits = D(real, code.detach())
        fake_logits = D(fake.detach(), z)
        d_loss = loss.d_real(real_logits) + loss.d_fake(fake_logits)
        d_loss.backward()
        d_opt.step()

        ge_opt.zero_grad(set_to_none=True)
        D.requires_grad_(False)
        try:
            # G wants (G(z), z) judged real; E wants (x, E(x)) judged fake: the same loss
            # on the negated logit (exact for the cross-entropy losses bigan allows).
            ge_loss = loss.g_loss(D(fake, z)) + loss.g_loss(-D(real, code))
            ge_loss.backward()
        finally:
            D.requires_grad_(True)
        ge_opt.step()
        return {
            "d_loss": d_loss.detach(),
            "ge_loss": ge_loss.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
        }

    def headline(self) -> tuple[str, ...]:
        return ("d_loss", "ge_loss")

    def progress(self, record: dict[str, Any]) -> str:
        return (
            f"D {record['d_loss']:.3f} G+E {record['ge_loss']:.3f} "
            f"D(x,E(x)) {record['d_real']:.2f} D(G(z),z) {record['d_fake']:.2f}"
        )

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {
            "rng.latent": self.latent_rng.get_state(),
            "rng.encoder_noise": self.noise_rng.get_state(),
        }

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        self.latent_rng.set_state(tensors["rng.latent"])
        self.noise_rng.set_state(tensors["rng.encoder_noise"])

    def sampler(self, averaged: bool = True) -> nn.Module:
        return self.generator

    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """E's code of each input (a stochastic E's mean), batch norm in inference mode."""
        was_training = self.encoder.training
        self.encoder.eval()
        try:
            chunks = [
                self.encoder.mean(x[i : i + batch_size].to(self.device)).float().cpu()
                for i in range(0, len(x), batch_size)
            ]
        finally:
            self.encoder.train(was_training)
        return torch.cat(chunks) if chunks else torch.zeros(0, self.encoder.latent_dim)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """G(E(x))."""
        from ganbench.sampling import generate

        return generate(self.generator, self.encode(x))

    @torch.no_grad()
    def grid_images(self, z: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, int]:
        """Samples on top; below, rows of held images each followed by its reconstructions."""
        from ganbench.sampling import generate

        samples = generate(self.generator, z, labels)
        pairs = self.cfg.bigan.grid_pairs
        if self.cfg.data.kind == "points" or self.data is None or pairs == 0:
            return samples, 8
        if self._held is None:
            from ganbench.families.bigan_probe import held_set

            self._held = to_float(held_set(self.cfg, pairs).data[:pairs])
        held = self._held
        rebuilt = self.reconstruct(held)
        rows = [samples[: max(0, len(samples) - 2 * len(held))]]
        for start in range(0, len(held), 8):
            rows += [held[start : start + 8], rebuilt[start : start + 8]]
        return torch.cat(rows), 8

    def evaluate(self, step: int, metrics: Sequence[str] | None = None) -> dict[str, Any]:
        """Points: how often G(E(x)) lands in x's mode. Shapes: linear probes on E(x)
        beside the same probes on a randomly initialised E."""
        from ganbench.families.bigan_probe import evaluate_bigan

        return evaluate_bigan(self, self.cfg)

"""``family: egan``: the evolutionary GAN (Wang et al. 2018).

A population of ``egan.population`` generators (the paper: one) evolves against one
discriminator. Each step D first takes one cross-entropy step on real images against an
equal share of every parent's samples; then every parent makes one child per mutation
(``egan.mutations``: minimax, non-saturating, least squares), each child one Adam step from
its parent's weights and optimiser state; each child is scored on ``egan.fitness_batch``
samples by quality + gamma x diversity (:mod:`ganbench.families.egan_fitness`) and the
fittest become the next parents, their optimiser state with them. The population's
weights and optimiser states are the family's modules and optimisers, so the checkpoint
holds all of it; samples come from the fittest parent.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.dataset import DataSet
from ganbench.data.stream import StreamSet
from ganbench.errors import ConfigError
from ganbench.families.base import Batch, Family
from ganbench.families.egan_fitness import fitness, mutation_loss, select
from ganbench.models import build_models, sample_latent
from ganbench.objectives import build_loss
from ganbench.seeding import derive_seed, torch_generator
from ganbench.training.distributed import Shard


def _name(prefix: str, k: int) -> str:
    return prefix if k == 0 else f"{prefix}_{k}"


class EGANFamily(Family):
    name = "egan"

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        super().__init__(cfg, device, data)
        opt = cfg.optimiser
        self.betas = (opt.beta1, opt.beta2)
        self.parents: list[nn.Module] = []
        generator, discriminator = build_models(cfg)
        for k in range(cfg.egan.population):
            if k > 0:  # every parent its own start, from the run seed
                member = cfg.model_copy(update={"seed": derive_seed(cfg.seed, "egan", k) % 2**31})
                generator = build_models(member)[0]
            self.parents.append(generator.to(device))
        self.discriminator = discriminator.to(device)
        self.modules = {_name("generator", k): g for k, g in enumerate(self.parents)}
        self.modules["discriminator"] = self.discriminator
        self.optimisers = {
            _name("g", k): torch.optim.Adam(g.parameters(), lr=opt.g_lr, betas=self.betas)
            for k, g in enumerate(self.parents)
        }
        self.optimisers["d"] = torch.optim.Adam(
            self.discriminator.parameters(), lr=opt.d_lr, betas=self.betas
        )
        self.base_lrs = {name: opt.g_lr for name in self.optimisers if name != "d"}
        self.base_lrs["d"] = opt.d_lr
        self.loss = build_loss(cfg.objective.loss)
        self.latent_rng = torch_generator(cfg.seed, "latent")
        self.last_mutations: list[str] = []

    def use_shard(self, shard: Shard) -> None:
        if shard.active:
            raise ConfigError(
                "family egan trains its children with optimisers made each step, which the "
                "ranks would not keep in step; train it in one process"
            )
        super().use_shard(shard)

    def _latent(self, n: int) -> torch.Tensor:
        m = self.cfg.model
        z = sample_latent(n, m.latent_dim, m.latent_distribution, self.latent_rng)
        return z.to(self.device)

    def _d_step(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        share = len(real) // len(self.parents)
        with torch.no_grad():
            fake = torch.cat([g(self._latent(share)) for g in self.parents])
        D, optimiser = self.discriminator, self.optimisers["d"]
        optimiser.zero_grad(set_to_none=True)
        real_logits, fake_logits = D(real), D(fake)
        d_loss = self.loss.d_real(real_logits) + self.loss.d_fake(fake_logits)
        d_loss.backward()
        optimiser.step()
        return {
            "d_loss": d_loss.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
        }

    def _child(self, k: int, mutation: str, z: torch.Tensor) -> tuple[nn.Module, dict, float]:
        """One Adam step of a copy of parent k under ``mutation``: (weights, optimiser
        state, the mutation's loss)."""
        child = copy.deepcopy(self.parents[k])
        optimiser = torch.optim.Adam(child.parameters(), lr=1.0, betas=self.betas)
        optimiser.load_state_dict(copy.deepcopy(self.optimisers[_name("g", k)].state_dict()))
        optimiser.zero_grad(set_to_none=True)
        self.discriminator.requires_grad_(False)
        try:
            loss = mutation_loss(mutation, self.discriminator(child(z)))
            loss.backward()
        finally:
            self.discriminator.requires_grad_(True)
        optimiser.step()
        return child, optimiser.state_dict(), float(loss.detach())

    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        real = batches[0][0]
        stats = self._d_step(real)
        options = self.cfg.egan
        z = self._latent(len(real))
        z_fit = self._latent(options.fitness_batch)
        children = []
        for k in range(len(self.parents)):
            for mutation in options.mutations:
                child, state, loss = self._child(k, mutation, z)
                with torch.no_grad():
                    samples = child(z_fit)
                score, quality, spread = fitness(self.discriminator, real, samples, options.gamma)
                children.append((score, quality, spread, loss, mutation, child, state))
        survivors = [children[i] for i in select([c[0] for c in children], len(self.parents))]
        for k, (_, _, _, _, _, child, state) in enumerate(survivors):
            self.parents[k].load_state_dict(child.state_dict())
            self.optimisers[_name("g", k)].load_state_dict(state)
        self.last_mutations = [c[4] for c in survivors]
        best = survivors[0]
        stats.update(
            {
                "g_loss": torch.tensor(best[3]),
                "fitness": torch.tensor(best[0]),
                "fitness_quality": torch.tensor(best[1]),
                "fitness_diversity": torch.tensor(best[2]),
            }
        )
        for mutation in options.mutations:
            share = sum(c[4] == mutation for c in survivors) / len(survivors)
            stats[f"chosen_{mutation}"] = torch.tensor(share)
        return stats

    def headline(self) -> tuple[str, ...]:
        return ("d_loss", "fitness")

    def progress(self, record: dict[str, Any]) -> str:
        return (
            f"D {record['d_loss']:.3f} fitness {record['fitness']:.3f} "
            f"D(x) {record['d_real']:.2f} D(G(z)) {record['d_fake']:.2f}"
        )

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {"rng.latent": self.latent_rng.get_state()}

    def state_meta(self) -> dict[str, Any]:
        return {"last_mutations": self.last_mutations}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        self.latent_rng.set_state(tensors["rng.latent"])
        self.last_mutations = list(meta.get("last_mutations", []))

    def sampler(self, averaged: bool = True) -> nn.Module:
        return self.parents[0]  # the fittest survivor of the last step

"""Generators and discriminators, built by name from the model section of a config."""

from __future__ import annotations

import torch
from torch import nn

from ganbench.config import Config
from ganbench.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganbench.models.init import initialise
from ganbench.models.mlp import (
    MLPDiscriminator,
    MLPGenerator,
    PointDiscriminator,
    PointGenerator,
)

ARCHITECTURES: dict[str, tuple[type[nn.Module], type[nn.Module]]] = {
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
    "mlp": (MLPGenerator, MLPDiscriminator),
}


def build_models(cfg: Config) -> tuple[nn.Module, nn.Module]:
    """(generator, discriminator), initialised from the run seed."""
    classes = len(cfg.data.class_names) if cfg.conditional else 0
    if cfg.data.kind == "points":
        generator_cls, discriminator_cls = PointGenerator, PointDiscriminator
        shape: tuple[int, ...] = (cfg.data.point_dim, classes)
    else:
        generator_cls, discriminator_cls = ARCHITECTURES[cfg.model.arch]
        shape = (cfg.image_size, cfg.data.channels, classes)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        generator = generator_cls(cfg.model, *shape)
        discriminator = discriminator_cls(cfg.model, *shape)
        initialise(generator, cfg.model.init, cfg.model.leaky_slope)
        initialise(discriminator, cfg.model.init, cfg.model.leaky_slope)
    return generator, discriminator


def sample_latent(
    n: int, dim: int, distribution: str, generator: torch.Generator | None = None
) -> torch.Tensor:
    """z ~ N(0, I) or U(-1, 1)^dim (seed 002 uses the uniform)."""
    if distribution == "uniform":
        return torch.rand(n, dim, generator=generator).mul_(2).sub_(1)
    return torch.randn(n, dim, generator=generator)

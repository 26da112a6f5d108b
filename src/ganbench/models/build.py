"""Generators and discriminators, built by name from the model section of a config, and the
latent they read."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganbench.config import Config
from ganbench.models.conditioning import ProjectionHead
from ganbench.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganbench.models.dense_conv import DenseConvDiscriminator, DenseConvGenerator
from ganbench.models.init import initialise
from ganbench.models.mlp import (
    MLPDiscriminator,
    MLPGenerator,
    PointDiscriminator,
    PointGenerator,
)
from ganbench.models.resnet_gan import ResNetDiscriminator, ResNetGenerator
from ganbench.models.strokes import StrokeGenerator

ARCHITECTURES: dict[str, tuple[type[nn.Module], type[nn.Module]]] = {
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
    "resnet": (ResNetGenerator, ResNetDiscriminator),
    "dense_conv": (DenseConvGenerator, DenseConvDiscriminator),
    "mlp": (MLPGenerator, MLPDiscriminator),
    "strokes": (StrokeGenerator, DCGANDiscriminator),
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
    model = cfg.model
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        generator = generator_cls(model, *shape)
        discriminator = discriminator_cls(model, *shape)
        # Equalised layers keep N(0, 1) weights and scale at run time: no re-initialisation.
        scheme = "default" if model.equalised_lr else model.init
        initialise(generator, scheme, model.leaky_slope)
        initialise(discriminator, scheme, model.leaky_slope)
        # The strokes model always draws on the page; the pixel generators only without tanh.
        if (model.g_output != "tanh" or model.arch == "strokes") and cfg.data.kind == "image":
            generator.start_blank(background_colour(cfg), model.spectral_norm != "both")
        if model.arch == "strokes" and model.stroke_position_temperature_by_class and classes:
            by_class = model.stroke_position_temperature_by_class
            default = model.stroke_position_temperature
            generator.class_temperature = torch.tensor(
                [by_class.get(name, default) for name in cfg.data.class_names]
            )
        if model.spectral_norm != "none":
            apply_spectral_norm(discriminator)
        if model.spectral_norm == "both":
            apply_spectral_norm(generator)
    return generator, discriminator


def background_colour(cfg: Config) -> torch.Tensor:
    """The canvas a linear-output G starts from, in [-1, 1] per image channel: the shapes'
    background colour, mid-grey for sources whose background is not known."""
    if cfg.data.source != "shapes":
        return torch.zeros(cfg.data.channels)
    rgb = torch.tensor(cfg.data.background, dtype=torch.float32)
    colour = rgb.mean(0, keepdim=True) if cfg.data.channels == 1 else rgb
    return colour / 127.5 - 1


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) of every conv and linear layer: each
    weight is divided by its largest singular value, estimated by one power iteration per
    training forward pass."""
    for layer in list(module.modules()):
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            spectral_norm(layer)
        elif isinstance(layer, ProjectionHead):
            spectral_norm(layer.embedding)
    return module


def sample_latent(
    n: int, dim: int, distribution: str, generator: torch.Generator | None = None
) -> torch.Tensor:
    """z ~ N(0, I) or U(-1, 1)^dim (seed 002 uses the uniform)."""
    if distribution == "uniform":
        return torch.rand(n, dim, generator=generator).mul_(2).sub_(1)
    return torch.randn(n, dim, generator=generator)

"""BiGAN's encoder E (image or point -> latent code) and its joint discriminator D(x, z).

For points both are MLPs shaped like the point networks (``mlp_hidden`` x ``mlp_layers``).
For images E is the dcgan discriminator's stride-2 stack down to 4x4 (or 7x7) and a linear
layer to the code; D reads the image through a stack of the same shape, the code through a
linear layer, and judges the two together through ``joint_width``-wide layers (Donahue et
al. 2016; ALI's stochastic E, Dumoulin et al. 2016, as an option).
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.config import ModelConfig
from ganbench.models.catalogue import stage_count, stage_widths, start_resolution
from ganbench.models.mlp import hidden_stack

LOG_SCALE_RANGE = (-8.0, 2.0)  # a stochastic E's log standard deviation, clamped


def image_features(cfg: ModelConfig, image_size: int, channels: int) -> tuple[nn.Module, int]:
    """Stride-2 4x4 convolutions from the image down to the start resolution, flattened;
    batch norm after the first layer, LeakyReLU throughout. Returns (stack, features)."""
    stages = stage_count(image_size)
    widths = stage_widths(cfg.d_width, stages, cfg.width_growth, cfg.max_width)[::-1]
    layers: list[nn.Module] = []
    in_ch = channels
    for i, width in enumerate(widths):
        layers.append(nn.Conv2d(in_ch, width, 4, 2, 1, bias=i == 0))
        if i > 0:
            layers.append(nn.BatchNorm2d(width))
        layers.append(nn.LeakyReLU(cfg.leaky_slope))
        in_ch = width
    side = start_resolution(image_size)
    return nn.Sequential(*layers, nn.Flatten()), in_ch * side * side


def point_features(cfg: ModelConfig, dim: int) -> tuple[nn.Module, int]:
    act = nn.LeakyReLU(cfg.leaky_slope)
    return nn.Sequential(*hidden_stack(dim, cfg.mlp_hidden, cfg.mlp_layers, act)), cfg.mlp_hidden


class Encoder(nn.Module):
    """x -> z. Deterministic: one code. Stochastic: mean and log-scale; ``forward`` samples
    by reparameterisation with the noise it is given, ``mean`` returns the centre."""

    def __init__(self, features: nn.Module, width: int, latent_dim: int, stochastic: bool):
        super().__init__()
        self.features, self.stochastic, self.latent_dim = features, stochastic, latent_dim
        self.head = nn.Linear(width, latent_dim * (2 if stochastic else 1))

    def _moments(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        out = self.head(self.features(x))
        if not self.stochastic:
            return out, None
        mean, log_scale = out.chunk(2, dim=1)
        return mean, log_scale.clamp(*LOG_SCALE_RANGE)

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        mean, log_scale = self._moments(x)
        if log_scale is None:
            return mean
        if noise is None:
            raise ValueError("a stochastic encoder samples: pass noise shaped like the code")
        return mean + log_scale.exp() * noise

    def mean(self, x: torch.Tensor) -> torch.Tensor:
        return self._moments(x)[0]


class JointDiscriminator(nn.Module):
    """Logits for (x, z) pairs, shape (B,)."""

    def __init__(
        self, features: nn.Module, width: int, latent_dim: int, joint_width: int, slope: float
    ):
        super().__init__()
        self.features = features
        self.code = nn.Sequential(nn.Linear(latent_dim, joint_width), nn.LeakyReLU(slope))
        self.joint = nn.Sequential(
            nn.Linear(width + joint_width, joint_width),
            nn.LeakyReLU(slope),
            nn.Linear(joint_width, 1),
        )

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        both = torch.cat([self.features(x), self.code(z)], dim=1)
        return self.joint(both).flatten()


def build_encoder_and_critic(
    cfg: ModelConfig, shape: tuple[int, ...], stochastic: bool, joint_width: int
) -> tuple[Encoder, JointDiscriminator]:
    """``shape``: (dim,) for points, (channels, size, size) for images."""

    def features() -> tuple[nn.Module, int]:
        if len(shape) == 1:
            return point_features(cfg, shape[0])
        return image_features(cfg, shape[-1], shape[0])

    encoder = Encoder(*features(), cfg.latent_dim, stochastic)
    critic = JointDiscriminator(*features(), cfg.latent_dim, joint_width, cfg.leaky_slope)
    return encoder, critic

"""Fully convolutional DCGAN generator and discriminator with seed 000's design options.

Resolution doubles from a 4x4 seed (7x7 for 28-px images) to the image size. Channel widths
halve towards the image (``width_growth: double``, Radford 2015) or stay constant
(``constant``, seed 000's 256 throughout). Batch norm goes before or after the activation.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganbench.config import ModelConfig
from ganbench.models.conditioning import ImageConditioner, LatentConditioner


def start_resolution(image_size: int) -> int:
    return 7 if image_size % 7 == 0 else 4


def stage_count(image_size: int) -> int:
    """Number of stride-2 stages between the start resolution and the image."""
    start = start_resolution(image_size)
    stages = math.log2(image_size / start)
    if stages != int(stages) or stages < 1:
        raise ValueError(f"image size {image_size} is not 4 or 7 times a power of two")
    return int(stages)


def stage_widths(base: int, stages: int, growth: str, max_width: int) -> list[int]:
    """Widths from the coarsest stage to the finest (the generator's order)."""
    if growth == "constant":
        return [min(base, max_width)] * stages
    return [min(base * 2 ** (stages - 1 - i), max_width) for i in range(stages)]


def _activation(kind: str, slope: float) -> nn.Module:
    return nn.ReLU(inplace=True) if kind == "relu" else nn.LeakyReLU(slope, inplace=True)


def _with_norm(conv: nn.Module, channels: int, act: nn.Module, position: str) -> list[nn.Module]:
    norm = nn.BatchNorm2d(channels)
    return [conv, norm, act] if position == "before" else [conv, act, norm]


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        self.condition = LatentConditioner(
            cfg.conditioning, cfg.latent_dim, num_classes, cfg.embedding_dim
        )
        stages = stage_count(image_size)
        widths = stage_widths(cfg.g_width, stages, cfg.width_growth, cfg.max_width)
        act = lambda: _activation(cfg.g_activation, cfg.leaky_slope)  # noqa: E731
        pos = cfg.norm_position
        start = start_resolution(image_size)
        layers: list[nn.Module] = []
        layers += _with_norm(
            nn.ConvTranspose2d(self.condition.out_dim, widths[0], start, 1, 0, bias=False),
            widths[0],
            act(),
            pos,
        )
        for i, width in enumerate(widths):
            if i > 0:
                up = nn.ConvTranspose2d(widths[i - 1], width, 4, 2, 1, bias=False)
                layers += _with_norm(up, width, act(), pos)
            for _ in range(cfg.extra_layers):
                layers += _with_norm(
                    nn.Conv2d(width, width, 3, 1, 1, bias=False), width, act(), pos
                )
        last = nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False)
        layers += _with_norm(last, channels, act(), pos) if cfg.g_final_norm else [last]
        layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.condition(z, labels)
        return self.net(h.view(h.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.condition = ImageConditioner(cfg.conditioning, channels, image_size, num_classes)
        stages = stage_count(image_size)
        widths = stage_widths(cfg.d_width, stages, cfg.width_growth, cfg.max_width)[::-1]
        act = lambda: nn.LeakyReLU(cfg.leaky_slope, inplace=True)  # noqa: E731
        pos = cfg.norm_position
        layers: list[nn.Module] = []
        in_ch = self.condition.out_channels
        for i, width in enumerate(widths):
            down = nn.Conv2d(in_ch, width, 4, 2, 1, bias=False)
            if i == 0 and not cfg.d_first_norm:
                layers += [down, act()]
            else:
                layers += _with_norm(down, width, act(), pos)
            for _ in range(cfg.extra_layers):
                layers += _with_norm(
                    nn.Conv2d(width, width, 3, 1, 1, bias=False), width, act(), pos
                )
            in_ch = width
        start = start_resolution(image_size)
        layers.append(nn.Conv2d(in_ch, 1, start, 1, 0, bias=False))
        if cfg.d_final_activation:
            layers.append(act())
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,)."""
        return self.net(self.condition(images, labels)).flatten()

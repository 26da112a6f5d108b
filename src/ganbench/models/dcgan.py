"""Fully convolutional DCGAN generator and discriminator with seed 000's design options and the
stabilisation knobs of PGGAN, SAGAN, PacGAN and Salimans et al.

Resolution doubles from a 4x4 seed (7x7 for 28-px images) to the image size. Channel widths
halve towards the image (``width_growth: double``, Radford 2015) or stay constant
(``constant``, seed 000's 256 throughout). Normalisation goes before or after the activation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from ganbench.config import ModelConfig
from ganbench.models.conditioning import ImageConditioner, LatentConditioner
from ganbench.models.layers import (
    EqualisedConv2d,
    EqualisedConvTranspose2d,
    EqualisedLinear,
    MinibatchDiscrimination,
    MinibatchStdDev,
    PixelNorm,
    SelfAttention,
    pack,
)

MINIBATCH_KERNEL_DIM = 16


def start_resolution(image_size: int) -> int:
    return 7 if image_size % 7 == 0 else 4


def stage_count(image_size: int) -> int:
    """Number of stride-2 stages between the start resolution and the image."""
    start = start_resolution(image_size)
    stages = math.log2(image_size / start)
    if stages != int(stages) or stages < 1:
        raise ValueError(f"image size {image_size} is not 4 or 7 times a power of two")
    return int(stages)


def stage_resolutions(image_size: int) -> list[int]:
    """Inner feature-map sizes, coarsest first (where a self-attention block can sit)."""
    start = start_resolution(image_size)
    return [start * 2**i for i in range(stage_count(image_size))]


def stage_widths(base: int, stages: int, growth: str, max_width: int) -> list[int]:
    """Widths from the coarsest stage to the finest (the generator's order)."""
    if growth == "constant":
        return [min(base, max_width)] * stages
    return [min(base * 2 ** (stages - 1 - i), max_width) for i in range(stages)]


def _activation(kind: str, slope: float) -> nn.Module:
    return nn.ReLU(inplace=True) if kind == "relu" else nn.LeakyReLU(slope, inplace=True)


def _norm(kind: str, channels: int) -> nn.Module | None:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "pixel":
        return PixelNorm()
    return None


def _block(
    conv: nn.Module, channels: int, act: nn.Module, norm: str, position: str
) -> list[nn.Module]:
    """conv -> norm -> act (``before``) or conv -> act -> norm (``after``); pixel norm always
    follows the activation, as in PGGAN."""
    layer = _norm(norm, channels)
    if layer is None:
        return [conv, act]
    if position == "before" and norm != "pixel":
        return [conv, layer, act]
    return [conv, act, layer]


def _layer_types(equalised: bool) -> tuple[Callable, Callable, Callable]:
    if equalised:
        return EqualisedConv2d, EqualisedConvTranspose2d, EqualisedLinear
    return nn.Conv2d, nn.ConvTranspose2d, nn.Linear


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        self.condition = LatentConditioner(
            cfg.conditioning, cfg.latent_dim, num_classes, cfg.embedding_dim
        )
        conv, conv_t, _ = _layer_types(cfg.equalised_lr)
        stages = stage_count(image_size)
        widths = stage_widths(cfg.g_width, stages, cfg.width_growth, cfg.max_width)
        resolutions = stage_resolutions(image_size)
        act = lambda: _activation(cfg.g_activation, cfg.leaky_slope)  # noqa: E731
        norm, pos = cfg.g_norm, cfg.norm_position
        start = start_resolution(image_size)
        layers: list[nn.Module] = []
        first = conv_t(self.condition.out_dim, widths[0], start, 1, 0, bias=False)
        layers += _block(first, widths[0], act(), norm, pos)
        for i, width in enumerate(widths):
            if i > 0:
                up = conv_t(widths[i - 1], width, 4, 2, 1, bias=False)
                layers += _block(up, width, act(), norm, pos)
            for _ in range(cfg.extra_layers):
                layers += _block(conv(width, width, 3, 1, 1, bias=False), width, act(), norm, pos)
            if cfg.self_attention == resolutions[i]:
                layers.append(SelfAttention(width))
        last = conv_t(widths[-1], channels, 4, 2, 1, bias=False)
        if cfg.g_final_norm:
            layers += _block(last, channels, act(), "batch" if norm == "pixel" else norm, pos)
        else:
            layers.append(last)
        layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.condition(z, labels)
        return self.net(h.view(h.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Logits for images; with ``pack`` = m it takes (B, m*C, H, W) packs (PacGAN)."""

    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.pack = cfg.pack
        self.condition = ImageConditioner(
            cfg.conditioning, channels * cfg.pack, image_size, num_classes
        )
        conv, _, linear = _layer_types(cfg.equalised_lr)
        stages = stage_count(image_size)
        widths = stage_widths(cfg.d_width, stages, cfg.width_growth, cfg.max_width)[::-1]
        act = lambda: nn.LeakyReLU(cfg.leaky_slope, inplace=True)  # noqa: E731
        norm, pos = cfg.d_norm, cfg.norm_position
        layers: list[nn.Module] = []
        in_ch = self.condition.out_channels
        resolution = image_size
        for i, width in enumerate(widths):
            down = conv(in_ch, width, 4, 2, 1, bias=False)
            first_norm = norm if (i > 0 or cfg.d_first_norm) else "none"
            layers += _block(down, width, act(), first_norm, pos)
            layers += self._dropout(cfg)
            for _ in range(cfg.extra_layers):
                layers += _block(conv(width, width, 3, 1, 1, bias=False), width, act(), norm, pos)
                layers += self._dropout(cfg)
            resolution //= 2
            if cfg.self_attention == resolution:
                layers.append(SelfAttention(width))
            in_ch = width
        if cfg.minibatch_std:
            layers.append(MinibatchStdDev())
            in_ch += 1
        start = start_resolution(image_size)
        if cfg.minibatch_discrimination:
            features = in_ch * start * start
            kernels = cfg.minibatch_discrimination
            layers += [
                nn.Flatten(),
                MinibatchDiscrimination(features, kernels, MINIBATCH_KERNEL_DIM),
                linear(features + kernels, 1),
            ]
        else:
            layers.append(conv(in_ch, 1, start, 1, 0, bias=False))
            if cfg.d_final_activation:
                layers.append(act())
        self.net = nn.Sequential(*layers)

    @staticmethod
    def _dropout(cfg: ModelConfig) -> list[nn.Module]:
        return [nn.Dropout(cfg.d_dropout)] if cfg.d_dropout > 0 else []

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,), or (B/m,) for packs of m."""
        if self.pack > 1:
            images = pack(images, self.pack)
        return self.net(self.condition(images, labels)).flatten()

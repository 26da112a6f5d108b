"""Progressively grown generator and discriminator (Karras et al. 2018, PGGAN).

Both networks hold every stage from the start (``start`` x ``start`` up to the image size,
doubling) and take the stage to run and the fade-in ``alpha`` on each call. While a stage
fades in, G blends the nearest-upsampled output of the previous stage's toRGB with the new
block's, and D blends the new block's features with fromRGB of the average-pooled input, both
weighted (1 - alpha, alpha). At alpha = 0 the grown G draws exactly the old G's image,
upsampled, and the grown D scores an image exactly as the old D scores it average-pooled; at
alpha = 1 the old toRGB and fromRGB are not used (no gradient reaches them).

Layers follow the model section: equalised learning rate (``equalised_lr``), pixel norm in G
(``g_norm: pixel``), minibatch standard deviation before D's last block (``minibatch_std``),
widths from ``g_width``/``d_width`` with ``width_growth``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.config import ModelConfig
from ganbench.models.catalogue import stage_widths
from ganbench.models.layers import (
    EqualisedConv2d,
    EqualisedLinear,
    MinibatchStdDev,
    PixelNorm,
)


def stage_resolutions(start: int, image_size: int) -> list[int]:
    """Resolutions from ``start`` to ``image_size``, doubling; refused if they do not meet."""
    stages = math.log2(image_size / start)
    if stages != int(stages) or stages < 0:
        raise ValueError(f"{start} px does not double up to {image_size} px")
    return [start * 2**k for k in range(int(stages) + 1)]


def _layers(equalised: bool) -> tuple[type, type]:
    return (EqualisedConv2d, EqualisedLinear) if equalised else (nn.Conv2d, nn.Linear)


def _act(slope: float) -> nn.Module:
    return nn.LeakyReLU(slope)


def blend(old: torch.Tensor, new: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 - alpha) * old + alpha * new; alpha = 1 returns ``new`` alone (``old`` unused)."""
    return new if alpha >= 1 else torch.lerp(old, new, alpha)


class ProgressiveGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, start: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, 0
        self.resolutions = stage_resolutions(start, image_size)
        widths = stage_widths(cfg.g_width, len(self.resolutions), cfg.width_growth, cfg.max_width)
        conv, linear = _layers(cfg.equalised_lr)
        norm = (lambda: PixelNorm()) if cfg.g_norm == "pixel" else nn.Identity
        slope = cfg.leaky_slope
        self.start, self.width0 = start, widths[0]
        self.normalise_latent = cfg.g_norm == "pixel"
        self.dense = nn.Sequential(linear(cfg.latent_dim, widths[0] * start * start), _act(slope))
        self.blocks = nn.ModuleList()
        self.to_rgb = nn.ModuleList()
        for k, width in enumerate(widths):
            c_in = widths[0] if k == 0 else widths[k - 1]
            layers: list[nn.Module] = []
            if k == 0:
                layers += [norm()]
            else:
                up = nn.Upsample(scale_factor=2, mode="nearest")
                layers += [up, conv(c_in, width, 3, 1, 1), _act(slope), norm()]
            layers += [conv(width, width, 3, 1, 1), _act(slope), norm()]
            self.blocks.append(nn.Sequential(*layers))
            self.to_rgb.append(conv(width, channels, 1, 1, 0))

    def forward(
        self, z: torch.Tensor, stage: int | None = None, alpha: float = 1.0
    ) -> torch.Tensor:
        """Images at ``resolutions[stage]`` (default: the last stage)."""
        stage = len(self.resolutions) - 1 if stage is None else stage
        if self.normalise_latent:
            z = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)
        h = self.dense(z).view(len(z), self.width0, self.start, self.start)
        previous = h
        for k in range(stage + 1):
            previous, h = h, self.blocks[k](h)
        new = self.to_rgb[stage](h)
        if stage == 0 or alpha >= 1:
            return new
        old = F.interpolate(self.to_rgb[stage - 1](previous), scale_factor=2, mode="nearest")
        return blend(old, new, alpha)


class ProgressiveDiscriminator(nn.Module):
    """Scores, shape (B,), for images at ``resolutions[stage]``."""

    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, start: int):
        super().__init__()
        self.resolutions = stage_resolutions(start, image_size)
        widths = stage_widths(cfg.d_width, len(self.resolutions), cfg.width_growth, cfg.max_width)
        conv, linear = _layers(cfg.equalised_lr)
        slope = cfg.leaky_slope
        self.from_rgb = nn.ModuleList(
            nn.Sequential(conv(channels, width, 1, 1, 0), _act(slope)) for width in widths
        )
        self.blocks = nn.ModuleList([nn.Identity()])  # stage 0 has only the final block
        for k in range(1, len(widths)):
            self.blocks.append(
                nn.Sequential(
                    conv(widths[k], widths[k], 3, 1, 1),
                    _act(slope),
                    conv(widths[k], widths[k - 1], 3, 1, 1),
                    _act(slope),
                    nn.AvgPool2d(2),
                )
            )
        extra = 1 if cfg.minibatch_std else 0
        self.final = nn.Sequential(
            *([MinibatchStdDev()] if cfg.minibatch_std else []),
            conv(widths[0] + extra, widths[0], 3, 1, 1),
            _act(slope),
            nn.Flatten(),
            linear(widths[0] * start * start, widths[0]),
            _act(slope),
            linear(widths[0], 1),
        )

    def forward(
        self, images: torch.Tensor, stage: int | None = None, alpha: float = 1.0
    ) -> torch.Tensor:
        stage = len(self.resolutions) - 1 if stage is None else stage
        h = self.blocks[stage](self.from_rgb[stage](images))
        if stage > 0 and alpha < 1:
            old = self.from_rgb[stage - 1](F.avg_pool2d(images, 2))
            h = blend(old, h, alpha)
        for k in range(stage - 1, 0, -1):
            h = self.blocks[k](h)
        return self.final(h).flatten()

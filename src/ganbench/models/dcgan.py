"""Fully convolutional DCGAN generator and discriminator with seed 000's design options and the
stabilisation knobs of PGGAN, SAGAN, PacGAN and Salimans et al.

Resolution doubles from a 4x4 seed (7x7 for 28-px images) to the image size. Channel widths
halve towards the image (``width_growth: double``, Radford 2015) or stay constant
(``constant``, seed 000's 256 throughout). Normalisation goes before or after the activation.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.config import ModelConfig
from ganbench.models.auxiliary import AUXILIARY_MODES, AuxiliaryHeads
from ganbench.models.canvas import AlphaCanvas, start_blank
from ganbench.models.catalogue import (  # also importable from here, as before
    stage_count,
    stage_resolutions,
    stage_widths,
    start_resolution,
)
from ganbench.models.conditioning import (
    ClassStdDev,
    ConditionalBatchNorm2d,
    ImageConditioner,
    LabelledSequential,
    LatentConditioner,
    ProjectionHead,
)
from ganbench.models.layers import (
    EqualisedConv2d,
    EqualisedConvTranspose2d,
    EqualisedLinear,
    MinibatchDiscrimination,
    MinibatchStdDev,
    PixelNorm,
    SelfAttention,
    pack,
    pack_by_class,
)

MINIBATCH_KERNEL_DIM = 16


def _activation(kind: str, slope: float) -> nn.Module:
    return nn.ReLU(inplace=True) if kind == "relu" else nn.LeakyReLU(slope, inplace=True)


def _norm(kind: str, channels: int, num_classes: int = 0) -> nn.Module | None:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "cbn":
        return ConditionalBatchNorm2d(channels, num_classes)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "pixel":
        return PixelNorm()
    return None


def _block(
    conv: nn.Module,
    channels: int,
    act: nn.Module,
    norm: str,
    position: str,
    num_classes: int = 0,
) -> list[nn.Module]:
    """conv -> norm -> act (``before``) or conv -> act -> norm (``after``); pixel norm always
    follows the activation, as in PGGAN."""
    layer = _norm(norm, channels, num_classes)
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
        mode = cfg.g_condition if num_classes else "none"
        if mode == "cbn" and cfg.g_norm != "batch":
            mode = "embedding"  # no batch norm to condition (a config advisory says so)
        self.condition = LatentConditioner(
            "none" if mode == "cbn" else mode, cfg.latent_dim, num_classes, cfg.embedding_dim
        )
        conv, conv_t, _ = _layer_types(cfg.equalised_lr)
        stages = stage_count(image_size)
        widths = stage_widths(cfg.g_width, stages, cfg.width_growth, cfg.max_width)
        resolutions = stage_resolutions(image_size)
        act = lambda: _activation(cfg.g_activation, cfg.leaky_slope)  # noqa: E731
        norm, pos = cfg.g_norm, cfg.norm_position
        if mode == "cbn":
            norm = "cbn"
        block = lambda c, w: _block(c, w, act(), norm, pos, num_classes)  # noqa: E731

        def upsample(c_in: int, c_out: int, bias: bool = False) -> list[nn.Module]:
            if cfg.g_upsample == "nearest":
                return [
                    nn.Upsample(scale_factor=2, mode="nearest"),
                    conv(c_in, c_out, 3, 1, 1, bias=bias),
                ]
            return [conv_t(c_in, c_out, 4, 2, 1, bias=bias)]

        start = start_resolution(image_size)
        layers: list[nn.Module] = []
        first = conv_t(self.condition.out_dim, widths[0], start, 1, 0, bias=False)
        layers += block(first, widths[0])
        for i, width in enumerate(widths):
            if i > 0:
                *resize, up = upsample(widths[i - 1], width)
                layers += [*resize, *block(up, width)]
            for _ in range(cfg.extra_layers):
                layers += block(conv(width, width, 3, 1, 1, bias=False), width)
            if cfg.self_attention == resolutions[i]:
                layers.append(SelfAttention(width))
        linear_output = cfg.g_output != "tanh"
        alpha = cfg.g_output == "alpha"
        *resize, last = upsample(widths[-1], channels + alpha, bias=linear_output)
        layers += resize
        self._output_index = len(layers)
        if cfg.g_final_norm:
            final_norm = "batch" if norm in ("pixel", "cbn") else norm
            layers += _block(last, channels, act(), final_norm, pos)
        else:
            layers.append(last)
        if alpha:
            layers.append(AlphaCanvas(channels))
        elif not linear_output:
            layers.append(nn.Tanh())
        self.net = LabelledSequential(*layers)
        self.detail = cfg.g_detail

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.condition(z, labels)
        image = self.net(h.view(h.shape[0], -1, 1, 1), labels)
        return image if self.detail is None else through_detail(image, self.detail)

    @property
    def output_layer(self) -> nn.Module:
        """The layer that makes the image's channels."""
        return self.net[self._output_index]

    @torch.no_grad()
    def start_blank(self, background: torch.Tensor, zero_weights: bool = True) -> None:
        """Start G as an empty canvas of ``background`` (C values in [-1, 1]).

        Linear output: zero the last layer's weights and set its bias to the background, so
        G draws ink on it instead of holding a saturated tanh at the background (under
        spectral normalisation the weights keep their initialisation: a zero matrix has no
        norm). Alpha output: the canvas takes the background and the coverage bias starts
        low (see :mod:`ganbench.models.canvas`); the weights keep their initialisation."""
        canvas = self.net[-1] if isinstance(self.net[-1], AlphaCanvas) else None
        start_blank(self.output_layer, canvas, background, zero_weights)


def through_detail(image: torch.Tensor, detail: int) -> torch.Tensor:
    """``image`` averaged down to ``detail`` pixels a side and resized up again as the data
    loader resizes small images (bilinear): for data upscaled from small images (the 8x8
    digits) G then draws exactly what such data can hold, every small image and nothing
    finer."""
    size = image.shape[-1]
    small = F.avg_pool2d(image, size // detail)
    return F.interpolate(small, size=size, mode="bilinear", antialias=True, align_corners=False)


class DCGANDiscriminator(nn.Module):
    """Logits for images; with ``pack`` = m it takes (B, m*C, H, W) packs (PacGAN)."""

    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.pack = cfg.pack
        mode = cfg.d_condition if num_classes else "none"
        self.conditional = mode != "none"
        feature_modes = ("projection", *AUXILIARY_MODES)  # the class meets D's features
        self.condition = ImageConditioner(
            "none" if mode in feature_modes else mode, channels * cfg.pack, image_size, num_classes
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
            by_class = cfg.minibatch_std_groups == "class" and num_classes > 0
            stddev = ClassStdDev if by_class else MinibatchStdDev
            layers.append(stddev(spatial=cfg.minibatch_std_map))
            in_ch += 1
        start = start_resolution(image_size)
        head: list[nn.Module]
        if cfg.minibatch_discrimination:
            features = in_ch * start * start
            kernels = cfg.minibatch_discrimination
            head = [
                nn.Flatten(),
                MinibatchDiscrimination(features, kernels, MINIBATCH_KERNEL_DIM),
                linear(features + kernels, 1),
            ]
        else:
            head = [conv(in_ch, 1, start, 1, 0, bias=False)]
            if cfg.d_final_activation:
                head.append(act())
        # With projection or class heads the class terms need the features before the head.
        self.projection = ProjectionHead(in_ch, num_classes) if mode == "projection" else None
        self.auxiliary = (
            AuxiliaryHeads(in_ch, num_classes, twin=mode == "tacgan")
            if mode in AUXILIARY_MODES
            else None
        )
        if self.projection is None and self.auxiliary is None:
            self.net = LabelledSequential(*layers, *head)
        else:
            self.net, self.head = LabelledSequential(*layers), nn.Sequential(*head)

    @staticmethod
    def _dropout(cfg: ModelConfig) -> list[nn.Module]:
        return [nn.Dropout(cfg.d_dropout)] if cfg.d_dropout > 0 else []

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,), or one per pack of m (B/m unconditional; per class when
        conditional, see :func:`pack_by_class`)."""
        if self.pack > 1 and self.conditional:
            if labels is None:
                raise ValueError("this discriminator is conditional: pass class labels")
            images, labels = pack_by_class(images, labels, self.pack)
        elif self.pack > 1:
            images = pack(images, self.pack)
        h = self.net(self.condition(images, labels), labels)
        if self.auxiliary is not None:
            self.auxiliary(h)  # class logits of this batch, read from self.auxiliary.last
            return self.head(h).flatten()
        if self.projection is None:
            return h.flatten()
        if labels is None:
            raise ValueError("this discriminator is conditional: pass class labels")
        return self.head(h).flatten() + self.projection(h, labels)

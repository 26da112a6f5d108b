"""Seed 000's "convolutional GAN": convolutions between dense layers, the stack it tried
before the fully convolutional one.

Seed 000 trains it on circles and on lines ("the same architecture that we developed in part
4 of this series but with smaller 64 x 64 images") and finds checkerboard and striped
artefacts, which led it to the fully convolutional DCGAN (``arch: dcgan``). The seed does not
print this stack; it follows the shape of the part-4 network it names: G maps z through a
dense layer to a small three-channel map and grows it with 8x8 stride-2 transposed
convolutions (the kernel does not divide evenly into the stride pattern, the usual source of
checkerboards, Odena et al. 2016); D shrinks the image with 8x8 stride-2 convolutions to a
three-channel map and ends in a dense layer. Width, activations, normalisation position and
conditioning follow the model section as in the dcgan networks.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.config import ModelConfig
from ganbench.models.canvas import AlphaCanvas, output_head, start_blank
from ganbench.models.conditioning import ImageConditioner, LatentConditioner

KERNEL = 8
MAP_CHANNELS = 3  # the small map between the dense layer and the convolutions
# image size -> (side of G's first map, number of stride-2 layers); every last layer pads 1.
GEOMETRY = {64: (3, 3), 32: (4, 2), 28: (3, 2)}


def _geometry(image_size: int) -> tuple[int, int]:
    if image_size not in GEOMETRY:
        allowed = ", ".join(map(str, GEOMETRY))
        raise ValueError(f"the dense_conv model builds {allowed}-px images, not {image_size}")
    return GEOMETRY[image_size]


def _activation(kind: str, slope: float) -> nn.Module:
    return nn.ReLU() if kind == "relu" else nn.LeakyReLU(slope)


def _normed(conv: nn.Module, channels: int, act: nn.Module, norm: bool, position: str) -> list:
    if not norm:
        return [conv, act]
    if position == "before":
        return [conv, nn.BatchNorm2d(channels), act]
    return [conv, act, nn.BatchNorm2d(channels)]


class DenseConvGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        side, layers = _geometry(image_size)
        self.map_shape = (MAP_CHANNELS, side, side)
        self.condition = LatentConditioner(
            cfg.conditioning, cfg.latent_dim, num_classes, cfg.embedding_dim
        )
        act = lambda: _activation(cfg.g_activation, cfg.leaky_slope)  # noqa: E731
        self.dense = nn.Sequential(
            nn.Linear(self.condition.out_dim, MAP_CHANNELS * side * side), act()
        )
        norm = cfg.g_norm == "batch"
        stack: list[nn.Module] = []
        in_ch = MAP_CHANNELS
        for _ in range(layers - 1):
            up = nn.ConvTranspose2d(in_ch, cfg.g_width, KERNEL, 2, bias=False)
            stack += _normed(up, cfg.g_width, act(), norm, cfg.norm_position)
            in_ch = cfg.g_width
        out_channels, head = output_head(cfg.g_output, channels)
        linear_output = cfg.g_output != "tanh"
        self._output_index = len(stack)
        stack.append(
            nn.ConvTranspose2d(in_ch, out_channels, KERNEL, 2, padding=1, bias=linear_output)
        )
        if cfg.g_final_norm:
            stack.append(nn.BatchNorm2d(out_channels))
        self.net = nn.Sequential(*stack, *head)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.dense(self.condition(z, labels))
        return self.net(h.view(h.shape[0], *self.map_shape))

    @torch.no_grad()
    def start_blank(self, background: torch.Tensor, zero_weights: bool = True) -> None:
        """Begin as an empty canvas (:func:`ganbench.models.canvas.start_blank`)."""
        canvas = self.net[-1] if isinstance(self.net[-1], AlphaCanvas) else None
        start_blank(self.net[self._output_index], canvas, background, zero_weights)


class DenseConvDiscriminator(nn.Module):
    """Logits, shape (B,)."""

    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        _, layers = _geometry(image_size)
        self.condition = ImageConditioner(cfg.conditioning, channels, image_size, num_classes)
        act = lambda: nn.LeakyReLU(cfg.leaky_slope)  # noqa: E731
        norm = cfg.d_norm == "batch"
        stack: list[nn.Module] = []
        in_ch, side = self.condition.out_channels, image_size
        for i in range(layers):
            width = MAP_CHANNELS if i == layers - 1 else cfg.d_width
            down = nn.Conv2d(in_ch, width, KERNEL, 2, bias=False)
            first_norm = norm and (i > 0 or cfg.d_first_norm) and i < layers - 1
            stack += _normed(down, width, act(), first_norm, cfg.norm_position)
            if cfg.d_dropout > 0:
                stack.append(nn.Dropout(cfg.d_dropout))
            in_ch, side = width, (side - KERNEL) // 2 + 1
        self.net = nn.Sequential(*stack, nn.Flatten(), nn.Linear(in_ch * side * side, 1))

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self.condition(images, labels)).flatten()

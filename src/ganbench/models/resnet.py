"""CycleGAN's ResNet generator (Johnson et al. 2016, as in Zhu et al. 2017): an image in, an
image of the same size out.

c7s1-ngf, two stride-2 downsampling convs (ngf*2, ngf*4), ``n_blocks`` residual blocks,
two transposed convs back up, c7s1-C and tanh; reflection padding and instance norm
(no affine, as junyanz/pytorch-CycleGAN-and-pix2pix) throughout. Six blocks for images up
to 128 px, nine above.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv_block(c_in: int, c_out: int, kernel: int, stride: int, pad: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    if pad:
        layers.append(nn.ReflectionPad2d(pad))
    layers += [
        nn.Conv2d(c_in, c_out, kernel, stride, 0 if pad else 1, bias=True),
        nn.InstanceNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]
    return layers


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """(B, C, H, W) in [-1, 1] -> (B, C, H, W) in [-1, 1]; H and W divisible by 4."""

    def __init__(self, channels: int, ngf: int = 64, n_blocks: int = 6):
        super().__init__()
        layers = _conv_block(channels, ngf, 7, 1, 3)
        layers += _conv_block(ngf, ngf * 2, 3, 2, 0)
        layers += _conv_block(ngf * 2, ngf * 4, 3, 2, 0)
        layers += [ResidualBlock(ngf * 4) for _ in range(n_blocks)]
        for width in (ngf * 4, ngf * 2):
            layers += [
                nn.ConvTranspose2d(width, width // 2, 3, 2, 1, output_padding=1),
                nn.InstanceNorm2d(width // 2),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] % 4 or images.shape[-2] % 4:
            raise ValueError(f"image sides must be divisible by 4, got {tuple(images.shape)}")
        return self.net(images)

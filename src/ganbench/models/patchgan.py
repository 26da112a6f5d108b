"""PatchGAN discriminator (Isola et al. 2017): one real/fake score per overlapping patch.

C64 (no norm) - C128 - ... (stride 2, ``n_layers`` of them) - one stride-1 conv doubling the
width - a 1-channel stride-1 conv; 4x4 kernels, instance norm, LeakyReLU 0.2. Three layers
see 70x70 patches; at 32 px one or two fit (16 or 34 px).
"""

from __future__ import annotations

import torch
from torch import nn

KERNEL = 4


def receptive_field(n_layers: int) -> int:
    """Side in pixels of the input patch one output score sees."""
    strides = [2] * n_layers + [1, 1]
    field = 1
    for stride in reversed(strides):
        field = (field - 1) * stride + KERNEL
    return field


class PatchDiscriminator(nn.Module):
    """(B, C, H, W) -> (B, 1, h, w) raw scores, one per patch."""

    def __init__(self, channels: int, ndf: int = 64, n_layers: int = 3):
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv2d(channels, ndf, KERNEL, 2, 1),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        width = ndf
        for i in range(1, n_layers + 1):
            out = ndf * min(2**i, 8)
            stride = 2 if i < n_layers else 1
            layers += [
                nn.Conv2d(width, out, KERNEL, stride, 1, bias=False),
                nn.InstanceNorm2d(out),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            width = out
        layers.append(nn.Conv2d(width, 1, KERNEL, 1, 1))
        self.net = nn.Sequential(*layers)
        self.receptive_field = receptive_field(n_layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

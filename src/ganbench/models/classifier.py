"""A discriminator that classifies: the dcgan discriminator's trunk with one logit per class.

The semi-supervised GAN's D (Salimans et al. 2016): K class logits l, and the probability
that an image is real D(x) = Z / (Z + 1) with Z = sum_k exp(l_k), i.e. a (K+1)-way softmax
whose fake logit is fixed at 0. The same network trained on labelled images alone is the
supervised baseline it is measured against.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.config import ModelConfig
from ganbench.models.dcgan import DCGANDiscriminator, start_resolution


class ClassifierDiscriminator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        if cfg.minibatch_discrimination or cfg.d_final_activation or cfg.pack > 1:
            raise ValueError(
                "a classifying discriminator takes no minibatch discrimination, final "
                "activation or packing"
            )
        base = DCGANDiscriminator(cfg, image_size, channels, 0)
        head = base.net[-1]
        assert isinstance(head, nn.Conv2d), "the dcgan head is one convolution"
        self.trunk = base.net[:-1]
        start = start_resolution(image_size)
        self.head = nn.Conv2d(head.in_channels, num_classes, start, 1, 0)
        self.num_classes = num_classes

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """D's last hidden layer, flattened: (B, F) (what feature matching compares)."""
        return self.trunk(images).flatten(1)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Class logits (B, K); ``labels`` are ignored (D predicts them)."""
        return self.head(self.trunk(images)).flatten(1)

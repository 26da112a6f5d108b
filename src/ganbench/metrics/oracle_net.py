"""The oracle's network and its training loop: a small CNN that trains in seconds on CPU.

The penultimate layer is a global average of 128 post-ReLU feature maps, the same kind of
layer as Inception's pool3, so its activations rarely sit exactly at zero and keep the
covariances of a few thousand samples well conditioned for Fréchet distances.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.data.dataset import to_float
from ganbench.seeding import derive_seed, torch_generator


class OracleNet(nn.Module):
    """conv-BN-ReLU blocks down to a global average pool (the features), then a linear head.

    Images larger than 32 px first pass stride-2 convolutions down to 32 px or less, so a
    64-px oracle costs about what a 32-px one does.
    """

    def __init__(self, channels: int, image_size: int, classes: int, width: int = 32) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c, size = channels, image_size
        while size > 32:
            layers += [nn.Conv2d(c, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            c, size = width, size // 2
        for out in (width, 2 * width):
            layers += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
            if size >= 2:
                layers.append(nn.MaxPool2d(2))
                size //= 2
            c = out
        self.feature_dim = 4 * width
        layers += [
            nn.Conv2d(c, self.feature_dim, 3, padding=1, bias=False),
            nn.BatchNorm2d(self.feature_dim),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        ]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(self.feature_dim, classes)

    def forward_both(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features (N, feature_dim) and logits (N, classes)."""
        features = self.body(x)
        return features, self.head(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@dataclass(frozen=True)
class OracleTraining:
    """How an oracle is trained; part of its cache key. ``None`` sizes take the source's
    default (see ``DEFAULT_TRAINING`` in :mod:`ganbench.metrics.oracle`)."""

    train_size: int | None = None
    test_size: int | None = None
    epochs: int = 4
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    width: int = 32
    shift: int = 0  # random translation in pixels (augmentation for small real sets)
    min_steps: int = 0  # more epochs when a small set would give fewer updates than this


def _shifted(images: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image translated by up to ``shift`` px each way (edge padding)."""
    if shift <= 0:
        return images
    n, _, h, w = images.shape
    padded = F.pad(images, (shift, shift, shift, shift), mode="replicate")
    offsets = torch.randint(0, 2 * shift + 1, (n, 2), generator=generator).tolist()
    return torch.stack([padded[i, :, y : y + h, x : x + w] for i, (y, x) in enumerate(offsets)])


def epochs_for(n: int, settings: OracleTraining) -> int:
    """Epochs over ``n`` images: ``settings.epochs``, or more to reach ``min_steps``."""
    per_epoch = max(1, n // min(settings.batch_size, n))
    return max(settings.epochs, math.ceil(settings.min_steps / per_epoch))


def train_net(
    images: torch.Tensor,
    labels: torch.Tensor,
    classes: int,
    settings: OracleTraining,
    seed: int,
    progress: Callable[[int, float], None] | None = None,
) -> OracleNet:
    """Fit an :class:`OracleNet` on uint8 images (N, C, H, W); deterministic for a seed.

    Adam with cosine decay to zero. The global RNG is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "oracle-init") % 2**63)
        net = OracleNet(images.shape[1], images.shape[-1], classes, settings.width)
    generator = torch_generator(seed, "oracle-order")
    batch = min(settings.batch_size, len(images))
    per_epoch = max(1, len(images) // batch)
    epochs = epochs_for(len(images), settings)
    total = per_epoch * epochs
    optimiser = torch.optim.AdamW(
        net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: 0.5 * (1 + math.cos(math.pi * step / total))
    )
    net.train()
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        running = 0.0
        for k in range(per_epoch):
            index = order[k * batch : (k + 1) * batch]
            x = _shifted(to_float(images[index]), settings.shift, generator)
            loss = F.cross_entropy(net(x), labels[index])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            running += loss.item()
        if progress is not None:
            progress(epoch, running / per_epoch)
    return net.eval()


@torch.no_grad()
def net_accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of uint8 ``images`` whose argmax class is the label."""
    net.eval()
    correct = 0
    for chunk, target in zip(images.split(512), labels.split(512), strict=True):
        correct += int((net(to_float(chunk)).argmax(1) == target).sum())
    return correct / len(labels)

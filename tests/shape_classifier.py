"""An independent judge for the learning tests: a small CNN trained on real shape images."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.config import DataConfig
from ganbench.data.build import build_dataset


def train_shape_classifier(data: DataConfig, seed: int = 123, steps: int = 300) -> nn.Module:
    """Fit a classifier on freshly drawn real images (a seed the GAN never saw)."""
    torch.manual_seed(seed)
    real = build_dataset(data, seed=seed, size=2000)
    channels, classes = real.channels, len(data.class_names)
    net = nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1),
        nn.Flatten(), nn.Linear(32, classes),
    )  # fmt: skip
    optimiser = torch.optim.Adam(net.parameters(), lr=2e-3)
    for step in range(steps):
        x, y = real.batch(step, 64, seed)
        loss = F.cross_entropy(net(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return net.eval()


@torch.no_grad()
def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (net(images).argmax(1) == labels).float().mean().item()

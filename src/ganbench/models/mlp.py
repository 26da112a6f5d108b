"""Seed 002's vanilla GAN: multi-layer perceptrons with one hidden layer on each side."""

from __future__ import annotations

import torch
from torch import nn

from ganbench.config import ModelConfig
from ganbench.models.auxiliary import AUXILIARY_MODES, AuxiliaryHeads
from ganbench.models.canvas import AlphaCanvas, output_head, start_blank
from ganbench.models.conditioning import ImageConditioner, LatentConditioner
from ganbench.models.layers import MinibatchStdDev, pack


class MLPGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        self.shape = (channels, image_size, image_size)
        self.condition = LatentConditioner(
            cfg.conditioning, cfg.latent_dim, num_classes, cfg.embedding_dim
        )
        act = nn.ReLU() if cfg.g_activation == "relu" else nn.LeakyReLU(cfg.leaky_slope)
        out_channels, head = output_head(cfg.g_output, channels)
        self.net = nn.Sequential(
            nn.Linear(self.condition.out_dim, cfg.mlp_hidden),
            act,
            nn.Linear(cfg.mlp_hidden, out_channels * image_size * image_size),
        )
        self.head = nn.Sequential(*head)
        self.out_shape = (out_channels, image_size, image_size)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.net(self.condition(z, labels)).view(-1, *self.out_shape))

    @torch.no_grad()
    def start_blank(self, background: torch.Tensor, zero_weights: bool = True) -> None:
        """Begin as an empty canvas (:func:`ganbench.models.canvas.start_blank`)."""
        canvas = next((m for m in self.head if isinstance(m, AlphaCanvas)), None)
        start_blank(self.net[-1], canvas, background, zero_weights)


class MLPDiscriminator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.pack = cfg.pack
        self.condition = ImageConditioner(
            cfg.conditioning, channels * cfg.pack, image_size, num_classes
        )
        inputs = self.condition.out_channels * image_size * image_size
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(inputs, cfg.mlp_hidden),
            nn.LeakyReLU(cfg.leaky_slope),
            *_dropout(cfg.d_dropout),
            nn.Linear(cfg.mlp_hidden, 1),
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,), or (B/m,) for PacGAN packs of m."""
        if self.pack > 1:
            images = pack(images, self.pack)
        return self.net(self.condition(images, labels)).flatten()


def _dropout(rate: float) -> list[nn.Module]:
    return [nn.Dropout(rate)] if rate > 0 else []


def hidden_stack(
    inputs: int, width: int, layers: int, act: type[nn.Module] | nn.Module, dropout: float = 0.0
) -> list:
    modules: list[nn.Module] = []
    for _ in range(layers):
        modules += [nn.Linear(inputs, width), act() if isinstance(act, type) else act]
        modules += _dropout(dropout)
        inputs = width
    return modules


class PointGenerator(nn.Module):
    """MLP from z (plus a one-hot label when conditional) to a point; linear output."""

    def __init__(self, cfg: ModelConfig, dim: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        self.condition = LatentConditioner(
            "embedding" if cfg.conditioning != "none" else "none",
            cfg.latent_dim, num_classes, cfg.embedding_dim,
        )  # fmt: skip
        act = nn.ReLU if cfg.g_activation == "relu" else nn.LeakyReLU(cfg.leaky_slope)
        self.net = nn.Sequential(
            *hidden_stack(self.condition.out_dim, cfg.mlp_hidden, cfg.mlp_layers, act),
            nn.Linear(cfg.mlp_hidden, dim),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self.condition(z, labels))


class PointDiscriminator(nn.Module):
    """MLP from a point (plus a one-hot label when conditional) to a logit.

    With ``pack`` = m it judges m points jointly (PacGAN); ``minibatch_std`` appends the
    batch's feature spread before the last layer (PGGAN). ``d_conditioning`` projection,
    acgan or tacgan read the class off the last hidden features instead of taking it as input.
    """

    def __init__(self, cfg: ModelConfig, dim: int, num_classes: int):
        super().__init__()
        conditional = num_classes if cfg.conditioning != "none" else 0
        mode = cfg.d_condition if conditional else "none"
        feature_mode = mode in ("projection", *AUXILIARY_MODES)
        self.num_classes = 0 if feature_mode else conditional  # one-hot input
        self.pack = cfg.pack
        act = nn.LeakyReLU(cfg.leaky_slope)
        inputs = dim * cfg.pack + self.num_classes
        hidden = hidden_stack(inputs, cfg.mlp_hidden, cfg.mlp_layers, act, cfg.d_dropout)
        head: list[nn.Module] = [MinibatchStdDev()] if cfg.minibatch_std else []
        width = cfg.mlp_hidden + (1 if cfg.minibatch_std else 0)
        self.net = nn.Sequential(*hidden, *head, nn.Linear(width, 1))
        self.projection = nn.Embedding(conditional, width) if mode == "projection" else None
        if self.projection is not None:
            nn.init.normal_(self.projection.weight, 0.0, 0.02)
        self.auxiliary = (
            AuxiliaryHeads(width, conditional, twin=mode == "tacgan")
            if mode in AUXILIARY_MODES
            else None
        )

    def forward(self, points: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Logits, shape (B,), or (B/m,) for packs of m."""
        if self.pack > 1:
            points = pack(points, self.pack)
        if self.num_classes and labels is not None:
            onehot = torch.nn.functional.one_hot(labels, self.num_classes).to(points.dtype)
            points = torch.cat([points, onehot], dim=1)
        if self.projection is None and self.auxiliary is None:
            return self.net(points).flatten()
        features = self.net[:-1](points)
        logits = self.net[-1](features).flatten()
        if self.auxiliary is not None:
            self.auxiliary(features)
        if self.projection is not None:
            if labels is None:
                raise ValueError("this discriminator is conditional: pass class labels")
            logits = logits + (self.projection(labels) * features).sum(1)
        return logits

"""How a class label enters the generator and the discriminator.

- ``additive`` (seed 000): the one-hot label is tiled to the shape of z (or of the image)
  and added to it, so no layer changes size.
- ``embedding``: a learned embedding is concatenated to z, and a learned H*W map is
  concatenated to the image as an extra channel.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def tile_label(labels: torch.Tensor, num_classes: int, shape: tuple[int, ...]) -> torch.Tensor:
    """One-hot labels repeated along the last axis (and broadcast over the others) to ``shape``.

    For a (B, 100) latent and 4 classes this is ``onehot.repeat(1, 25)``; for a (B, 3, 64, 64)
    image it is seed 000's ``onehot.repeat(1, 3, 64, 16)``.
    """
    onehot = F.one_hot(labels, num_classes).float()
    width = shape[-1]
    reps = math.ceil(width / num_classes)
    row = onehot.repeat(1, reps)[:, :width]
    view = (len(labels),) + (1,) * (len(shape) - 2) + (width,)
    return row.view(view).expand((len(labels), *shape[1:]))


class LatentConditioner(nn.Module):
    """Combines z (B, d) with a label; ``out_dim`` is the generator's input width."""

    def __init__(self, mode: str, latent_dim: int, num_classes: int, embedding_dim: int):
        super().__init__()
        self.mode, self.num_classes = mode, num_classes
        self.embedding = nn.Embedding(num_classes, embedding_dim) if mode == "embedding" else None
        self.out_dim = latent_dim + (embedding_dim if mode == "embedding" else 0)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.mode == "none":
            return z
        if labels is None:
            raise ValueError("this generator is conditional: pass class labels")
        if self.mode == "additive":
            return z + tile_label(labels, self.num_classes, tuple(z.shape)).to(z.dtype)
        return torch.cat([z, self.embedding(labels).to(z.dtype)], dim=1)


class ImageConditioner(nn.Module):
    """Combines images (B, C, H, W) with a label; ``out_channels`` is D's input depth."""

    def __init__(self, mode: str, channels: int, image_size: int, num_classes: int):
        super().__init__()
        self.mode, self.num_classes, self.image_size = mode, num_classes, image_size
        self.embedding = (
            nn.Embedding(num_classes, image_size * image_size) if mode == "embedding" else None
        )
        self.out_channels = channels + (1 if mode == "embedding" else 0)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.mode == "none":
            return images
        if labels is None:
            raise ValueError("this discriminator is conditional: pass class labels")
        if self.mode == "additive":
            return images + tile_label(labels, self.num_classes, tuple(images.shape)).to(
                images.dtype
            )
        size = self.image_size
        plane = self.embedding(labels).view(-1, 1, size, size).to(images.dtype)
        return torch.cat([images, plane], dim=1)


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose gain and bias are looked up per class (de Vries et al. 2017; the
    generator of SNGAN-projection and BigGAN). Gains start at 1 and biases at 0, so with one
    class it is plain batch norm."""

    takes_labels = True

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if labels is None:
            raise ValueError("this generator is conditional: pass class labels")
        h = self.norm(x)
        gain = self.gain(labels).to(h.dtype)[:, :, None, None]
        bias = self.bias(labels).to(h.dtype)[:, :, None, None]
        return h * gain + bias


class LabelledSequential(nn.Sequential):
    """A sequential stack whose class-aware layers (``takes_labels``) also receive the labels."""

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self:
            x = layer(x, labels) if getattr(layer, "takes_labels", False) else layer(x)
        return x


class ClassStdDev(nn.Module):
    """Minibatch standard deviation within each class (PGGAN's stddev channel, grouped by
    label). Over a batch that mixes classes the plain stddev sees the spread between classes
    and stays blind to a generator that draws one image per class; here each sample gets the
    mean feature deviation of the samples of its own class in the batch (0 when it is alone),
    appended as one constant channel: (B, C, H, W) -> (B, C + 1, H, W). With ``spatial``
    the channel keeps the deviation's map over positions (averaged over features only), so D
    sees where a class varies, not only how much: a layout repeated across a class's samples
    leaves its places still."""

    takes_labels = True

    def __init__(self, eps: float = 1e-8, spatial: bool = False):
        super().__init__()
        self.eps, self.spatial = eps, spatial

    def extra_repr(self) -> str:
        return f"spatial={self.spatial}"

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if labels is None:
            raise ValueError("ClassStdDev groups by class: pass class labels")
        batch, _, height, width = x.shape
        features = x.float()  # float32 so that eps survives half-precision autocast
        indices, values = [], []
        for label in torch.unique(labels):
            members = torch.nonzero(labels == label).flatten()
            if len(members) < 2:
                continue
            group = features[members]
            spread = ((group - group.mean(0)).square().mean(0) + self.eps).sqrt()  # (C, H, W)
            spread = spread.mean(0) if self.spatial else spread.mean().expand(height, width)
            indices.append(members)
            values.append(spread.expand(len(members), height, width))
        per_sample = features.new_zeros(batch, height, width)
        if indices:
            per_sample = per_sample.index_copy(0, torch.cat(indices), torch.cat(values))
        channel = per_sample.unsqueeze(1)
        return torch.cat([x, channel.to(x.dtype)], dim=1)


class ProjectionHead(nn.Module):
    """The projection discriminator's class term (Miyato and Koyama 2018): the inner product
    of a learned class embedding with D's spatially summed features, added to the logit.
    Spectral normalisation of D also normalises this embedding."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.embedding = nn.Embedding(num_classes, channels)
        nn.init.normal_(self.embedding.weight, 0.0, 0.02)

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        pooled = features.sum(dim=(2, 3))
        return (self.embedding(labels).to(pooled.dtype) * pooled).sum(dim=1)

"""SNGAN/BigGAN-style residual generator and discriminator (``model.arch=resnet``).

Generator (Miyato et al. 2018, appendix; Brock et al. 2019): z -> linear -> 4x4 (7x7 for
28-px images) feature map -> one pre-activation residual block per doubling (BN, ReLU,
nearest x2, 3x3 conv, BN, ReLU, 3x3 conv; shortcut: nearest x2, 1x1 conv) -> BN, ReLU, 3x3
conv to the image (tanh, linear or the alpha canvas, as the dcgan generator).
``blocks_per_stage`` above 1 adds blocks that keep the resolution after each doubling block
(G) and after each halving block (D), as BigGAN-deep deepens each stage.

- The class enters through class-conditional batch norm (``g_conditioning=cbn``) or an
  embedding concatenated to z (``embedding``); ``additive`` adds the tiled one-hot to z.
- ``skip_z`` (BigGAN's hierarchical latent): z is split into one chunk per block plus one for
  the first layer; each block's batch norms take their gain and bias from a linear map of
  its chunk (concatenated with a shared class embedding in a conditional model), so every
  block reads its own part of z.

Discriminator (SNGAN): an input block (3x3 conv, ReLU, 3x3 conv, 2x2 average pool; shortcut:
pool then 1x1 conv), then pre-activation down blocks (ReLU, 3x3 conv, ReLU, 3x3 conv, pool;
shortcut: 1x1 conv, pool) to 4x4, ReLU, sum over positions, one linear logit, plus the
projection term or AC-GAN/TAC-GAN class heads on the same pooled features. No batch norm:
pair it with ``spectral_norm: d`` or ``both`` (BigGAN normalises both).

Widths follow ``g_width``/``d_width`` with ``width_growth`` as the dcgan stacks do (doubling
towards the coarse end), capped by ``max_width``. ``self_attention`` places a SAGAN block
after the stage at that resolution in both networks.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.config import ModelConfig
from ganbench.models.auxiliary import AUXILIARY_MODES, AuxiliaryHeads
from ganbench.models.canvas import AlphaCanvas, start_blank
from ganbench.models.catalogue import stage_count, stage_widths, start_resolution
from ganbench.models.conditioning import ImageConditioner, LatentConditioner, ProjectionHead
from ganbench.models.layers import SelfAttention


class ConditionedBatchNorm(nn.Module):
    """Batch norm whose gain (1 + ...) and bias come from a conditioning vector (BigGAN's
    skip-z/shared-embedding form) or a per-class table; plain batch norm without either."""

    def __init__(self, channels: int, condition_dim: int = 0, num_classes: int = 0):
        super().__init__()
        self.table = num_classes > 0 and condition_dim == 0
        self.norm = nn.BatchNorm2d(channels, affine=not (condition_dim or self.table))
        self.gain: nn.Module | None = None
        self.bias: nn.Module | None = None
        if condition_dim:
            self.gain = nn.Linear(condition_dim, channels, bias=False)
            self.bias = nn.Linear(condition_dim, channels, bias=False)
        elif self.table:
            self.gain = nn.Embedding(num_classes, channels)
            self.bias = nn.Embedding(num_classes, channels)
            nn.init.zeros_(self.gain.weight)  # gain = 1 + 0: plain batch norm at the start
            nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None) -> torch.Tensor:
        h = self.norm(x)
        if self.gain is None or self.bias is None:
            return h
        if condition is None:
            raise ValueError("this generator is conditional: pass class labels")
        gain = 1 + self.gain(condition).to(h.dtype)[:, :, None, None]
        return h * gain + self.bias(condition).to(h.dtype)[:, :, None, None]


class GeneratorBlock(nn.Module):
    """Pre-activation residual block that doubles the resolution (``upsample``) or keeps it."""

    def __init__(
        self, c_in: int, c_out: int, condition_dim: int, num_classes: int, upsample: bool = True
    ):
        super().__init__()
        self.upsample = upsample
        self.bn1 = ConditionedBatchNorm(c_in, condition_dim, num_classes)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.bn2 = ConditionedBatchNorm(c_out, condition_dim, num_classes)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        # SNGAN learns a shortcut only where the block changes the shape
        same = c_in == c_out and not upsample
        self.shortcut = nn.Identity() if same else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None) -> torch.Tensor:
        h = F.relu(self.bn1(x, condition))
        if self.upsample:
            h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h), condition)))
        return h + self.shortcut(x)


class ResNetGenerator(nn.Module):
    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        self.latent_dim, self.num_classes = cfg.latent_dim, num_classes
        mode = cfg.g_condition if num_classes else "none"
        stages = stage_count(image_size)
        widths = stage_widths(cfg.g_width, stages, cfg.width_growth, cfg.max_width)
        self.start = start_resolution(image_size)
        self.widths = widths
        self.skip_z = cfg.skip_z
        # skip-z: chunk 0 feeds the first layer, chunk i+1 conditions block i
        self.chunks = _chunk_sizes(cfg.latent_dim, stages + 1) if cfg.skip_z else []
        self.shared = (
            nn.Embedding(num_classes, cfg.embedding_dim) if cfg.skip_z and mode == "cbn" else None
        )
        shared_dim = cfg.embedding_dim if self.shared is not None else 0
        table_classes = num_classes if mode == "cbn" and not cfg.skip_z else 0
        latent_mode = "none" if mode == "cbn" else mode
        first_dim = self.chunks[0] if cfg.skip_z else cfg.latent_dim
        if latent_mode == "additive" and first_dim < num_classes:
            raise ValueError(
                f"additive conditioning tiles {num_classes} classes over {first_dim} latent "
                "entries of the first layer; raise model.latent_dim or use g_conditioning=cbn"
            )
        self.condition = LatentConditioner(latent_mode, first_dim, num_classes, cfg.embedding_dim)
        self.linear = nn.Linear(self.condition.out_dim, widths[0] * self.start**2)
        self.blocks = nn.ModuleList()
        self.attention = nn.ModuleDict()
        resolution = self.start
        if cfg.self_attention == resolution:
            self.attention["0"] = SelfAttention(widths[0])
        self.block_stage: list[int] = []  # the stage (and skip-z chunk) of each block
        for i in range(stages):
            c_in, c_out = widths[max(0, i - 1)], widths[i]
            condition_dim = self.chunks[i + 1] + shared_dim if cfg.skip_z else 0
            for k in range(cfg.blocks_per_stage):
                block = GeneratorBlock(
                    c_out if k else c_in, c_out, condition_dim, table_classes, upsample=k == 0
                )
                self.blocks.append(block)
                self.block_stage.append(i)
            resolution *= 2
            if cfg.self_attention == resolution:
                self.attention[str(i + 1)] = SelfAttention(c_out)
        last = self.blocks[-1].conv2.out_channels
        self.final_norm = nn.BatchNorm2d(last)
        alpha = cfg.g_output == "alpha"
        self.output_layer = nn.Conv2d(last, channels + alpha, 3, 1, 1)
        self.canvas = AlphaCanvas(channels) if alpha else None
        self.tanh = cfg.g_output == "tanh"

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.skip_z:
            parts = list(torch.split(z, self.chunks, dim=1))
            first, per_block = parts[0], parts[1:]
        else:
            first, per_block = z, []
        h = self.linear(self.condition(first, labels))
        h = h.view(len(z), self.widths[0], self.start, self.start)
        shared = None
        if self.shared is not None:
            if labels is None:
                raise ValueError("this generator is conditional: pass class labels")
            shared = self.shared(labels).to(z.dtype)
        if "0" in self.attention:
            h = self.attention["0"](h)
        for j, (block, i) in enumerate(zip(self.blocks, self.block_stage, strict=True)):
            condition: torch.Tensor | None = labels
            if self.skip_z:
                chunk = per_block[i]
                condition = chunk if shared is None else torch.cat([chunk, shared], dim=1)
            h = block(h, condition)
            stage_done = j + 1 == len(self.blocks) or self.block_stage[j + 1] != i
            if stage_done and str(i + 1) in self.attention:
                h = self.attention[str(i + 1)](h)
        h = self.output_layer(F.relu(self.final_norm(h)))
        if self.canvas is not None:
            return self.canvas(h)
        return torch.tanh(h) if self.tanh else h

    @torch.no_grad()
    def start_blank(self, background: torch.Tensor, zero_weights: bool = True) -> None:
        """Begin as an empty canvas (:func:`ganbench.models.canvas.start_blank`)."""
        start_blank(self.output_layer, self.canvas, background, zero_weights)


def _chunk_sizes(total: int, parts: int) -> list[int]:
    if total < parts:
        raise ValueError(
            f"model.skip_z splits z into {parts} chunks (one per block and one for the first "
            f"layer), but model.latent_dim={total}; raise latent_dim to at least {parts}"
        )
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)][::-1]


class DiscriminatorBlock(nn.Module):
    """Residual block that halves the resolution (``downsample``) or keeps it; ``first``:
    SNGAN's optimised input block (no activation before the first conv, shortcut pools
    before its 1x1 conv)."""

    def __init__(self, c_in: int, c_out: int, first: bool = False, downsample: bool = True):
        super().__init__()
        self.first = first
        self.downsample = downsample
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        same = c_in == c_out and not downsample
        self.shortcut = nn.Identity() if same else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else F.relu(x)
        h = self._pool(self.conv2(F.relu(self.conv1(h))))
        if self.first:
            return h + self.shortcut(self._pool(x))
        return h + self._pool(self.shortcut(x))

    def _pool(self, h: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(h, 2) if self.downsample else h


class ResNetDiscriminator(nn.Module):
    """Logits (B,) for images, with the projection or class-head terms of a conditional D."""

    def __init__(self, cfg: ModelConfig, image_size: int, channels: int, num_classes: int):
        super().__init__()
        mode = cfg.d_condition if num_classes else "none"
        feature_modes = ("projection", *AUXILIARY_MODES)
        self.condition = ImageConditioner(
            "none" if mode in feature_modes else mode, channels, image_size, num_classes
        )
        stages = stage_count(image_size)
        widths = stage_widths(cfg.d_width, stages, cfg.width_growth, cfg.max_width)[::-1]
        self.blocks = nn.ModuleList()
        self.attention = nn.ModuleDict()
        c_in, resolution = self.condition.out_channels, image_size
        for i, width in enumerate(widths):
            self.blocks.append(DiscriminatorBlock(c_in, width, first=i == 0))
            for _ in range(cfg.blocks_per_stage - 1):
                self.blocks.append(DiscriminatorBlock(width, width, downsample=False))
            c_in, resolution = width, resolution // 2
            if cfg.self_attention == resolution:
                self.attention[str(len(self.blocks) - 1)] = SelfAttention(width)
        self.head = nn.Linear(c_in, 1)
        self.projection = ProjectionHead(c_in, num_classes) if mode == "projection" else None
        self.auxiliary = (
            AuxiliaryHeads(c_in, num_classes, twin=mode == "tacgan")
            if mode in AUXILIARY_MODES
            else None
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.condition(images, labels)
        for i, block in enumerate(self.blocks):
            h = block(h)
            if str(i) in self.attention:
                h = self.attention[str(i)](h)
        h = F.relu(h)
        logits = self.head(h.sum(dim=(2, 3))).flatten()
        if self.auxiliary is not None:
            self.auxiliary(h)  # class logits of this batch, read from self.auxiliary.last
        if self.projection is not None:
            if labels is None:
                raise ValueError("this discriminator is conditional: pass class labels")
            logits = logits + self.projection(h, labels)
        return logits

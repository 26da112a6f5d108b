"""Stand-alone layers for the stabilisation tricks of seeds 001, 003 and 004.

* :class:`MinibatchStdDev`, :class:`PixelNorm` and the equalised-learning-rate layers come
  from PGGAN (Karras et al. 2018, "Progressive Growing of GANs", sections 3 and 4).
* :class:`MinibatchDiscrimination` is Salimans et al. 2016 ("Improved Techniques for
  Training GANs", section 3.2).
* :class:`SelfAttention` is SAGAN (Zhang et al. 2018), the attention block BigGAN reuses.
* :func:`pack` is PacGAN (Lin et al. 2018).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

HE_GAIN = math.sqrt(2.0)


def _group_size(batch: int, wanted: int) -> int:
    """The largest divisor of ``batch`` that is at most ``wanted``."""
    size = min(wanted, batch)
    while batch % size:
        size -= 1
    return size


class MinibatchStdDev(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, PGGAN section 3).

    The batch is split into groups of ``group_size`` samples; over each group the standard
    deviation of every feature at every position is taken, then averaged over features and
    positions into one number per group (``features`` > 1 splits the channels into that many
    slices and gives one number per slice). The result is appended as ``features`` constant
    channels, so (B, C, H, W) -> (B, C + features, H, W); a (B, F) input gets ``features``
    extra columns. As in PGGAN's code, sample ``b`` belongs to group ``b mod (B / G)``; when
    ``group_size`` does not divide B the largest divisor of B below it is used (B = 1 gives a
    spread of 0). The deviation is the population one, sqrt(mean((x - mean)^2) + 1e-8).
    With ``spatial`` the deviation is averaged over features only, keeping its map over
    positions (StyleGAN's layer averages over positions too; this sees where samples vary).
    """

    def __init__(
        self, group_size: int = 4, features: int = 1, eps: float = 1e-8, spatial: bool = False
    ):
        super().__init__()
        if group_size < 1 or features < 1:
            raise ValueError(
                f"MinibatchStdDev needs group_size >= 1 and features >= 1, "
                f"got {group_size} and {features}"
            )
        self.group_size, self.features, self.eps = group_size, features, eps
        self.spatial = spatial

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}, features={self.features}, spatial={self.spatial}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return torch.cat([x, self._spread(x[:, :, None, None]).flatten(1)], dim=1)
        if x.dim() != 4:
            raise ValueError(
                f"MinibatchStdDev expects (B, C, H, W) or (B, F), got {tuple(x.shape)}"
            )
        return torch.cat([x, self._spread(x)], dim=1)

    def _spread(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        n = self.features
        if channels % n:
            raise ValueError(f"MinibatchStdDev: features={n} must divide the {channels} channels")
        groups = _group_size(batch, self.group_size)
        rest = batch // groups
        # float32 so that eps = 1e-8 survives half-precision autocast.
        y = x.float().reshape(groups, rest, n, channels // n, height, width)
        y = (y - y.mean(dim=0)).square().mean(dim=0)
        y = (y + self.eps).sqrt()  # (rest, n, C / n, H, W)
        if self.spatial:
            y = y.mean(dim=2).repeat(groups, 1, 1, 1)
        else:
            y = y.mean(dim=(2, 3, 4)).reshape(rest, n, 1, 1).repeat(groups, 1, height, width)
        return y.to(x.dtype)


class MinibatchDiscrimination(nn.Module):
    """Minibatch discrimination (Salimans et al. 2016, section 3.2).

    Features f(x_i) in R^A are multiplied by a learned tensor T in R^{A x B x C} into rows
    M_i in R^{B x C}; for each kernel b, c_b(x_i, x_j) = exp(-||M_{i,b} - M_{j,b}||_1) and
    o(x_i)_b = sum over the *other* samples j != i of c_b(x_i, x_j). The output is
    [x, o(x)], shape (N, A + B). Inputs of more than two dimensions are flattened first.
    T starts as N(0, 1/A), which keeps M at the scale of the inputs whatever A is.
    """

    def __init__(self, in_features: int, kernels: int, kernel_dim: int):
        super().__init__()
        self.in_features, self.kernels, self.kernel_dim = in_features, kernels, kernel_dim
        self.T = nn.Parameter(
            torch.randn(in_features, kernels * kernel_dim) / math.sqrt(in_features)
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, kernels={self.kernels}, kernel_dim={self.kernel_dim}"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        n = x.shape[0]
        m = (x @ self.T).view(n, self.kernels, self.kernel_dim).transpose(0, 1)  # (B, N, C)
        closeness = torch.exp(-torch.cdist(m, m, p=1))  # (B, N, N)
        others = 1.0 - torch.eye(n, device=x.device, dtype=closeness.dtype)
        o = (closeness * others).sum(dim=2).transpose(0, 1)  # (N, B)
        return torch.cat([x, o.to(x.dtype)], dim=1)


class PixelNorm(nn.Module):
    """Pixelwise feature normalisation (Karras et al. 2018, PGGAN section 4.2):
    b = a / sqrt(mean over channels of a^2 + eps), eps = 1e-8, at every pixel."""

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + self.eps)


class _Equalised:
    """Equalised learning rate (Karras et al. 2018, PGGAN section 4.1): weights are stored
    as N(0, 1) and multiplied at run time by He's constant c = gain / sqrt(fan_in), so Adam's
    scale-invariant steps change every layer at the same relative speed. Biases start at 0
    and are not scaled."""

    gain: float
    weight: nn.Parameter
    bias: nn.Parameter | None

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, 0.0, 1.0)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    @property
    def fan_in(self) -> int:
        raise NotImplementedError

    @property
    def scale(self) -> float:
        return self.gain / math.sqrt(self.fan_in)

    def scaled_weight(self) -> torch.Tensor:
        return self.weight * self.scale


class EqualisedConv2d(_Equalised, nn.Conv2d):
    """:class:`torch.nn.Conv2d` with an equalised learning rate; fan_in = in/groups * kH * kW."""

    def __init__(self, *args, gain: float = HE_GAIN, **kwargs):
        super().__init__(*args, **kwargs)
        self.gain = gain

    @property
    def fan_in(self) -> int:
        return math.prod(self.weight.shape[1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.scaled_weight(), self.bias)


class EqualisedConvTranspose2d(_Equalised, nn.ConvTranspose2d):
    """:class:`torch.nn.ConvTranspose2d` with an equalised learning rate; fan_in =
    in/groups * kH * kW, the fan-in of PGGAN's fused upscale-and-convolve layer."""

    def __init__(self, *args, gain: float = HE_GAIN, **kwargs):
        super().__init__(*args, **kwargs)
        self.gain = gain

    @property
    def fan_in(self) -> int:
        kh, kw = self.kernel_size
        return self.in_channels // self.groups * kh * kw

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        output_padding = self._output_padding(
            x, output_size, self.stride, self.padding, self.kernel_size, 2, self.dilation
        )
        return F.conv_transpose2d(
            x,
            self.scaled_weight(),
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class EqualisedLinear(_Equalised, nn.Linear):
    """:class:`torch.nn.Linear` with an equalised learning rate; fan_in = in_features."""

    def __init__(self, *args, gain: float = HE_GAIN, **kwargs):
        super().__init__(*args, **kwargs)
        self.gain = gain

    @property
    def fan_in(self) -> int:
        return self.in_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.scaled_weight(), self.bias)


class SelfAttention(nn.Module):
    """Self-attention block of SAGAN (Zhang et al. 2018, section 3), as used by BigGAN.

    Query f and key g are 1x1 convolutions to C/8 channels, value h a 1x1 convolution to C
    channels (the paper's first formulation, without the extra output projection v). With
    s_ij = f(x_i)^T g(x_j) and beta_{j,i} = softmax over i of s_ij, the block returns
    y_j = gamma * sum_i beta_{j,i} h(x_i) + x_j; gamma is learned and starts at 0, so the
    block is the identity at initialisation.
    """

    def __init__(self, channels: int):
        super().__init__()
        inner = max(1, channels // 8)
        self.f = nn.Conv2d(channels, inner, 1)
        self.g = nn.Conv2d(channels, inner, 1)
        self.h = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, height, width = x.shape
        fx = self.f(x).flatten(2)  # (B, C/8, N)
        gx = self.g(x).flatten(2)  # (B, C/8, N)
        hx = self.h(x).flatten(2)  # (B, C, N)
        scores = torch.bmm(gx.transpose(1, 2), fx)  # [b, j, i] = s_ij = f(x_i) . g(x_j)
        beta = torch.softmax(scores, dim=2)  # over i, for each output position j
        o = torch.bmm(hx, beta.transpose(1, 2))  # [b, c, j] = sum_i beta_{j,i} h(x_i)[c]
        return x + (self.gamma * o.view(b, c, height, width)).to(x.dtype)


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """PacGAN packing (Lin et al. 2018): m consecutive samples become one.

    (B, C, H, W) -> (B/m, m*C, H, W) and (B, F) -> (B/m, m*F), so that
    ``pack(x, m)[k] = cat(x[k*m], x[k*m + 1], ..., x[k*m + m - 1])`` along the channels.
    """
    if m < 1:
        raise ValueError(f"pack size must be at least 1, got {m}")
    batch = x.shape[0]
    if batch % m:
        raise ValueError(
            f"PacGAN: a batch of {batch} cannot be split into packs of {m}; "
            f"use a batch size that is a multiple of {m}"
        )
    if m == 1:
        return x
    return x.reshape(batch // m, m * x.shape[1], *x.shape[2:])


def pack_by_class(
    x: torch.Tensor, labels: torch.Tensor, m: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """PacGAN packing for a conditional D: m samples of one class become one, labelled with it.

    Each class's samples are packed in batch order; a class whose count is not a multiple of
    m fills its last pack with its own first samples again, so any batch packs (a shuffled
    set gives uneven classes). Returns the packs and their labels.
    """
    if m < 1:
        raise ValueError(f"pack size must be at least 1, got {m}")
    if m == 1:
        return x, labels
    groups = []
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        short = -len(members) % m
        if short:
            members = torch.cat([members, members.repeat(short // len(members) + 1)[:short]])
        groups.append(members.view(-1, m))
    index = torch.cat(groups)  # (packs, m)
    packed = x[index.flatten()].reshape(len(index), m * x.shape[1], *x.shape[2:])
    return packed, labels[index[:, 0]]

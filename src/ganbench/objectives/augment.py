"""Differentiable image augmentations for the discriminator's inputs.

* :func:`diff_augment` is DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for
  Data-Efficient GAN Training"): the same family of random colour, translation and cutout
  transforms is applied to reals and fakes, and gradients flow through it to G.
* :func:`cr_augment` is the transform T of consistency regularisation (Zhang et al. 2019,
  "Consistency Regularization for Generative Adversarial Networks"; seed 004's L_cr):
  a small random translation and a random horizontal flip.

Randomness comes from a :class:`torch.Generator` (on the CPU; the draws are moved to the
images' device), so a seeded generator reproduces the same transforms.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 1 / 8  # DiffAugment: shifts of up to 1/8 of the image side
CUTOUT_RATIO = 1 / 2  # DiffAugment: squares of half the image side
CR_SHIFT_RATIO = 1 / 8  # consistency regularisation: 4 px at 32x32


def parse_policy(policy: str) -> tuple[str, ...]:
    """The comma-separated policy as names, checked against :data:`DIFFAUGMENT_POLICIES`."""
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    for name in names:
        if name not in DIFFAUGMENT_POLICIES:
            raise ValueError(
                f"unknown DiffAugment policy {name!r}; allowed: "
                f"{', '.join(DIFFAUGMENT_POLICIES)} (comma-separated)"
            )
    return names


def _check_images(x: torch.Tensor, what: str) -> None:
    if x.dim() != 4:
        raise ValueError(f"{what} expects images of shape (B, C, H, W), got {tuple(x.shape)}")


def _uniform(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One U(0, 1) number per sample, shaped (B, 1, 1, 1) on x's device and dtype."""
    u = torch.rand(x.shape[0], generator=generator)
    return u.to(device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)


def _shifts(n: int, limit: int, generator: torch.Generator | None) -> torch.Tensor:
    """n integer shifts, uniform on [-limit, limit], on the CPU."""
    return torch.randint(-limit, limit + 1, (n,), generator=generator)


def _side_fraction(size: int, ratio: float) -> int:
    return int(size * ratio + 0.5)


def translate(
    x: torch.Tensor,
    dy: torch.Tensor | Sequence[int],
    dx: torch.Tensor | Sequence[int],
    padding: str = "zeros",
) -> torch.Tensor:
    """Shift each image by whole pixels: content moves down by ``dy[b]`` and right by
    ``dx[b]``, so ``out[b, :, i, j] = x[b, :, i - dy[b], j - dx[b]]``. Pixels shifted in
    from outside are 0 (``padding="zeros"``) or mirrored (``"reflect"``, shifts must be
    smaller than the image). Differentiable in x."""
    _check_images(x, "translate")
    if padding not in ("zeros", "reflect"):
        raise ValueError(f"translate: padding must be 'zeros' or 'reflect', got {padding!r}")
    b, c, h, w = x.shape
    dy = torch.as_tensor(dy, dtype=torch.long).cpu()
    dx = torch.as_tensor(dx, dtype=torch.long).cpu()
    if dy.shape != (b,) or dx.shape != (b,):
        raise ValueError(f"translate: need one shift per image ({b}), got {dy.shape}, {dx.shape}")
    py, px = int(dy.abs().max()), int(dx.abs().max())
    if py == 0 and px == 0:
        return x
    if padding == "reflect" and (py >= h or px >= w):
        raise ValueError(f"translate: reflected shifts must be below the image size {h}x{w}")
    mode = "constant" if padding == "zeros" else "reflect"
    padded = F.pad(x, (px, px, py, py), mode=mode)
    rows = (torch.arange(h)[None, :] + py - dy[:, None]).to(x.device)  # (B, H)
    cols = (torch.arange(w)[None, :] + px - dx[:, None]).to(x.device)  # (B, W)
    out = padded.gather(2, rows[:, None, :, None].expand(b, c, h, w + 2 * px))
    return out.gather(3, cols[:, None, None, :].expand(b, c, h, w))


def _brightness(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Add U(-0.5, 0.5) per image."""
    return x + (_uniform(x, generator) - 0.5)


def _saturation(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Scale each pixel's deviation from its channel mean by U(0, 2)."""
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_uniform(x, generator) * 2) + mean


def _contrast(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Scale each image's deviation from its overall mean by U(0.5, 1.5)."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x, generator) + 0.5) + mean


def _translation(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Integer shifts of up to 1/8 of each side, zero-padded."""
    n, _, h, w = x.shape
    dy = _shifts(n, _side_fraction(h, TRANSLATION_RATIO), generator)
    dx = _shifts(n, _side_fraction(w, TRANSLATION_RATIO), generator)
    return translate(x, dy, dx, "zeros")


def _cutout(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Zero a square of half the image side, centred on a uniformly drawn pixel (it may
    reach past the border, where it is clipped)."""
    n, _, h, w = x.shape
    ch, cw = _side_fraction(h, CUTOUT_RATIO), _side_fraction(w, CUTOUT_RATIO)
    top = torch.randint(0, h, (n,), generator=generator) - ch // 2
    left = torch.randint(0, w, (n,), generator=generator) - cw // 2
    rows, cols = torch.arange(h), torch.arange(w)
    inside_rows = (rows[None, :] >= top[:, None]) & (rows[None, :] < top[:, None] + ch)
    inside_cols = (cols[None, :] >= left[:, None]) & (cols[None, :] < left[:, None] + cw)
    cut = inside_rows[:, :, None] & inside_cols[:, None, :]  # (B, H, W)
    keep = (~cut).to(device=x.device, dtype=x.dtype)[:, None]
    return x * keep


_TRANSFORMS = {
    "color": (_brightness, _saturation, _contrast),
    "translation": (_translation,),
    "cutout": (_cutout,),
}


def diff_augment(
    x: torch.Tensor,
    policy: str = "color,translation,cutout",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """DiffAugment (Zhao et al. 2020) of a batch of images in [-1, 1], shape (B, C, H, W).

    Policies, applied in the order given, each with fresh draws per image:

    * ``color``: brightness + U(-0.5, 0.5), then saturation x U(0, 2) around the channel
      mean, then contrast x U(0.5, 1.5) around the image mean;
    * ``translation``: integer shifts of up to round(side / 8) pixels on each axis,
      zero-padded;
    * ``cutout``: one square of round(side / 2) pixels set to 0.

    Every operation is differentiable in x. An empty policy returns x unchanged.
    """
    names = parse_policy(policy)
    if not names:
        return x
    _check_images(x, "diff_augment")
    for name in names:
        for transform in _TRANSFORMS[name]:
            x = transform(x, generator)
    return x.contiguous()


def flip_horizontal(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mirror left-right the images whose ``mask`` entry is true."""
    mask = mask.to(device=x.device, dtype=torch.bool).view(-1, 1, 1, 1)
    return torch.where(mask, x.flip(3), x)


def cr_augment(
    x: torch.Tensor,
    generator: torch.Generator | None = None,
    max_shift: int | None = None,
) -> torch.Tensor:
    """Consistency-regularisation transform T (Zhang et al. 2019; seed 004 section 2.2.2:
    "a small translation of a few pixels and then a horizontal flip").

    Each image is shifted by integers dy, dx drawn uniformly from [-s, s], with reflection
    padding so that no artificial border appears, then mirrored left-right with probability
    1/2. By default s = round(side / 8): 4 px at 32x32 (CR-GAN's CIFAR-10 scale) and at
    28x28, 8 px at 64x64; ``max_shift`` overrides it. Differentiable in x.
    """
    _check_images(x, "cr_augment")
    if max_shift is not None and max_shift < 0:
        raise ValueError(f"cr_augment: max_shift must be >= 0, got {max_shift}")
    n, _, h, w = x.shape
    sy = _side_fraction(h, CR_SHIFT_RATIO) if max_shift is None else max_shift
    sx = _side_fraction(w, CR_SHIFT_RATIO) if max_shift is None else max_shift
    sy, sx = min(sy, h - 1), min(sx, w - 1)  # reflection needs shifts below the size
    dy, dx = _shifts(n, sy, generator), _shifts(n, sx, generator)
    flip = torch.rand(n, generator=generator) < 0.5
    return flip_horizontal(translate(x, dy, dx, "reflect"), flip).contiguous()

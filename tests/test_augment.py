"""DiffAugment and the consistency-regularisation transform."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ganbench.config import DIFFAUGMENT_POLICIES as CONFIG_POLICIES
from ganbench.objectives.augment import (
    DIFFAUGMENT_POLICIES,
    cr_augment,
    diff_augment,
    flip_horizontal,
    parse_policy,
    translate,
)


def _rng(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _images(n: int = 16, c: int = 3, size: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, c, size, size, generator=_rng(seed)) * 2 - 1


def _which_shift(
    out: torch.Tensor, x: torch.Tensor, limit: int, padding: str, flips: bool = False
) -> list[tuple[bool, int, int] | None]:
    """For each image, the (flipped, dy, dx) that reproduces it exactly, if any."""
    n = len(x)
    found: list[tuple[bool, int, int] | None] = [None] * n
    for flipped in (False, True) if flips else (False,):
        for dy in range(-limit, limit + 1):
            for dx in range(-limit, limit + 1):
                shifted = translate(x, [dy] * n, [dx] * n, padding)
                if flipped:
                    shifted = shifted.flip(3)
                match = (shifted - out).abs().flatten(1).amax(dim=1) < 1e-6
                for i in torch.nonzero(match).flatten().tolist():
                    found[i] = (flipped, dy, dx)
    return found


# -- policy --------------------------------------------------------------------------


def test_policy_names_agree_with_the_config_and_unknown_ones_are_refused():
    assert DIFFAUGMENT_POLICIES == CONFIG_POLICIES
    assert parse_policy(" color, cutout ") == ("color", "cutout")
    with pytest.raises(ValueError, match="allowed: color, translation, cutout"):
        diff_augment(_images(2), "color,rotation", _rng())
    x = _images(2)
    assert diff_augment(x, "", _rng()) is x
    with pytest.raises(ValueError, match="B, C, H, W"):
        diff_augment(torch.zeros(4, 2), "color", _rng())


# -- translate helper ------------------------------------------------------------------


def test_translate_moves_content_by_whole_pixels_with_zero_fill():
    x = torch.arange(2 * 1 * 5 * 6, dtype=torch.float32).view(2, 1, 5, 6) + 1
    out = translate(x, [2, -1], [-3, 1], "zeros")
    for b, (dy, dx) in enumerate([(2, -3), (-1, 1)]):
        for i in range(5):
            for j in range(6):
                si, sj = i - dy, j - dx
                inside = 0 <= si < 5 and 0 <= sj < 6
                assert out[b, 0, i, j] == (x[b, 0, si, sj] if inside else 0)


def test_translate_reflect_matches_padded_crop():
    x = _images(1, 2, 8)
    out = translate(x, [2], [-1], "reflect")
    padded = F.pad(x, (1, 1, 2, 2), mode="reflect")
    torch.testing.assert_close(out, padded[:, :, 0:8, 2:10])
    assert translate(x, [0], [0]) is x


# -- DiffAugment -------------------------------------------------------------------------


def test_diff_augment_keeps_shape_and_passes_gradients():
    x = _images(8).requires_grad_()
    out = diff_augment(x, "color,translation,cutout", _rng())
    assert out.shape == x.shape and out.dtype == x.dtype
    out.square().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert (x.grad != 0).float().mean() > 0.3  # cutout and shifted-out pixels get none


def test_diff_augment_is_reproducible_with_a_seeded_generator():
    x = _images(8)
    a = diff_augment(x, "color,translation,cutout", _rng(3))
    b = diff_augment(x, "color,translation,cutout", _rng(3))
    c = diff_augment(x, "color,translation,cutout", _rng(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_diff_augment_translation_is_an_integer_shift_of_up_to_an_eighth():
    x = _images(32)
    out = diff_augment(x, "translation", _rng(1))
    found = _which_shift(out, x, limit=4, padding="zeros")
    assert all(f is not None for f in found), "every image is x shifted by <= 4 px"
    shifts = {f[1:] for f in found if f is not None}
    assert len(shifts) > 10  # the shifts vary per image
    assert any(abs(f[1]) == 4 or abs(f[2]) == 4 for f in found if f is not None)


def test_diff_augment_colour_is_a_per_image_affine_map_for_grey_images():
    x = _images(16, c=1)
    out = diff_augment(x, "color", _rng(2))
    for xi, yi in zip(x.flatten(1), out.flatten(1), strict=True):
        # Saturation is a no-op on one channel; brightness then contrast give a*x + b.
        a = ((xi - xi.mean()) * (yi - yi.mean())).sum() / (xi - xi.mean()).square().sum()
        b = yi.mean() - a * xi.mean()
        torch.testing.assert_close(yi, a * xi + b, atol=1e-5, rtol=0)
        assert 0.5 <= a <= 1.5
        assert abs((yi.mean() - xi.mean()).item()) <= 0.5 + 1e-6  # brightness shift


def test_diff_augment_colour_shifts_means_and_scales_saturation():
    x = _images(64)
    out = diff_augment(x, "color", _rng(5))
    shift = out.mean(dim=(1, 2, 3)) - x.mean(dim=(1, 2, 3))
    assert shift.abs().max() <= 0.5 + 1e-5
    assert shift.std() > 0.1  # uniform(-0.5, 0.5) has std 0.29
    spread_in = (x - x.mean(dim=1, keepdim=True)).abs().mean(dim=(1, 2, 3))
    spread_out = (out - out.mean(dim=1, keepdim=True)).abs().mean(dim=(1, 2, 3))
    ratio = spread_out / spread_in  # saturation x contrast: in [0, 3)
    assert ratio.min() < 0.5 and ratio.max() > 1.5


def test_diff_augment_cutout_zeroes_one_half_size_square():
    x = _images(64).abs() + 0.1  # no zeros of its own
    out = diff_augment(x, "cutout", _rng(6))
    zero = out == 0
    assert torch.equal(zero, zero[:, :1].expand_as(zero))  # all channels alike
    kept = ~zero
    assert torch.equal(out[kept], x[kept])
    full = 0
    for mask in zero[:, 0]:
        rows = torch.nonzero(mask.any(dim=1)).flatten()
        cols = torch.nonzero(mask.any(dim=0)).flatten()
        assert len(rows) and len(cols), "every image loses a patch"
        h = rows.max() - rows.min() + 1
        w = cols.max() - cols.min() + 1
        assert mask.sum() == h * w <= 256  # a rectangle, at most 16 x 16
        full += int(h == 16 and w == 16)
    assert full > 10  # squares that lie inside the image are 16 x 16


# -- consistency regularisation transform ------------------------------------------------


def test_cr_augment_flips_and_shifts_by_up_to_four_pixels_at_32():
    x = _images(64)
    out = cr_augment(x, _rng(7))
    assert out.shape == x.shape
    found = _which_shift(out, x, limit=4, padding="reflect", flips=True)
    assert all(f is not None for f in found), "each image is a flip of a <= 4 px shift"
    flipped = sum(f[0] for f in found if f is not None)
    assert 16 <= flipped <= 48  # probability 1/2
    assert len({f[1:] for f in found if f is not None}) > 15
    assert (out != 0).all()  # reflection padding: no black borders
    torch.testing.assert_close(out.mean(), x.mean(), atol=0.05, rtol=0)


def test_cr_augment_shift_scales_with_size_and_can_be_set():
    x = _images(32, size=16)
    found = _which_shift(cr_augment(x, _rng(8)), x, limit=2, padding="reflect", flips=True)
    assert all(f is not None for f in found)  # round(16 / 8) = 2
    only_flip = cr_augment(x, _rng(9), max_shift=0)
    for xi, yi in zip(x, only_flip, strict=True):
        assert torch.equal(yi, xi) or torch.equal(yi, xi.flip(2))


def test_cr_augment_is_reproducible_and_differentiable():
    x = _images(8).requires_grad_()
    a = cr_augment(x, _rng(10))
    assert torch.equal(a, cr_augment(x, _rng(10)))
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_flip_horizontal_mirrors_only_masked_images():
    x = _images(3, size=4)
    out = flip_horizontal(x, torch.tensor([True, False, True]))
    assert torch.equal(out[0], x[0].flip(2))
    assert torch.equal(out[1], x[1])
    assert torch.equal(out[2, :, :, 0], x[2, :, :, 3])

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganbench.metrics.swd import (
    SwdReference,
    laplacian_pyramid,
    pyramid_sizes,
    sliced_wasserstein,
    swd,
)


def smooth_images(n: int, seed: int, channels: int = 3, size: int = 32) -> torch.Tensor:
    """Blurry colour fields: low-resolution noise upsampled."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, channels, 4, 4, generator=g) * 2 - 1
    return F.interpolate(low, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)


def noise_images(n: int, seed: int, channels: int = 3, size: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, channels, size, size, generator=g) * 2 - 1


def test_same_distribution_is_small_and_different_is_large():
    a, b = smooth_images(300, 0), smooth_images(300, 1)
    same = swd(a, b, max_descriptors=4096)
    identical = swd(a, a, max_descriptors=4096)
    different = swd(a, noise_images(300, 2), max_descriptors=4096)
    assert set(same["levels"]) == {32, 16}
    assert different["mean"] > 3 * max(same["mean"], identical["mean"])
    assert identical["mean"] == pytest.approx(np.mean(list(identical["levels"].values())))


def test_single_channel_28px_has_one_level_and_is_seeded():
    a, b = smooth_images(50, 0, 1, 28), smooth_images(60, 1, 1, 28)
    m = swd(a, b, seed=3)
    assert list(m["levels"]) == [28]
    assert m == swd(a, b, seed=3)
    assert m != swd(a, b, seed=4)


def test_small_images_are_rejected():
    with pytest.raises(ValueError, match="at least 16"):
        swd(torch.zeros(4, 3, 15, 15), torch.zeros(4, 3, 15, 15))
    with pytest.raises(ValueError, match="equal C, H, W"):
        swd(torch.zeros(4, 3, 32, 32), torch.zeros(4, 1, 32, 32))


def test_pyramid_sizes():
    assert pyramid_sizes(64, 64) == [(64, 64), (32, 32), (16, 16)]
    assert pyramid_sizes(16, 16) == [(16, 16)]
    assert pyramid_sizes(33, 33) == [(33, 33), (17, 17)]


def _reference_blur(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=x.dtype) / 16
    kernel = (gain * k[:, None] * k[None, :]).view(1, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), kernel)


@pytest.mark.parametrize("size", [32, 33])
def test_laplacian_pyramid_matches_a_direct_convolution_and_reconstructs(size):
    image = torch.rand(1, 1, size, size, generator=torch.Generator().manual_seed(0))
    stack = image[0].permute(1, 2, 0).numpy().copy()  # (H, W, 1)
    fine, coarse = laplacian_pyramid(stack, 2)
    down = _reference_blur(image)[..., ::2, ::2]
    up = torch.zeros(1, 1, 2 * down.shape[-2], 2 * down.shape[-1])
    up[..., ::2, ::2] = down
    up = _reference_blur(up, gain=4.0)[..., :size, :size]
    np.testing.assert_allclose(coarse[..., 0], down[0, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(fine[..., 0], (image - up)[0, 0].numpy(), atol=1e-5)


def test_sliced_wasserstein_of_a_shift_in_2d():
    points = np.random.default_rng(0).standard_normal((5000, 2)).astype(np.float32)
    shift = np.array([3.0, 4.0], dtype=np.float32)
    # E|theta . s| over unit directions in 2D is |s| * 2 / pi
    value = sliced_wasserstein(points, points + shift, 8, 128)
    assert value == pytest.approx(5 * 2 / math.pi, rel=0.03)
    assert sliced_wasserstein(points, points) == 0.0


def test_a_reference_cut_once_scores_like_swd_every_time():
    a = smooth_images(200, 0)
    reference = SwdReference(a, max_descriptors=4096, seed=2)
    # 20 images give fewer descriptors than 4096: the reference cuts its own again at that count
    for other in (smooth_images(200, 1), noise_images(200, 3), smooth_images(20, 4)):
        assert reference.score(other) == swd(a, other, max_descriptors=4096, seed=2)
    again = smooth_images(200, 1)  # the cached descriptors are not changed by scoring
    assert reference.score(again) == swd(a, again, 128, 4096, seed=2)
    with pytest.raises(ValueError, match="equal C, H, W"):
        reference.score(noise_images(10, 0, channels=1))


def test_a_reference_rebuilt_from_its_descriptors_scores_the_same():
    a, b = smooth_images(200, 0), smooth_images(200, 1)
    reference = SwdReference(a, max_descriptors=4096, seed=2)
    expected = reference.score(b)
    rebuilt = SwdReference.from_descriptors(
        reference.shape, reference.descriptors, max_descriptors=4096, seed=2
    )
    assert rebuilt.images is None and rebuilt.score(b) == expected
    # a smaller set needs descriptors at another count, which only the images could give
    with pytest.raises(ValueError, match="build it from the images"):
        rebuilt.score(smooth_images(20, 4))

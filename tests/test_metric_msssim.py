import pytest
import torch

from ganbench.metrics.msssim import ms_ssim_diversity, msssim_settings


@pytest.mark.parametrize(
    ("size", "expected"),
    [(16, (2, 7)), (28, (3, 7)), (32, (3, 7)), (64, (4, 7)), (128, (5, 7)), (256, (5, 11))],
)
def test_settings_fit_small_images(size, expected):
    assert msssim_settings(size, size) == expected


def test_tiny_images():
    assert msssim_settings(8, 8) == (1, 7)
    with pytest.raises(ValueError):
        msssim_settings(2, 2)


@pytest.mark.parametrize(("channels", "size"), [(1, 28), (3, 32), (3, 64)])
def test_copies_of_one_image_score_one_and_noise_scores_low(channels, size):
    g = torch.Generator().manual_seed(0)
    one = torch.rand(1, channels, size, size, generator=g) * 2 - 1
    copies = ms_ssim_diversity(one.repeat(8, 1, 1, 1), pairs=20)
    assert copies["ms_ssim"] == pytest.approx(1.0, abs=1e-4)
    assert (copies["scales"], copies["kernel"]) == msssim_settings(size, size)
    noise = ms_ssim_diversity(torch.rand(50, channels, size, size, generator=g) * 2 - 1, pairs=50)
    assert noise["ms_ssim"] < 0.2 and noise["pairs"] == 50


def test_less_diverse_sets_score_higher_and_seeding():
    g = torch.Generator().manual_seed(1)
    base = torch.rand(1, 1, 28, 28, generator=g) * 2 - 1
    near_copies = (base + 0.2 * torch.randn(40, 1, 28, 28, generator=g)).clamp(-1, 1)
    varied = torch.rand(40, 1, 28, 28, generator=g) * 2 - 1
    low = ms_ssim_diversity(varied, pairs=60)["ms_ssim"]
    high = ms_ssim_diversity(near_copies, pairs=60)["ms_ssim"]
    assert high > low + 0.2
    assert ms_ssim_diversity(varied, pairs=60, seed=5) == ms_ssim_diversity(varied, 60, seed=5)


def test_overrides_and_errors():
    x = torch.rand(4, 1, 64, 64) * 2 - 1
    m = ms_ssim_diversity(x, pairs=4, scales=3, kernel=5)
    assert (m["scales"], m["kernel"]) == (3, 5)
    with pytest.raises(ValueError):
        ms_ssim_diversity(x[:1], pairs=4)

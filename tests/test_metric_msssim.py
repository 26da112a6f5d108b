import pytest
import torch
from torchmetrics.functional.image import multiscale_structural_similarity_index_measure

from ganbench.metrics.msssim import BETAS, MAX_KERNEL, ms_ssim, ms_ssim_diversity, msssim_settings


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


@pytest.mark.parametrize(
    ("channels", "height", "width"),
    [(1, 8, 8), (1, 28, 28), (3, 32, 32), (3, 64, 64), (3, 48, 64), (1, 256, 256)],
)
def test_matches_torchmetrics(channels, height, width):
    """The matrix-product blur computes torchmetrics' MS-SSIM, pair by pair, on images that
    share structure (a blurred common part plus noise) as generated sets do."""
    g = torch.Generator().manual_seed(2)
    common = torch.nn.functional.avg_pool2d(
        torch.rand(1, channels, height, width, generator=g), 3, 1, 1
    )
    x = (0.7 * common + 0.3 * torch.rand(6, channels, height, width, generator=g)).clamp(0, 1)
    y = (0.7 * common + 0.3 * torch.rand(6, channels, height, width, generator=g)).clamp(0, 1)
    scales, kernel = msssim_settings(height, width)
    betas = tuple(b / sum(BETAS[:scales]) for b in BETAS[:scales])
    sigma = 1.5 * kernel / MAX_KERNEL
    expected = multiscale_structural_similarity_index_measure(
        x, y, sigma=sigma, kernel_size=kernel, data_range=1.0, betas=betas,
        normalize="relu", reduction="none",
    )  # fmt: skip
    assert expected.min() > 0.05  # not a degenerate comparison of zeros
    assert torch.allclose(ms_ssim(x, y, betas, sigma), expected, atol=1e-5)


def test_overrides_that_do_not_fit_the_images_are_refused():
    x = torch.rand(4, 3, 28, 28) * 2 - 1
    for scales, kernel in ((5, 7), (4, 11), (3, 6)):
        with pytest.raises(ValueError, match=r"scales|kernel"):
            ms_ssim_diversity(x, pairs=4, scales=scales, kernel=kernel)
    double = ms_ssim(x[:2].double().add(1).div(2), x[2:].double().add(1).div(2), (1.0,), 1.0)
    assert double.dtype == torch.float64 and double.shape == (2,)


def test_pairs_among_a_subset_equal_the_subset_copied():
    images = torch.rand(40, 3, 32, 32) * 2 - 1
    among = torch.tensor([3, 7, 8, 20, 21, 33, 39])
    kept = ms_ssim_diversity(images, pairs=15, seed=2, among=among)
    copied = ms_ssim_diversity(images[among], pairs=15, seed=2)
    assert kept == copied
    assert kept != ms_ssim_diversity(images, pairs=15, seed=2)
    with pytest.raises(ValueError, match="N >= 2"):
        ms_ssim_diversity(images, among=torch.tensor([5]))

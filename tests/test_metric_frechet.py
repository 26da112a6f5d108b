import numpy as np
import pytest
import torch
from torchmetrics.image.fid import FrechetInceptionDistance

from ganbench.metrics import frechet
from ganbench.metrics.frechet import (
    frechet_distance,
    frechet_distance_from_statistics,
    gaussian_statistics,
)


class Features(torch.nn.Module):
    """Feeds pre-computed features through torchmetrics unchanged."""

    def __init__(self, dim: int):
        super().__init__()
        self.num_features = dim

    def forward(self, x):
        return x


def test_identical_sets_give_zero():
    x = np.random.default_rng(0).standard_normal((500, 8))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_diagonal_gaussians_by_hand():
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([3.0, -1.0, 2.0])
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    assert expected == 13 + 4 + 1
    got = frechet_distance_from_statistics(mu_a, np.diag(var_a), mu_b, np.diag(var_b))
    assert got == pytest.approx(expected)

    rng = np.random.default_rng(1)
    a = mu_a + np.sqrt(var_a) * rng.standard_normal((40_000, 3))
    b = mu_b + np.sqrt(var_b) * rng.standard_normal((40_000, 3))
    assert frechet_distance(a, b) == pytest.approx(expected, rel=0.02)


def test_statistics():
    x = torch.randn(100, 5, generator=torch.Generator().manual_seed(0))
    mu, sigma = gaussian_statistics(x)
    np.testing.assert_allclose(mu, x.double().mean(0).numpy())
    np.testing.assert_allclose(sigma, np.cov(x.double().numpy(), rowvar=False))
    assert mu.dtype == sigma.dtype == np.float64


def test_biased_upwards_and_shrinking_with_sample_count():
    def mean_fd(n):
        values = []
        for seed in range(3):
            rng = np.random.default_rng(seed)
            values.append(frechet_distance(*rng.standard_normal((2, n, 16))))
        return np.mean(values)

    small, medium, large = mean_fd(100), mean_fd(1000), mean_fd(10_000)
    assert small > medium > large > 0


def test_matches_torchmetrics():
    rng = np.random.default_rng(2)
    a = torch.from_numpy(rng.standard_normal((400, 6)))
    b = torch.from_numpy(1.5 * rng.standard_normal((300, 6)) + 0.3)
    metric = FrechetInceptionDistance(feature=Features(6))
    metric.update(a, real=True)
    metric.update(b, real=False)
    assert frechet_distance(a, b) == pytest.approx(metric.compute().item(), rel=1e-6)


def test_rank_deficient_covariances():
    rng = np.random.default_rng(3)
    a = np.zeros((50, 4))
    a[:, 0] = rng.standard_normal(50)  # rank-1 covariances
    b = np.zeros((50, 4))
    b[:, 1] = rng.standard_normal(50)
    value = frechet_distance(a, b)
    assert np.isfinite(value)
    expected = np.var(a[:, 0], ddof=1) + np.var(b[:, 1], ddof=1) + 0  # means are ~0
    assert value == pytest.approx(expected + np.sum((a.mean(0) - b.mean(0)) ** 2), abs=1e-2)


def test_non_finite_square_root_retries_with_eps(monkeypatch):
    calls = []

    def fake_sqrtm(a):
        calls.append(a.copy())
        return np.full_like(a, np.inf) if len(calls) == 1 else np.eye(len(a))

    monkeypatch.setattr(frechet, "_sqrtm", fake_sqrtm)
    value = frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))
    assert value == pytest.approx(0.0)
    np.testing.assert_allclose(calls[1], (1 + frechet.SQRTM_EPS) ** 2 * np.eye(2))


def test_large_imaginary_part_raises(monkeypatch):
    monkeypatch.setattr(frechet, "_sqrtm", lambda a: np.eye(len(a)) * (1 + 0.1j))
    with pytest.raises(ValueError, match="imaginary"):
        frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))
    monkeypatch.setattr(frechet, "_sqrtm", lambda a: np.eye(len(a)) * (1 + 1e-9j))
    assert frechet_distance_from_statistics(
        np.zeros(2), np.eye(2), np.zeros(2), np.eye(2)
    ) == pytest.approx(0.0)


def test_input_errors():
    with pytest.raises(ValueError, match="N >= 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="do not match"):
        frechet_distance(np.zeros((4, 3)), np.zeros((5, 2)))

import numpy as np
import pytest
import torch
from torchmetrics.image.kid import KernelInceptionDistance

from ganbench.metrics.kid import kernel_distance, mmd2_unbiased, polynomial_kernel


class Features(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.num_features = dim

    def forward(self, x):
        return x


def test_identical_and_same_distribution_sets_give_about_zero():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 500, 64))
    shifted = kernel_distance(x, y + 0.3, subsets=20, subset_size=100)["mean"]
    # the same set: a point drawn into both subsets adds k(x, x) to the cross term only
    same = kernel_distance(x, x, subsets=20, subset_size=100)
    assert abs(same["mean"]) < 0.15 * shifted
    assert same["subsets"] == 20 and same["subset_size"] == 100
    fresh = kernel_distance(x, y, subsets=20, subset_size=100)
    assert abs(fresh["mean"]) < 3 * fresh["std"] / np.sqrt(20) < 0.05 * shifted


def test_unbiased_for_small_samples_of_one_distribution():
    rng = np.random.default_rng(1)
    values = np.array([mmd2_unbiased(*rng.standard_normal((2, 10, 4))) for _ in range(400)])
    assert (values < 0).mean() > 0.3  # a U-statistic: single estimates go negative
    assert abs(values.mean()) < 3 * values.std() / np.sqrt(len(values))


def test_different_distributions_give_a_clear_positive():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((300, 8))
    b = rng.standard_normal((300, 8)) + 1.0
    m = kernel_distance(a, b, subsets=10, subset_size=100)
    assert m["mean"] > 10 * m["std"] > 0


def test_subset_size_shrinks_to_the_smaller_set():
    rng = np.random.default_rng(3)
    m = kernel_distance(rng.standard_normal((30, 4)), rng.standard_normal((50, 4)), subsets=5)
    assert m["subset_size"] == 30
    with pytest.raises(ValueError):
        kernel_distance(np.zeros((1, 4)), np.zeros((5, 4)))


def test_seeded():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2, 100, 4))
    assert kernel_distance(a, b, 5, 50, seed=1) == kernel_distance(a, b, 5, 50, seed=1)
    assert kernel_distance(a, b, 5, 50, seed=1) != kernel_distance(a, b, 5, 50, seed=2)


def test_direct_formula():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 6, 3))
    k = lambda u, v: (u @ v / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / 30
    yy = sum(k(y[i], y[j]) for i in range(6) for j in range(6) if i != j) / 30
    xy = sum(k(x[i], y[j]) for i in range(6) for j in range(6)) / 36
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy)
    assert polynomial_kernel(x, y).shape == (6, 6)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_matches_torchmetrics_with_whole_sets_as_subsets():
    rng = np.random.default_rng(6)
    a = torch.from_numpy(rng.standard_normal((120, 5)))
    b = torch.from_numpy(rng.standard_normal((120, 5)) * 1.2 + 0.2)
    metric = KernelInceptionDistance(feature=Features(5), subsets=3, subset_size=120)
    metric.update(a, real=True)
    metric.update(b, real=False)
    reference, _ = metric.compute()
    m = kernel_distance(a, b, subsets=3, subset_size=120)
    assert m["mean"] == pytest.approx(reference.item(), rel=1e-6)
    assert m["std"] == pytest.approx(0.0, abs=1e-9)

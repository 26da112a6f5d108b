import math

import numpy as np
import pytest
import torch
from torchmetrics.image.inception import InceptionScore

from ganbench.metrics.classes import (
    class_histogram,
    class_metrics,
    confident_share,
    inception_score,
    kl_divergence,
    modes_covered,
    stacked_channel_breakdown,
)


def one_hot(labels, k):
    return np.eye(k)[np.asarray(labels)]


def test_one_class_generator_by_hand():
    probs = one_hot([0] * 50, 10)
    m = class_metrics(probs, np.full(10, 0.1))
    assert m["modes_covered"] == 1 and m["modes_total"] == 10 and m["samples"] == 50
    assert m["kl_forward"] == pytest.approx(math.log(10))
    # the real classes missing from the generated histogram cost log(0.1 / eps) each
    q_missing = 1e-10 / (1 + 9e-10)
    q_present = 1 / (1 + 9e-10)
    expected = 0.1 * math.log(0.1 / q_present) + 0.9 * math.log(0.1 / q_missing)
    assert m["kl_reverse"] == pytest.approx(expected)
    assert m["inception_score"] == pytest.approx(1.0)
    assert m["confident_share"] == 1.0
    assert m["confident_share_per_class"] == [1.0] + [None] * 9
    assert m["histogram"] == [1.0] + [0.0] * 9


def test_perfect_uniform_generator():
    probs = one_hot(np.arange(100) % 10, 10)
    m = class_metrics(probs, np.full(10, 0.1))
    assert m["modes_covered"] == 10
    assert m["kl_forward"] == pytest.approx(0.0, abs=1e-12)
    assert m["kl_reverse"] == pytest.approx(0.0, abs=1e-12)
    # every split of 10 consecutive samples holds each class once: IS = 10 exactly
    assert m["inception_score"] == pytest.approx(10.0)
    assert m["inception_score_std"] == pytest.approx(0.0, abs=1e-9)


def test_histogram_and_modes_covered_forms():
    probs = np.array([[0.7, 0.2, 0.1, 0.0], [0.1, 0.8, 0.1, 0.0], [0.6, 0.3, 0.1, 0.0]])
    hist = class_histogram(torch.tensor(probs))
    np.testing.assert_allclose(hist, [2 / 3, 1 / 3, 0, 0])
    assert modes_covered(hist) == 2
    assert modes_covered(np.array([0, 0, 1, 3])) == 3  # labels
    assert modes_covered(np.array([0, 0, 1, 3]), min_count=2) == 1
    assert modes_covered(np.array([5.0, 1.0, 0.0])) == 2  # counts
    assert modes_covered(np.array([5.0, 1.0, 0.0]), min_count=2) == 1
    assert modes_covered(np.array([0.5, 0.1, 0.4]), min_count=3, samples=10) == 2  # shares


def test_kl_divergence():
    assert kl_divergence([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0)
    assert kl_divergence([1, 3], [1, 1]) == pytest.approx(
        0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    )
    assert math.isfinite(kl_divergence([0.5, 0.5], [1.0, 0.0]))
    with pytest.raises(ValueError):
        kl_divergence([1, 0], [1, 0, 0])


def test_confident_share_per_class():
    probs = np.array([[0.95, 0.05, 0.0], [0.6, 0.4, 0.0], [0.05, 0.95, 0.0]])
    np.testing.assert_allclose(confident_share(probs, 0.9), [0.5, 1.0, np.nan])


def test_inception_score_by_hand():
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    py = probs.mean(0)
    kl = (probs * np.log(probs / py)).sum(1)
    mean, std = inception_score(probs, splits=1)
    assert mean == pytest.approx(math.exp(kl.mean())) and std == 0.0
    mean, std = inception_score(one_hot([0, 1, 0, 1], 2), splits=2)
    assert (mean, std) == (pytest.approx(2.0), pytest.approx(0.0))
    with pytest.raises(ValueError):
        inception_score(probs, splits=3)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_inception_score_matches_torchmetrics():
    logits = torch.randn(300, 7, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

    class Logits(torch.nn.Module):
        num_features = 7

        def forward(self, x):
            return x

    metric = InceptionScore(feature=Logits(), splits=1)
    metric.update(logits)
    reference, _ = metric.compute()
    mean, _ = inception_score(logits.softmax(1), splits=1)
    assert mean == pytest.approx(reference.item(), rel=1e-6)


def test_rejects_non_probabilities():
    with pytest.raises(ValueError, match="softmax"):
        class_histogram(np.array([[2.0, -1.0]]))
    with pytest.raises(ValueError):
        class_metrics(one_hot([0], 3), [0.5, 0.5])


def test_stacked_channel_breakdown_separates_unclear_digits_from_tied_channels():
    uniform = np.full(1000, 1e-3)
    exact = stacked_channel_breakdown(uniform, uniform)
    assert all(v == pytest.approx(0.0, abs=1e-12) for v in exact.values())

    # the red channel's doubt piles onto 8 and 9: only its term grows, and the terms add up
    red = np.full(10, 0.05)
    red[8] = red[9] = 0.3
    skewed = np.einsum("a,b,c->abc", red, np.full(10, 0.1), np.full(10, 0.1)).ravel()
    parts = stacked_channel_breakdown(skewed, uniform)
    assert parts["kl_forward_r"] == pytest.approx(kl_divergence(red, np.full(10, 0.1)))
    assert parts["kl_forward_g"] == pytest.approx(0.0, abs=1e-12)
    assert parts["kl_dependence"] == pytest.approx(0.0, abs=1e-12)
    assert sum(parts.values()) == pytest.approx(kl_divergence(skewed, uniform))

    # green always equals red: uniform channels, all the KL in the dependence term
    tied = np.zeros((10, 10, 10))
    for digit in range(10):
        tied[digit, digit, :] = 0.01
    parts = stacked_channel_breakdown(tied.ravel(), uniform)
    assert max(parts[f"kl_forward_{c}"] for c in "rgb") == pytest.approx(0.0, abs=1e-12)
    assert parts["kl_dependence"] == pytest.approx(np.log(10))

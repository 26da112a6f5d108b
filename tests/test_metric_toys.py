import math

import numpy as np
import pytest
import torch

from ganbench.metrics.toys import nearest_centres, reverse_kl, toy_metrics


def ring(k: int = 8, radius: float = 1.0) -> np.ndarray:
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def test_exact_centres_cover_every_mode_with_zero_reverse_kl():
    centres = ring()
    points = np.repeat(centres, 10, axis=0)
    m = toy_metrics(points, centres, std=0.01)
    assert m == {
        "modes_covered": 8,
        "modes_total": 8,
        "high_quality": 1.0,
        "reverse_kl": pytest.approx(0.0, abs=1e-12),
        "samples": 80,
    }


def test_accepts_tensors():
    centres = torch.tensor(ring())
    m = toy_metrics(centres.float(), centres, std=0.01)
    assert m["modes_covered"] == 8 and m["high_quality"] == 1.0


def test_uniform_noise_has_a_low_high_quality_share():
    rng = np.random.default_rng(0)
    points = rng.uniform(-1.5, 1.5, size=(2500, 2))
    m = toy_metrics(points, ring(), std=0.01)
    # 8 discs of radius 0.03 cover 8 * pi * 0.03^2 / 9 ~ 0.25% of the square
    assert m["high_quality"] < 0.01
    assert m["samples"] == 2500


def test_one_mode_generator():
    centres = ring()
    rng = np.random.default_rng(1)
    points = centres[3] + 0.01 * rng.standard_normal((1000, 2))
    m = toy_metrics(points, centres, std=0.01)
    assert m["modes_covered"] == 1
    assert m["high_quality"] > 0.97  # P(chi_2 < 3) = 1 - exp(-4.5) ~ 0.989
    assert m["reverse_kl"] == pytest.approx(math.log(8))


def test_reverse_kl_by_hand_with_two_modes_and_misses():
    centres = ring(4)
    points = np.concatenate([np.repeat(centres[:1], 3, 0), centres[1:2], [[5.0, 5.0]]])
    m = toy_metrics(points, centres, std=0.1)
    assert m["modes_covered"] == 2
    assert m["high_quality"] == pytest.approx(4 / 5)
    expected = 0.75 * math.log(0.75 * 4) + 0.25 * math.log(0.25 * 4)
    assert m["reverse_kl"] == pytest.approx(expected)


def test_no_high_quality_samples_gives_infinite_reverse_kl():
    m = toy_metrics(np.full((10, 2), 10.0), ring(), std=0.01)
    assert m["modes_covered"] == 0 and m["high_quality"] == 0.0
    assert m["reverse_kl"] == math.inf


def test_reverse_kl_with_reference_weights():
    assert reverse_kl([1, 1], weights=[1, 1]) == pytest.approx(0.0)
    assert reverse_kl([3, 1], weights=[3, 1]) == pytest.approx(0.0)
    assert reverse_kl([1, 1], weights=[0.25, 0.75]) == pytest.approx(
        0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    )
    assert reverse_kl([1, 1], weights=[1, 0]) == math.inf
    assert reverse_kl([1, 0], weights=[1, 0]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        reverse_kl([1, 1], weights=[1, 1, 1])


def test_threshold_scales_with_std():
    centres = ring()
    points = centres[:1] + np.array([[0.05, 0.0]])
    assert toy_metrics(points, centres, std=0.01)["high_quality"] == 0.0
    assert toy_metrics(points, centres, std=0.01, threshold=6.0)["high_quality"] == 1.0


def test_nearest_centres_shapes():
    idx, dist = nearest_centres(np.array([[0.9, 0.1]]), ring(4))
    assert idx.tolist() == [0]
    assert dist[0] == pytest.approx(math.hypot(0.1, 0.1))
    with pytest.raises(ValueError):
        nearest_centres(np.zeros((3, 3)), ring(4))

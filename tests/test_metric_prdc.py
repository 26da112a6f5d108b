import numpy as np
import prdc as prdc_package
import pytest
import torch

from ganbench.metrics import prdc as prdc_module
from ganbench.metrics.prdc import (
    PrdcReference,
    density_coverage,
    knn_radii,
    prdc,
    precision_recall,
)


def gaussians(seed: int, n_real: int = 400, n_fake: int = 300, d: int = 16, shift: float = 0.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_real, d)), rng.standard_normal((n_fake, d)) + shift


def test_identical_sets():
    x, _ = gaussians(0)
    pr = precision_recall(x, x)
    assert pr == {"precision": 1.0, "recall": 1.0, "k": 3}
    dc = density_coverage(x, x)
    assert dc["coverage"] == 1.0 and dc["k"] == 5
    assert 0.8 < dc["density"] < 1.3


@pytest.mark.parametrize("shift", [0.0, 0.7])
def test_matches_the_prdc_package(shift):
    real, fake = gaussians(1, shift=shift)
    ref3 = prdc_package.compute_prdc(real, fake, nearest_k=3)
    ref5 = prdc_package.compute_prdc(real, fake, nearest_k=5)
    pr = precision_recall(real, fake, k=3)
    dc = density_coverage(torch.from_numpy(real), torch.from_numpy(fake), k=5)
    assert pr["precision"] == pytest.approx(ref3["precision"])
    assert pr["recall"] == pytest.approx(ref3["recall"])
    assert dc["density"] == pytest.approx(ref5["density"])
    assert dc["coverage"] == pytest.approx(ref5["coverage"])


def test_disjoint_sets():
    real, fake = gaussians(2, shift=20.0)
    m = prdc(real, fake)
    assert m["precision"] == m["recall"] == m["density"] == m["coverage"] == 0.0


def test_one_mode_generator_keeps_precision_but_loses_recall_and_coverage():
    rng = np.random.default_rng(3)
    centres = 10 * np.eye(8)
    real = np.repeat(centres, 100, 0) + rng.standard_normal((800, 8))
    fake = centres[0] + rng.standard_normal((800, 8))
    m = prdc(real, fake)
    assert m["precision"] > 0.7 and m["recall"] < 0.2 and m["coverage"] < 0.2


def test_chunking_does_not_change_results(monkeypatch):
    real, fake = gaussians(4, shift=0.3)
    whole = prdc(real, fake)
    monkeypatch.setattr(prdc_module, "CHUNK_ELEMENTS", 20_000)
    assert prdc(real, fake) == whole


def test_knn_radii():
    x = torch.tensor([[0.0], [1.0], [3.0], [7.0]], dtype=torch.float64)
    assert knn_radii(x, 1).tolist() == [1.0, 1.0, 4.0, 16.0]  # squared
    assert knn_radii(x, 2).tolist() == [9.0, 4.0, 9.0, 36.0]
    with pytest.raises(ValueError):
        knn_radii(x, 4)
    with pytest.raises(ValueError):
        precision_recall(np.zeros((5, 2)), np.zeros((5, 3)))


def test_a_reference_keeps_its_radii_and_scores_like_prdc():
    real, fake = gaussians(3)
    reference = PrdcReference(real)
    for other in (fake, gaussians(4, shift=0.5)[1], real[::-1].copy()):
        expected = prdc(real, other)
        got = reference.score(other)
        assert got.keys() == expected.keys()
        assert got == expected  # bit for bit, ties at a radius included
    radii = reference.radii
    reference.score(fake)
    assert reference.radii is radii  # computed once
    given = PrdcReference(real, radii=radii)  # radii kept from before: the same numbers
    assert given.score(fake) == prdc(real, fake)
    with pytest.raises(ValueError, match="one value per point"):
        PrdcReference(real, radii={3: radii[3][:-1], 5: radii[5]})
    with pytest.raises(ValueError, match="one value per point"):
        PrdcReference(real, radii={3: radii[3]})
    with pytest.raises(ValueError, match="dimensions differ"):
        reference.score(np.zeros((5, 3)))

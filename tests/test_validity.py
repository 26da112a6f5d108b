import numpy as np
import pytest
import torch

from ganbench.config import DataConfig
from ganbench.data.build import build_dataset
from ganbench.data.dataset import to_float
from ganbench.errors import EvaluationError
from ganbench.metrics.validity import count_models, shape_validity

CFG = DataConfig(image_size=32)


@pytest.fixture(scope="module")
def real() -> tuple[torch.Tensor, torch.Tensor]:
    data = build_dataset(CFG, seed=31, size=240)
    return data.images, data.labels


def test_real_shapes_are_valid(real):
    images, labels = real
    result = shape_validity(images, labels, CFG)
    assert result["n"] == 240
    assert result["valid"] >= 0.9
    assert set(result["per_class"]) == set(CFG.class_names)
    assert all(share >= 0.85 for share in result["per_class"].values())
    for name, (low, high) in result["accepted"].items():
        spec_low, spec_high = CFG.shape_spec(name).count
        assert low <= spec_low <= spec_high <= high
    happy = [n for n, k in zip(result["recovered"], labels.tolist(), strict=True) if k == 0]
    assert np.mean(np.array(happy) == 5) >= 0.8  # happy draws exactly five circles


def test_float_images_give_the_same_answer_as_uint8(real):
    images, labels = real
    assert shape_validity(to_float(images[:40]), labels[:40], CFG) == shape_validity(
        images[:40], labels[:40], CFG
    )


def test_noise_and_blank_images_are_invalid(real):
    labels = real[1]
    generator = torch.Generator().manual_seed(0)
    noise = torch.rand(len(labels), 3, 32, 32, generator=generator) * 2 - 1
    assert shape_validity(noise, labels, CFG)["valid"] <= 0.05
    blank = torch.ones(len(labels), 3, 32, 32)  # the white background alone
    result = shape_validity(blank, labels, CFG)
    assert result["valid"] == 0.0 and set(result["recovered"]) == {0}
    dark = -torch.ones(len(labels), 3, 32, 32)  # one big blob
    assert shape_validity(dark, labels, CFG)["valid"] == 0.0


def test_monochrome_shapes_are_counted_too():
    cfg = DataConfig(image_size=32, monochrome=True, classes=["happy", "joyful"])
    data = build_dataset(cfg, seed=3, size=80)
    assert shape_validity(data.images, data.labels, cfg)["valid"] >= 0.9
    assert len(count_models(cfg)) == 2


def test_classes_without_images_report_none_and_bad_inputs_are_refused(real):
    images, labels = real
    result = shape_validity(images[labels == 0], labels[labels == 0], CFG)
    assert result["per_class"]["angry"] is None and result["per_class"]["happy"] is not None
    with pytest.raises(EvaluationError, match="source=shapes"):
        shape_validity(images, labels, DataConfig(source="digits"))
    with pytest.raises(EvaluationError, match="class indices"):
        shape_validity(images[:2], torch.tensor([0, 9]), CFG)
    with pytest.raises(EvaluationError, match="N labels"):
        shape_validity(images[:3], labels[:2], CFG)

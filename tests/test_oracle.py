import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch

from ganbench.config import DataConfig
from ganbench.data.build import build_dataset
from ganbench.data.catalogue import BUILTIN_CLASSES
from ganbench.data.dataset import to_float
from ganbench.errors import EvaluationError
from ganbench.metrics import oracle as oracle_module
from ganbench.metrics.evaluate import evaluate
from ganbench.metrics.oracle import (
    Oracle,
    StackedDigitsOracle,
    content_settings,
    load_oracle,
    oracle_root,
    train_settings,
)

SHAPES = DataConfig(image_size=32)
SMALL = train_settings("shapes", train_size=600, test_size=400)
DIGITS_SMALL = train_settings("digits", epochs=6)
STACKED = DataConfig(source="stacked_digits", image_size=16)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("oracle-cache")


@pytest.fixture(scope="module")
def shapes_oracle(cache: Path) -> Oracle:
    return load_oracle(SHAPES, seed=0, cache_dir=cache, training=SMALL)


@pytest.fixture(scope="module")
def held_out() -> tuple[torch.Tensor, torch.Tensor]:
    real = build_dataset(SHAPES, seed=4242, size=200)
    return real.images, real.labels


def _files(cache: Path, source: str = "shapes") -> tuple[Path, Path]:
    weights = sorted(oracle_root(cache).glob(f"{source}-*.safetensors"))
    assert len(weights) == 1
    return weights[0], weights[0].with_suffix(".json")


def test_shapes_oracle_passes_its_gate_and_classifies_held_out_shapes(shapes_oracle, held_out):
    images, labels = held_out
    assert shapes_oracle.trained
    assert shapes_oracle.accuracy >= oracle_module.GATES["shapes"][0]
    assert shapes_oracle.class_names == SHAPES.class_names
    assert shapes_oracle.name.startswith("oracle-shapes-")
    predicted = shapes_oracle.predict(images)
    assert (predicted == labels).float().mean() >= 0.95


def test_features_and_probabilities_have_the_promised_shapes_and_are_deterministic(
    shapes_oracle, held_out
):
    images = held_out[0][:40]
    floats = to_float(images)
    features = shapes_oracle.features(floats)
    assert features.shape == (40, shapes_oracle.feature_dim) and features.dtype == torch.float32
    assert torch.equal(features, shapes_oracle.features(floats))
    assert torch.allclose(features, shapes_oracle.features(images), atol=1e-6)  # uint8 input
    assert torch.allclose(features, shapes_oracle.features(floats, batch_size=7), atol=1e-5)
    with torch.no_grad():  # channels-last batches: the network's own answer on plain tensors
        plain, _ = shapes_oracle.net.forward_both(floats.contiguous())
    assert torch.allclose(features, plain, atol=1e-5)
    probs = shapes_oracle.probabilities(floats)
    assert probs.shape == (40, len(SHAPES.class_names))
    assert torch.allclose(probs.sum(1), torch.ones(40), atol=1e-5)
    assert not shapes_oracle.net.training


def test_images_of_another_size_are_refused(shapes_oracle):
    with pytest.raises(EvaluationError, match="3x32x32"):
        shapes_oracle.features(torch.zeros(2, 3, 64, 64))


def test_cache_round_trip_reads_instead_of_training(shapes_oracle, cache, held_out):
    again = load_oracle(SHAPES, seed=0, cache_dir=cache, training=SMALL)
    assert not again.trained
    assert again.checksum == shapes_oracle.checksum and again.accuracy == shapes_oracle.accuracy
    assert torch.equal(again.features(held_out[0][:8]), shapes_oracle.features(held_out[0][:8]))
    weights, record = _files(cache)
    meta = json.loads(record.read_text())
    assert meta["checksum"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert meta["class_names"] == SHAPES.class_names
    assert meta["version"] == oracle_module.ORACLE_VERSION
    assert meta["accuracy"] == shapes_oracle.accuracy and meta["data_digest"]
    # visit-only settings share the cache entry
    visit = SHAPES.model_copy(update={"sampler": "grouped", "flip": True, "size": 100})
    assert not load_oracle(visit, seed=0, cache_dir=cache, training=SMALL).trained


def test_a_corrupted_weights_file_is_detected_and_retrained_identically(
    shapes_oracle, cache, tmp_path
):
    weights, record = _files(cache)
    own = oracle_root(tmp_path)
    own.mkdir(parents=True)
    shutil.copy(weights, own / weights.name)
    shutil.copy(record, own / record.name)
    damaged = bytearray((own / weights.name).read_bytes())
    damaged[-5] ^= 0xFF
    (own / weights.name).write_bytes(bytes(damaged))
    with pytest.warns(RuntimeWarning, match="sha256"):
        retrained = load_oracle(SHAPES, seed=0, cache_dir=tmp_path, training=SMALL)
    assert retrained.trained
    assert retrained.checksum == shapes_oracle.checksum  # training is deterministic
    assert not load_oracle(SHAPES, seed=0, cache_dir=tmp_path, training=SMALL).trained


def test_the_gate_refuses_a_weak_oracle(shapes_oracle, cache, monkeypatch):
    monkeypatch.setitem(oracle_module.GATES, "shapes", (1.01, "a test gate"))
    with pytest.raises(EvaluationError, match=r"shapes oracle .* below its gate of 1\.01"):
        load_oracle(SHAPES, seed=0, cache_dir=cache, training=SMALL)


def test_an_impossible_task_fails_the_gate_and_is_not_cached(tmp_path):
    twin = BUILTIN_CLASSES["happy"]
    cfg = DataConfig(image_size=16, classes=["a", "b"], custom_classes={"a": twin, "b": twin})
    with pytest.raises(EvaluationError, match="accuracy"):
        load_oracle(
            cfg,
            cache_dir=tmp_path,
            training=train_settings("shapes", train_size=128, test_size=200, epochs=1),
        )
    assert not list(oracle_root(tmp_path).glob("*.safetensors"))


def test_the_cache_key_follows_content_not_visiting():
    base = content_settings(SHAPES)
    visiting = SHAPES.model_copy(
        update={
            "sampler": "grouped",
            "flip": True,
            "workers": 2,
            "size": 10,
            "stream": True,
            "proportions": [1, 2, 3, 4],
            "cache": True,
        }
    )
    assert content_settings(visiting) == base
    assert content_settings(DataConfig(image_size=64)) != base
    assert content_settings(DataConfig(image_size=32, colour_jitter=0)) != base
    assert content_settings(DataConfig(image_size=32, classes=["happy", "sad"])) != base


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (DataConfig(source="ring"), "toy metrics"),
        (DataConfig(source="grid"), "toy metrics"),
        (DataConfig(classes=["happy"]), "at least 2 classes"),
    ],
)
def test_sources_without_classes_to_judge_are_refused(cfg, message, tmp_path):
    with pytest.raises(EvaluationError, match=message):
        load_oracle(cfg, cache_dir=tmp_path)


@pytest.fixture(scope="module")
def stacked_oracle(cache: Path) -> StackedDigitsOracle:
    oracle = load_oracle(STACKED, seed=0, cache_dir=cache, training=DIGITS_SMALL)
    assert isinstance(oracle, StackedDigitsOracle)
    return oracle


def test_stacked_digits_judges_each_channel_with_the_digits_oracle(stacked_oracle, cache):
    assert stacked_oracle.channel_accuracy >= oracle_module.GATES["digits"][0]
    assert stacked_oracle.accuracy >= oracle_module.GATES["stacked_digits"][0]
    assert len(stacked_oracle.class_names) == 1000
    test = build_dataset(STACKED.model_copy(update={"split": "test"}), seed=77, size=300)
    images = test.images
    triples = stacked_oracle.triple_labels(images)
    assert triples.shape == (300,) and triples.max() < 1000
    assert (triples == test.labels).float().mean() >= 0.85
    per_channel = stacked_oracle.channel_probabilities(images[:20])
    assert per_channel.shape == (20, 3, 10)
    probs = stacked_oracle.probabilities(images[:20])
    assert probs.shape == (20, 1000)
    assert torch.allclose(probs.sum(1), torch.ones(20), atol=1e-4)
    assert torch.equal(probs.argmax(1), triples[:20])
    assert torch.equal(stacked_oracle.predict(images[:20]), triples[:20])
    assert stacked_oracle.features(images[:20]).shape == (20, 3 * stacked_oracle.net.feature_dim)
    assert stacked_oracle.feature_dim == 3 * stacked_oracle.net.feature_dim
    # the digits oracle is shared through the cache, not retrained
    digits = load_oracle(
        DataConfig(source="digits", image_size=16), cache_dir=cache, training=DIGITS_SMALL
    )
    assert not digits.trained and digits.checksum == stacked_oracle.checksum


def test_stacked_digits_with_chosen_triples_renormalises_over_them(stacked_oracle, cache):
    cfg = STACKED.model_copy(update={"classes": ["123", "456", "789"]})
    subset = load_oracle(cfg, seed=0, cache_dir=cache, training=DIGITS_SMALL)
    assert subset.class_names == ["123", "456", "789"] and not subset.trained
    images = build_dataset(STACKED.model_copy(update={"split": "test"}), seed=5, size=8).images
    probs = subset.probabilities(images)
    assert probs.shape == (8, 3)
    assert torch.allclose(probs.sum(1), torch.ones(8), atol=1e-4)


def test_a_folder_with_two_classes_gets_an_oracle(tmp_path):
    from PIL import Image

    shapes = DataConfig(image_size=16, classes=["happy", "angry"])
    drawn = build_dataset(shapes, seed=8, size=120)
    for k, (image, label) in enumerate(zip(drawn.images, drawn.labels, strict=True)):
        folder = tmp_path / "images" / shapes.class_names[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(folder / f"{k}.png")
    cfg = DataConfig(source="folder", path=str(tmp_path / "images"), image_size=16)
    oracle = load_oracle(cfg, cache_dir=tmp_path / "cache", training=train_settings("folder"))
    assert oracle.class_names == ["angry", "happy"]
    assert oracle.meta["test_size"] == 24 and oracle.meta["train_size"] == 96
    assert oracle.accuracy >= oracle_module.GATES["folder"][0]


def test_evaluation_of_stacked_digits_says_where_the_kl_comes_from(stacked_oracle, cache):
    held_out = build_dataset(STACKED.model_copy(update={"split": "test"}), seed=9, size=1000)

    def real(n: int) -> torch.Tensor:
        return held_out.batch(0, n, 0)[0].float()

    def tied(n: int) -> torch.Tensor:  # red repeats green: clear digits, dependent channels
        images = real(n).clone()
        images[:, 0] = images[:, 1]
        return images

    scores = {
        name: evaluate(fn, STACKED, ["classes"], 1000, oracle=stacked_oracle, cache_dir=cache)
        for name, fn in (("real", real), ("tied", tied))
    }
    for result in scores.values():  # the floors carry the breakdown too
        assert set(result["floors"]["real_vs_real"]["classes"]["channels"]) == {
            "kl_forward_r", "kl_forward_g", "kl_forward_b", "kl_dependence",
        }  # fmt: skip
    honest = scores["real"]["metrics"]["classes"]["channels"]
    tied_up = scores["tied"]["metrics"]["classes"]["channels"]
    assert max(honest[f"kl_forward_{c}"] for c in "rgb") < 0.15
    assert max(tied_up[f"kl_forward_{c}"] for c in "rgb") < 0.15
    assert tied_up["kl_dependence"] > honest["kl_dependence"] + 1.0

"""evaluate(): values with their real-vs-real floor and noise reference; `ganbench evaluate`."""

import json
import math
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.errors import EvaluationError
from ganbench.metrics.evaluate import _real_sample, evaluate, flatten
from ganbench.metrics.oracle import load_oracle

SHAPES = load_config("shapes-conv", ["data.image_size=32"]).data


@pytest.fixture(scope="module")
def oracle_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("oracles")


def test_real_images_score_at_the_floor_and_noise_far_from_it(oracle_cache):
    def perfect(n):  # a disjoint real draw: the best a generator can do
        images, labels, _ = _real_sample(SHAPES, n, seed=99)
        return images, labels

    def one_class(n):
        images, labels, _ = _real_sample(SHAPES, 4 * n, seed=98)
        keep = (labels == 0).nonzero().flatten()[:n]
        return images[keep]

    good = evaluate(perfect, SHAPES, n=200, cache_dir=oracle_cache)
    bad = evaluate(one_class, SHAPES, n=200, cache_dir=oracle_cache)
    floor = good["floors"]["real_vs_real"]
    assert good["metrics"]["fd_oracle"] < 3 * floor["fd_oracle"] + 1e-3
    assert good["metrics"]["fd_oracle"] < 0.1 * good["floors"]["noise"]["fd_oracle"]
    assert good["metrics"]["classes"]["modes_covered"] == 4
    assert good["metrics"]["conditional_accuracy"] > 0.95
    assert bad["metrics"]["classes"]["modes_covered"] == 1
    # one class generated, real classes ~uniform over 4: KL(generated || real) = log 4
    assert bad["metrics"]["classes"]["kl_forward"] == pytest.approx(math.log(4), abs=0.15)
    assert bad["metrics"]["fd_oracle"] > 10 * good["metrics"]["fd_oracle"]
    assert good["feature_network"]["name"].startswith("oracle-shapes")


def test_within_class_ms_ssim_sees_one_image_per_class(oracle_cache):
    real, real_labels, _ = _real_sample(SHAPES, 200, seed=97)

    def varied(n):
        return real[:n], real_labels[:n]

    def one_per_class(n):  # each sample replaced by the first real image of its class
        firsts = torch.stack([real[(real_labels == k).nonzero()[0, 0]] for k in range(4)])
        return firsts[real_labels[:n]], real_labels[:n]

    metrics = ["ms_ssim"]
    good = evaluate(varied, SHAPES, metrics, n=200, cache_dir=oracle_cache)["metrics"]
    bad = evaluate(one_per_class, SHAPES, metrics, n=200, cache_dir=oracle_cache)["metrics"]
    assert bad["ms_ssim_within_class"] > 0.99
    assert good["ms_ssim_within_class"] < 0.6
    assert set(bad["ms_ssim_per_class"]) == set(SHAPES.class_names)
    # across classes the collapsed set still looks varied
    assert bad["ms_ssim"] < 0.6


def test_toy_metrics_on_exact_centres_and_noise():
    ring = load_config("ring-gan").data
    _, _, dataset = _real_sample(ring, 8, seed=0)
    centres = dataset.centres

    result = evaluate(lambda n: centres.repeat(n // 8 + 1, 1)[:n], ring, n=2500)
    toy = result["metrics"]["toy"]
    assert toy["modes_covered"] == 8 and toy["high_quality"] == 1.0
    assert toy["reverse_kl"] == pytest.approx(0.0, abs=1e-3)
    assert result["floors"]["noise"]["toy"]["high_quality"] < 0.05
    assert result["floors"]["real"]["toy"]["high_quality"] > 0.95


def test_unknown_metric_and_unsupported_source_are_refused():
    with pytest.raises(EvaluationError, match="allowed: classes"):
        evaluate(lambda n: torch.zeros(n, 3, 32, 32), SHAPES, metrics=["fid"])
    curve = load_config("curve-gan").data
    with pytest.raises(EvaluationError, match="no evaluation"):
        evaluate(lambda n: torch.zeros(n, 2), curve)


def test_evaluate_command_writes_eval_json(tiny, oracle_cache, monkeypatch, capsys):
    monkeypatch.setenv("GANBENCH_CACHE", str(oracle_cache))
    assert main(["train", *tiny, "schedule.steps=2"]) == 0
    run = Path(tiny[-2].split("=", 1)[1]) / "tiny"
    capsys.readouterr()
    assert main(["evaluate", str(run), "--n", "64", "--metrics", "classes,fd,swd"]) == 0
    captured = capsys.readouterr()
    assert "fd_oracle" in captured.out and "real floor" in captured.out
    for stage in ("real sample: 64 images", "generating 64 images", "scoring:", "floors:"):
        assert stage in captured.err  # one progress line per stage
    result = json.loads((run / "eval.json").read_text())
    assert result["samples"] == 64 and result["step"] == 2
    assert {"fd_oracle", "swd", "classes"} <= result["metrics"].keys()
    assert "fd_oracle" in result["floors"]["real_vs_real"]
    assert len(result["feature_network"]["checksum"]) == 64
    assert "classes.modes_covered" in flatten(result["metrics"])
    assert main(["evaluate", str(run), "--n", "100000"]) == 2
    assert "at most" not in (err := capsys.readouterr().err) and "more than 50000" in err
    assert main(["evaluate", str(run), "--metrics", "fid"]) == 2
    assert "unknown metric" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--metrics", "fd_inception"]) == 2
    assert "--inception-weights PATH" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--inception-weights", str(run / "missing.pth")]) == 2
    assert "never downloads" in capsys.readouterr().err


def test_training_evaluates_every_n_steps(tiny, oracle_cache, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(oracle_cache))
    overrides = [*tiny, "schedule.steps=4", "evaluation.every=2", "evaluation.samples=32"]
    assert main(["train", *overrides]) == 0
    run = Path(tiny[-2].split("=", 1)[1]) / "tiny"
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    evals = [r for r in lines if "eval_fd_oracle" in r]
    assert [r["step"] for r in evals] == [2, 4]
    assert all(r["eval_classes_modes_total"] == 4 for r in evals)


def test_ring_training_logs_toy_metrics(tmp_path):
    overrides = [
        "schedule.steps=4",
        "evaluation.every=4",
        "evaluation.samples=100",
        "logging.progress=false",
        f"logging.root={tmp_path}",
        "logging.name=ring",
    ]
    assert main(["train", "ring-gan", *overrides]) == 0
    lines = (tmp_path / "ring" / "metrics.jsonl").read_text().splitlines()
    evals = [json.loads(x) for x in lines if "eval_toy_modes_covered" in x]
    assert len(evals) == 1 and evals[0]["eval_toy_modes_total"] == 8


class _PooledInception:
    """A stand-in for Inception: 4x4 average-pooled pixels as features, their softmax as
    class probabilities. Exercises the wiring without a 27M-parameter network."""

    name = "pooled-test"
    checksum = "0" * 64

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.adaptive_avg_pool2d(images.float(), 4).flatten(1)

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        return (4 * self.features(images)).softmax(1)


def test_inception_metrics_use_the_given_network_with_floors(oracle_cache):
    def perfect(n):
        return _real_sample(SHAPES, n, seed=99)[0]

    names = ["fd", "fd_inception", "kid_inception", "is_inception"]
    result = evaluate(
        perfect, SHAPES, names, n=100, cache_dir=oracle_cache, inception=_PooledInception()
    )
    values, floors = result["metrics"], result["floors"]
    assert values["inception_network"]["name"] == "pooled-test"
    assert values["fd_inception"] < 0.2 * floors["noise"]["fd_inception"]
    assert "fd_inception" in floors["real_vs_real"] and "kid_inception" in floors["noise"]
    assert values["is_inception"] >= 1.0 and floors["real_vs_real"]["is_inception"] >= 1.0
    with pytest.raises(EvaluationError, match="--inception-weights PATH"):
        evaluate(perfect, SHAPES, ["fd_inception"], n=100, cache_dir=oracle_cache)


def test_floors_are_cached_per_data_n_seed_and_metrics(oracle_cache, tmp_path):
    def perfect(n):
        return _real_sample(SHAPES, n, seed=99)[0]

    cache = tmp_path / "cache"
    oracle = load_oracle(SHAPES, cache_dir=oracle_cache)
    first = evaluate(perfect, SHAPES, ["fd", "kid"], n=100, oracle=oracle, cache_dir=cache)
    again = evaluate(perfect, SHAPES, ["fd", "kid"], n=100, oracle=oracle, cache_dir=cache)
    assert not first["floors_cached"] and again["floors_cached"]
    assert again["floors"] == first["floors"]
    assert again["metrics"] == first["metrics"]
    other_n = evaluate(perfect, SHAPES, ["fd", "kid"], n=80, oracle=oracle, cache_dir=cache)
    assert not other_n["floors_cached"]
    other_metrics = evaluate(perfect, SHAPES, ["fd"], n=100, oracle=oracle, cache_dir=cache)
    assert not other_metrics["floors_cached"]
    # class shares change the real sample but not the oracle: not the same floors
    shares = load_config("shapes-conv", ["data.image_size=32", "data.proportions=[4,1,1,1]"])
    other_shares = evaluate(
        perfect, shares.data, ["fd", "kid"], n=100, oracle=oracle, cache_dir=cache
    )
    assert not other_shares["floors_cached"] and not other_shares["reference_cached"]
    for path in (cache / "floors").glob("*.json"):
        path.write_text("{damaged")
    repaired = evaluate(perfect, SHAPES, ["fd", "kid"], n=100, oracle=oracle, cache_dir=cache)
    assert not repaired["floors_cached"] and repaired["floors"] == first["floors"]


def test_a_second_call_reuses_the_judged_real_sample_and_scores_the_same(
    oracle_cache, tmp_path, monkeypatch
):
    import ganbench.metrics.evaluate as evaluation

    def varied(n):
        images, labels, _ = _real_sample(SHAPES, n, seed=97)
        return images.flip(-1), labels

    names = ["classes", "validity", "fd", "kid", "prdc", "swd", "ms_ssim", "fd_inception"]
    cache, inception = tmp_path / "cache", _PooledInception()
    oracle = load_oracle(SHAPES, cache_dir=oracle_cache)

    def run():
        return evaluate(
            varied, SHAPES, names, n=120, oracle=oracle, cache_dir=cache, inception=inception
        )

    first = run()
    stored = list((cache / "floors").glob("*.reference.safetensors"))
    assert not first["reference_cached"] and len(stored) == 1
    real_sample = evaluation._real_sample
    with monkeypatch.context() as patch:  # a cached call renders no real image
        patch.setattr(evaluation, "_real_sample", lambda *a, **k: pytest.fail("rendered"))
        again = run()
    assert again["reference_cached"] and again["floors_cached"]
    assert again["metrics"] == first["metrics"]  # bit for bit, PRDC radii and SWD included
    stored[0].write_bytes(stored[0].read_bytes()[:100])  # damaged: judged again, rewritten
    repaired = run()
    assert not repaired["reference_cached"] and repaired["metrics"] == first["metrics"]
    assert evaluation._real_sample is real_sample and run()["reference_cached"]


def test_a_fixed_real_set_gives_two_disjoint_samples_and_caps_n(oracle_cache):
    digits = load_config("digits-dcgan").data
    first, _, dataset = _real_sample(digits, 300, seed=1)
    second, _, _ = _real_sample(digits, 300, seed=1, part=1)
    # no image of the real-vs-real floor is compared with itself
    overlap = torch.cdist(first.flatten(1), second.flatten(1)).min(1).values
    assert (overlap > 0).all()
    with pytest.raises(EvaluationError, match=f"at most {len(dataset) // 2}"):
        _real_sample(digits, len(dataset) // 2 + 1, seed=1)
    result = evaluate(
        lambda n: _real_sample(digits, n, seed=7)[0], digits, ["fd"], cache_dir=oracle_cache
    )
    assert result["samples"] == min(2000, len(dataset) // 2)
    assert result["floors"]["real_vs_real"]["fd_oracle"] > 0

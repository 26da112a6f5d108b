"""The semi-supervised GAN family: its losses, its labelled pool, training and evaluation."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.families.build import build_family
from ganbench.families.sgan import LabelledPool, labelled_indices
from ganbench.objectives import semi_supervised as ssl
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

TINY_SGAN = [
    "model.g_width=8",
    "model.d_width=8",
    "model.latent_dim=16",
    "schedule.batch_size=16",
    "schedule.steps=4",
    "logging.log_every=2",
    "logging.checkpoint_every=2",
    "logging.progress=false",
]


def test_the_fixed_fake_logit_is_odenas_k_plus_one_softmax():
    torch.manual_seed(0)
    logits = torch.randn(32, 10) * 3
    labels = torch.randint(10, (32,))
    full = ssl.with_fake_logit(logits)
    fake_class = torch.full((32,), 10)
    # fakes: -log p(fake); unlabelled real: -log(1 - p(fake))
    assert torch.allclose(ssl.fake_loss(logits), F.cross_entropy(full, fake_class))
    p_fake = full.softmax(1)[:, -1]
    assert torch.allclose(ssl.real_loss(logits), -torch.log1p(-p_fake).mean(), atol=1e-6)
    # labelled real: the (K+1)-way cross-entropy is the K-way one plus -log D(x)
    k_plus_one = F.cross_entropy(full, labels)
    assert torch.allclose(
        k_plus_one, ssl.supervised_loss(logits, labels) + ssl.real_loss(logits), atol=1e-6
    )
    assert torch.allclose(ssl.real_probability(logits), 1 - p_fake, atol=1e-6)


def _config(tmp_path, *extra):
    return load_config(
        "digits-sgan", [*TINY_SGAN, f"logging.root={tmp_path}", "logging.name=sgan", *extra]
    )


def test_the_labelled_pool_holds_k_per_class_and_every_batch_every_class(tmp_path):
    cfg = _config(tmp_path, "sgan.labelled_per_class=3")
    labels = torch.arange(10).repeat(20)
    chosen = labelled_indices(labels, cfg)
    assert torch.equal(labels[chosen].bincount(), torch.full((10,), 3))
    assert torch.equal(chosen, labelled_indices(labels, cfg))  # fixed by the seed
    other = labelled_indices(labels, _config(tmp_path, "sgan.labelled_per_class=3", "seed=1"))
    assert not torch.equal(chosen, other)
    pool = LabelledPool(torch.zeros(30, 1, 4, 4), labels[chosen], 10)
    for step in range(5):
        _, batch_labels = pool.batch(16, torch.Generator().manual_seed(step))
        assert set(batch_labels.tolist()) == set(range(10))
    fraction = labelled_indices(labels, _config(tmp_path, "sgan.labelled_fraction=0.5"))
    assert len(fraction) == 100


def test_asking_for_more_labels_than_a_class_has_is_refused(tmp_path):
    cfg = _config(tmp_path, "sgan.labelled_per_class=500")
    with pytest.raises(
        ConfigError, match="500 labelled images per class asked for, but class '0' has only"
    ):
        labelled_indices(torch.arange(10).repeat(20), cfg)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["family=gan", "sgan.labelled_per_class=5"],
            "sgan.labelled_per_class apply to family sgan",
        ),
        (["sgan.labelled_per_class=5", "sgan.labelled_fraction=0.1"], "choose one"),
        (["model.conditioning=embedding"], "family sgan"),
        (["schedule.ema=0.999"], "family sgan"),
    ],
)
def test_sgan_options_are_checked(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, *overrides)


def test_the_labels_of_unlabelled_batches_are_never_read(tmp_path):
    cfg = _config(tmp_path)
    from ganbench.data.build import build_dataset

    data = build_dataset(cfg.data, cfg.seed)
    families = [build_family(cfg, torch.device("cpu"), data) for _ in range(2)]
    images, labels = data.batch(0, 16, cfg.seed)
    scrambled = torch.randint(10, labels.shape, generator=torch.Generator().manual_seed(5))
    assert not torch.equal(labels, scrambled)
    for step in range(3):
        families[0].train_step([(images, labels)], step)
        families[1].train_step([(images, scrambled)], step)
    for a, b in zip(
        families[0].classifier.parameters(), families[1].classifier.parameters(), strict=True
    ):
        assert torch.equal(a, b)


def test_sgan_trains_resumes_exactly_and_evaluates_beside_its_baseline(tmp_path):
    cfg = _config(tmp_path)
    straight = Trainer(cfg, RunDir.create(cfg))
    straight.fit(4)
    record = straight.run.read_metrics()[-1]
    assert {"d_supervised", "d_unsupervised", "labelled_accuracy", "lr_g", "lr_d"} <= set(record)

    cfg2 = _config(tmp_path, "logging.name=resumed")
    first = Trainer(cfg2, RunDir.create(cfg2))
    first.fit(2)
    resumed = Trainer(cfg2, first.run)
    assert resumed.restore() == 2
    resumed.fit(4)
    for a, b in zip(
        straight.family.classifier.state_dict().values(),
        resumed.family.classifier.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)

    assert main(["evaluate", str(straight.run.path), "--n", "64", "--metrics", "fd"]) == 0
    result = json.loads((straight.run.path / "eval.json").read_text())["family"]
    assert result["name"] == "sgan" and result["labelled_images"] == 100
    assert result["held_out_images"] == 300 and result["baseline_steps"] == 4
    assert 0 <= result["classifier_accuracy"] <= 1
    assert result["gain"] == pytest.approx(
        result["classifier_accuracy"] - result["supervised_baseline_accuracy"]
    )

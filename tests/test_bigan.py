"""BiGAN: the encoder and joint discriminator, its settings, training with exact resume,
the sample grid's reconstructions, ``ganbench encode`` and the family's evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.families.bigan_probe import linear_probes, occupancy
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

from .family_checks import assert_same_weights

TINY = ["logging.progress=false", "logging.checkpoint_every=2", "logging.samples_every=2"]
TINY_RING = [*TINY, "model.mlp_hidden=16", "schedule.batch_size=32", "schedule.steps=4"]
TINY_SHAPES = [
    *TINY,
    "family=bigan",
    "model.conditioning=none",
    "data.image_size=32",
    "data.size=64",
    "model.g_width=4",
    "model.d_width=4",
    "model.g_output=tanh",
    "model.g_conditioning=null",
    "model.d_conditioning=null",
    "objective.d_blur=0",
    "schedule.ema=0",
    "schedule.batch_size=8",
    "schedule.steps=4",
    "bigan.joint_width=16",
]


def _ring(tmp_path, *extra):
    return load_config("ring-bigan", [*TINY_RING, f"logging.root={tmp_path}", *extra])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model.conditioning=additive"], "family bigan learns an unconditional G"),
        (["objective.loss=least_squares"], "cross-entropy of the paper"),
        (["schedule.d_steps=2"], "one D and one G\\+E update"),
        (["family=gan", "bigan.encoder=stochastic"], "bigan.encoder apply to family bigan"),
    ],
)
def test_bigan_settings_are_checked(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        _ring(tmp_path, *overrides)


def test_a_stochastic_encoder_samples_around_its_mean(tmp_path):
    from ganbench.families.bigan import build_encoder_pair

    encoder, critic = build_encoder_pair(_ring(tmp_path, "bigan.encoder=stochastic"))
    x = torch.randn(5, 2)
    with pytest.raises(ValueError, match="pass noise"):
        encoder(x)
    zero = encoder(x, torch.zeros(5, 2))
    assert torch.allclose(zero, encoder.mean(x))
    assert not torch.allclose(encoder(x, torch.ones(5, 2)), zero)
    assert critic(x, zero).shape == (5,)


def test_one_step_trains_g_and_e_against_a_joint_d(tmp_path):
    from ganbench.families.bigan import BiGANFamily

    cfg = _ring(tmp_path)
    family = BiGANFamily(cfg, torch.device("cpu"))
    before = {n: [p.detach().clone() for p in m.parameters()] for n, m in family.modules.items()}
    stats = family.train_step([(torch.randn(32, 2), torch.zeros(32, dtype=torch.long))], 0)
    assert set(stats) == {"d_loss", "ge_loss", "d_real", "d_fake"}
    for name, module in family.modules.items():
        moved = [
            not torch.equal(a, b) for a, b in zip(before[name], module.parameters(), strict=True)
        ]
        assert all(moved), name  # G, E and D all updated, every layer
    assert set(family.optimisers) == {"ge", "d"}


def test_bigan_trains_resumes_exactly_and_evaluates_on_the_ring(tmp_path, capsys):
    cfg = _ring(tmp_path, "logging.name=straight")
    straight = Trainer(cfg, RunDir.create(cfg))
    straight.fit(4)
    cfg2 = _ring(tmp_path, "logging.name=resumed", "bigan.encoder=stochastic")
    cfg3 = _ring(tmp_path, "logging.name=resumed2", "bigan.encoder=stochastic")
    first = Trainer(cfg2, RunDir.create(cfg2))
    first.fit(2)
    resumed = Trainer(cfg2, first.run)
    assert resumed.restore() == 2
    resumed.fit(4)
    whole = Trainer(cfg3, RunDir.create(cfg3))
    whole.fit(4)
    assert_same_weights(whole.family, resumed.family)
    assert main(["evaluate", str(straight.run.path), "--n", "200"]) == 0
    result = json.loads((straight.run.path / "eval.json").read_text())["family"]
    assert 0 <= result["within_own_mode"] <= result["mode_agreement"] <= 1
    assert result["chance"] == 0.125

    points = tmp_path / "points.csv"
    np.savetxt(points, np.array([[2.0, 0.0], [0.0, -2.0]]), delimiter=",")
    out = tmp_path / "codes.npz"
    assert main(["encode", str(straight.run.path), "--input", str(points), "--out", str(out)]) == 0
    codes = np.load(out, allow_pickle=False)
    assert codes["codes"].shape == (2, 2) and codes["reconstructions"].shape == (2, 2)
    bad = tmp_path / "bad.csv"
    np.savetxt(bad, np.ones((2, 3)), delimiter=",")
    assert main(["encode", str(straight.run.path), "--input", str(bad)]) == 2
    assert "the run encodes (N, 2)" in capsys.readouterr().err


def test_bigan_on_shapes_grids_reconstructions_encodes_and_probes(tmp_path, capsys):
    cfg = load_config("shapes-conv", [*TINY_SHAPES, f"logging.root={tmp_path}", "logging.name=img"])
    trainer = Trainer(cfg, RunDir.create(cfg))
    trainer.fit(4)
    images, per_row = trainer.family.grid_images(trainer.grid_z, trainer.grid_labels)
    assert images.shape == (64, 3, 32, 32) and per_row == 8
    held = trainer.family._held
    assert torch.equal(images[32:40], held[:8])  # a row of held images above its rebuilds
    run = str(trainer.run.path)
    out = tmp_path / "codes.npz"
    assert main(["encode", run, "--input", "held-out", "--n", "12", "--out", str(out)]) == 0
    codes = np.load(out, allow_pickle=False)
    assert codes["codes"].shape == (12, 100) and codes["reconstructions"].shape == (12, 3, 32, 32)
    assert out.with_suffix(".png").is_file()
    assert main(["evaluate", run, "--n", "100", "--metrics", "fd"]) == 0
    family = json.loads((trainer.run.path / "eval.json").read_text())["family"]
    for encoder in ("trained", "random_encoder"):
        assert 0 <= family[encoder]["class_accuracy"] <= 1
        assert family[encoder]["position_r2"] <= 1
    gan = load_config("shapes-conv", ["logging.progress=false", "schedule.steps=2", "data.size=32",
                             "model.g_width=4", "model.d_width=4", "schedule.batch_size=8",
                             f"logging.root={tmp_path}", "logging.name=gan"])  # fmt: skip
    Trainer(gan, RunDir.create(gan)).fit(2)
    assert main(["encode", str(tmp_path / "gan"), "--input", "held-out"]) == 2
    assert "has no encoder; train family=bigan" in capsys.readouterr().err


def test_probes_read_the_truth():
    from ganbench.data.shapes import ImageTruth, Shape

    truth = [ImageTruth("happy", [Shape("circle", (1, 1), 2, (0, 0, 0))]),
             ImageTruth("angry", [Shape("line", (31, 31), 2, (0, 0, 0))] * 2)]  # fmt: skip
    grid = occupancy(truth, 32)
    assert grid[0, 0] == 1 and grid[1, 15] == 2 and grid.sum() == 3
    rng = np.random.default_rng(0)
    labels = np.tile([0, 1], 100)
    informative = np.c_[labels + 0.05 * rng.standard_normal(200), rng.standard_normal(200)]
    noise = rng.standard_normal((200, 2))
    where = np.c_[labels * 2.0, 1 - labels]
    good, bad = linear_probes(informative, labels, where), linear_probes(noise, labels, where)
    assert good["class_accuracy"] == 1.0 and good["position_r2"] > 0.95
    assert bad["class_accuracy"] < 0.7 and bad["position_r2"] < 0.1

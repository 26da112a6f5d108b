"""Progressive growing: the exact properties of a growth step, the linear fade, the stage
schedule and its settings, and an exact resume in the middle of a fade-in."""

from __future__ import annotations

import json

import pytest
import torch
from torch.nn import functional as F

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.families.pggan import PGGANFamily, fade_real, growth
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

from .family_checks import assert_same_weights

TINY = [
    "model.g_width=8",
    "model.d_width=8",
    "data.size=64",
    "schedule.batch_size=8",
    "pggan.stage_images=16",
    "pggan.fade_images=32",
    "logging.progress=false",
    "logging.log_every=1",
    "logging.checkpoint_every=3",
    "logging.samples_every=3",
]


def _config(tmp_path, *extra):
    return load_config("shapes-pggan", [*TINY, f"logging.root={tmp_path}", *extra])


def test_alpha_rises_exactly_linearly_over_the_fade(tmp_path):
    cfg = _config(tmp_path)  # batch 8: stage 0 for 2 steps, fades of 4 steps, stable 2 steps
    schedule = [growth(cfg, step) for step in range(14)]
    assert schedule[:2] == [(0, 1.0), (0, 1.0)]
    assert schedule[2:8] == [(1, 0.0), (1, 0.25), (1, 0.5), (1, 0.75), (1, 1.0), (1, 1.0)]
    assert schedule[8:12] == [(2, 0.0), (2, 0.25), (2, 0.5), (2, 0.75)]
    assert growth(cfg, 10_000) == (2, 1.0)  # the last stage trains on


def test_a_new_stage_at_alpha_zero_is_the_old_network(tmp_path):
    family = PGGANFamily(_config(tmp_path), torch.device("cpu"))
    G, D = family.generator.eval(), family.discriminator.eval()
    z = torch.randn(8, 100)
    old = G(z, 0, 1.0)
    assert old.shape[-1] == 8
    grown = G(z, 1, 0.0)
    assert torch.allclose(grown, F.interpolate(old, scale_factor=2, mode="nearest"), atol=1e-6)
    images = torch.rand(8, 3, 16, 16) * 2 - 1
    assert torch.allclose(D(images, 1, 0.0), D(F.avg_pool2d(images, 2), 0, 1.0), atol=1e-6)
    assert not torch.allclose(G(z, 1, 0.5), grown, atol=1e-4)  # alpha does blend


def test_the_old_rgb_layers_get_no_gradient_at_alpha_one(tmp_path):
    family = PGGANFamily(_config(tmp_path), torch.device("cpu"))
    G, D = family.generator, family.discriminator
    (D(G(torch.randn(8, 100), 1, 1.0), 1, 1.0).sum()).backward()
    assert all(p.grad is None for p in G.to_rgb[0].parameters())
    assert all(p.grad is None for p in D.from_rgb[0].parameters())
    assert all(p.grad is not None for p in G.to_rgb[1].parameters())
    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    (D(G(torch.randn(8, 100), 1, 0.5), 1, 0.5).sum()).backward()
    assert all(p.grad is not None for p in G.to_rgb[0].parameters())


def test_real_images_fade_as_g_does():
    x = torch.rand(2, 3, 32, 32)
    assert torch.equal(fade_real(x, 16, 1.0), F.avg_pool2d(x, 2))
    coarse = F.interpolate(F.avg_pool2d(x, 4), scale_factor=2, mode="nearest")
    assert torch.allclose(fade_real(x, 16, 0.0), coarse)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["data.image_size=28"], "the growth schedule does not reach the data"),
        (["model.g_norm=batch"], "model.g_norm=pixel and model.d_norm=none"),
        (["model.conditioning=additive"], "family pggan grows an unconditional G"),
        (["family=gan", "pggan.start=8"], "pggan.stage_images, pggan.start apply to family pggan"),
    ],
)
def test_pggan_settings_are_checked(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, *overrides)


def test_resume_in_the_middle_of_a_fade_is_exact(tmp_path, capsys):
    cfg = _config(tmp_path, "logging.name=whole")
    whole = Trainer(cfg, RunDir.create(cfg))
    whole.fit(10)
    cfg2 = _config(tmp_path, "logging.name=halves")
    first = Trainer(cfg2, RunDir.create(cfg2))
    first.fit(3)  # in the middle of the first fade-in
    resumed = Trainer(cfg2, first.run)
    assert resumed.restore() == 3
    assert (resumed.family.stage, resumed.family.alpha) == (1, 0.0)  # its last step's
    resumed.fit(10)
    assert_same_weights(whole.family, resumed.family)
    records = whole.run.read_metrics()
    assert [(r["stage"], r["alpha"]) for r in records[:4]] == [
        (0, 1.0), (0, 1.0), (1, 0.0), (1, 0.25)
    ]  # fmt: skip
    grids = sorted(p.name for p in whole.run.samples_dir.glob("*.png"))
    from PIL import Image

    sizes = {Image.open(whole.run.samples_dir / g).size for g in grids}
    assert len(sizes) >= 2  # the grids grow with the networks
    run = str(whole.run.path)
    assert main(["generate", run, "--n", "4", "--out", str(tmp_path / "g.png")]) == 0
    assert main(["evaluate", run, "--n", "64", "--metrics", "fd"]) == 0
    result = json.loads((whole.run.path / "eval.json").read_text())
    assert result["metrics"]["fd_oracle"] > 0

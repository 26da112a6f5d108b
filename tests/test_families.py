"""The family interface: the trainer hosts any family; old run directories still work."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from ganbench.cli import main
from ganbench.config import Config, load_config
from ganbench.errors import ConfigError
from ganbench.families.base import Batch, DataNeeds, Family
from ganbench.families.build import build_family
from ganbench.training import checkpoint
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

FIXTURES = Path(__file__).parent / "fixtures"


class MeanMatcher(Family):
    """A family the trainer has never heard of: a linear map from z pulled towards the mean
    of the real points, two batches a step, its own optimiser name, state and statistics."""

    name = "mean-matcher"

    def __init__(self, cfg: Config, device: torch.device, data=None):
        super().__init__(cfg, device, data)
        torch.manual_seed(cfg.seed)
        self.mapper = nn.Linear(cfg.model.latent_dim, cfg.data.point_dim)
        self.modules = {"mapper": self.mapper}
        self.optimisers = {"only": torch.optim.SGD(self.mapper.parameters(), lr=0.1)}
        self.base_lrs = {"only": 0.1}
        self.seen = torch.zeros((), dtype=torch.int64)

    def data_needs(self, step: int) -> DataNeeds:
        return DataNeeds(batches_per_step=2)

    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        real = torch.cat([batch[0] for batch in batches])
        z = torch.randn(len(real), self.cfg.model.latent_dim)
        gap = ((self.mapper(z).mean(0) - real.mean(0)) ** 2).sum()
        self.optimisers["only"].zero_grad()
        gap.backward()
        self.optimisers["only"].step()
        self.seen += len(real)
        return {"gap": gap.detach()}

    def headline(self) -> tuple[str, ...]:
        return ("gap",)

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {"seen": self.seen}

    def state_meta(self) -> dict:
        return {"note": "seen counts real points"}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        assert meta == {"note": "seen counts real points"}
        self.seen = tensors["seen"].clone()

    def sampler(self, averaged: bool = True) -> nn.Module:
        return _Unlabelled(self.mapper)


class _Unlabelled(nn.Module):
    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


@pytest.fixture
def mean_matcher(monkeypatch):
    from ganbench import config
    from ganbench.families import build

    monkeypatch.setattr(config, "FAMILY_NAMES", (*config.FAMILY_NAMES, MeanMatcher.name))
    monkeypatch.setitem(build.FAMILIES, MeanMatcher.name, (__name__, "MeanMatcher"))
    assert sys.modules[__name__].MeanMatcher is MeanMatcher


def _matcher_config(tmp_path: Path, name: str) -> Config:
    return load_config(
        "ring-gan",
        [
            "family=mean-matcher",
            "schedule.batch_size=16",
            "logging.log_every=1",
            "logging.checkpoint_every=2",
            "logging.progress=false",
            f"logging.root={tmp_path}",
            f"logging.name={name}",
        ],
    )


def test_the_trainer_hosts_a_family_it_does_not_know(mean_matcher, tmp_path):
    cfg = _matcher_config(tmp_path, "straight")
    straight = Trainer(cfg, RunDir.create(cfg))
    straight.fit(6)
    records = straight.run.read_metrics()
    first_gap = records[0]["gap"]
    assert records[-1]["gap"] < first_gap  # it learned
    assert {"gap", "lr_only"} <= set(records[-1]) and "lr_g" not in records[-1]
    assert int(straight.family.seen) == 6 * 2 * 16
    assert straight.epoch == 6 * 2 * 16 // len(straight.data)

    tensors, meta = straight.run.load_checkpoint()
    assert meta["family"] == "mean-matcher" and list(meta["optimisers"]) == ["only"]
    assert {"module.mapper.weight", "state.seen", "rng.torch"} <= set(tensors)

    cfg = _matcher_config(tmp_path, "resumed")
    interrupted = Trainer(cfg, RunDir.create(cfg))
    interrupted.fit(4)
    resumed = Trainer(cfg, interrupted.run)
    assert resumed.restore() == 4 and int(resumed.family.seen) == 4 * 2 * 16
    resumed.fit(6)
    assert torch.equal(straight.family.mapper.weight, resumed.family.mapper.weight)


def test_a_headline_statistic_that_diverges_stops_the_run(mean_matcher, tmp_path):
    from ganbench.errors import TrainingDiverged

    cfg = _matcher_config(tmp_path, "nan")
    trainer = Trainer(cfg, RunDir.create(cfg))
    trainer.family.train_step = lambda batches, step: {"gap": torch.tensor(float("nan"))}
    with pytest.raises(TrainingDiverged, match="gap became nan"):
        trainer.fit(2)


def test_an_unknown_family_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="unknown family 'cyclegun'; allowed: gan"):
        load_config(None, ["family=cyclegun"])


@pytest.mark.parametrize("run_name", ["v1-shapes", "v1-ring"])
def test_a_format_1_checkpoint_maps_every_tensor(run_name):
    """Run directories written before families existed (one G, one D) load unchanged."""
    run = RunDir(FIXTURES / run_name)
    raw = load_file(str(FIXTURES / run_name / "checkpoints" / "step-0000004.safetensors"))
    tensors, meta = run.load_checkpoint()
    assert meta["format"] == checkpoint.FORMAT and meta["family"] == "gan"
    family = build_family(run.read_config(), torch.device("cpu"))
    checkpoint.restore_family(family, tensors, meta)  # strict: every key used, none missing
    for key, value in family.modules["generator"].state_dict().items():
        assert torch.equal(value, raw["generator." + key])
    assert torch.equal(family.state.latent_rng.get_state(), raw["rng.latent"])
    optimiser = family.optimisers["d"].state_dict()
    assert torch.equal(optimiser["state"][0]["exp_avg"], raw["optim.discriminator.0.exp_avg"])
    if family.state.image_pool is not None:
        assert (
            family.state.image_pool.state()[1]
            == json.loads((FIXTURES / run_name / "checkpoints" / "step-0000004.json").read_text())[
                "image_pool"
            ]
        )


@pytest.mark.parametrize("run_name", ["v1-shapes", "v1-ring"])
def test_a_format_1_run_resumes_generates_and_evaluates(run_name, tmp_path, capsys):
    run_dir = tmp_path / run_name
    shutil.copytree(FIXTURES / run_name, run_dir)
    before = load_file(str(run_dir / "checkpoints" / "step-0000004.safetensors"))
    assert main(["resume", str(run_dir), "--steps", "6", "logging.progress=false"]) == 0
    tensors, meta = RunDir(run_dir).load_checkpoint()
    assert meta["step"] == 6 and meta["format"] == checkpoint.FORMAT
    moved = tensors["module.generator.net.0.weight"] - before["generator.net.0.weight"]
    assert moved.abs().max() > 0 and torch.isfinite(moved).all()
    out = tmp_path / "samples.png"
    assert main(["generate", str(run_dir), "--n", "8", "--out", str(out)]) == 0
    assert out.is_file()
    metric = "validity" if run_name == "v1-shapes" else "toy"
    assert main(["evaluate", str(run_dir), "--n", "64", "--metrics", metric]) == 0
    assert json.loads((run_dir / "eval.json").read_text())["step"] == 6

"""Every data source trains a few steps end to end, writing samples and a checkpoint."""

import pytest
from PIL import Image

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

SOURCES = {
    "shapes-grouped": ["data.sampler=grouped", "data.group_size=16"],
    "shapes-stream": ["data.stream=true", "data.classes=[filled,squares]"],
    "ring": ["data.source=ring", "model.arch=mlp", "model.mlp_layers=2"],
    "grid": ["data.source=grid", "model.arch=mlp", "model.conditioning=none"],
    "curve": ["data.source=curve", "model.arch=mlp"],
    "digits": ["data.source=digits", "data.size=64"],
    "stacked_digits": ["data.source=stacked_digits", "model.conditioning=none"],
}


def _train(overrides: list[str]) -> RunDir:
    cfg = load_config("shapes-conv", overrides)
    run = RunDir.create(cfg)
    result = Trainer(cfg, run).fit(cfg.schedule.steps)
    assert result.end_step == cfg.schedule.steps and result.checkpoint is not None
    return run


@pytest.mark.parametrize("name", list(SOURCES))
def test_source_trains_a_few_steps(tiny, name):
    run = _train([*tiny, *SOURCES[name]])
    samples = sorted(run.samples_dir.glob("*.png"))
    assert samples, "sample grids or scatter plots were written"
    assert len(run.read_metrics()) >= 2
    out = run.path / "generated.png"
    assert main(["generate", str(run.path), "--n", "32", "--out", str(out)]) == 0
    assert Image.open(out).size[0] > 50


def test_folder_source_trains(tiny, tmp_path):
    for i in range(20):
        Image.new("RGB", (40, 40), (10 * i, 100, 200)).save(tmp_path / f"{i}.jpg")
    # one folder, no class subfolders: one class, so an unconditional model
    folder = ["data.source=folder", f"data.path={tmp_path}", "model.conditioning=none"]
    run = _train([*tiny, *folder, "data.flip=true"])
    assert run.checkpoint_steps()

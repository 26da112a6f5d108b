import pickle

import pytest
import torch

from ganbench.config import load_config
from ganbench.errors import CheckpointError
from ganbench.training import checkpoint
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer


def _trainer(overrides):
    cfg = load_config("shapes-conv", overrides)
    return Trainer(cfg, RunDir.create(cfg))


def _state(trainer):
    """Every tensor the family keeps: networks, optimisers, EMA, random streams."""
    return checkpoint.family_tensors(trainer.family)[0]


def _assert_identical(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_round_trip_restores_weights_optimisers_and_rng(tiny):
    first = _trainer(tiny)
    first.fit(4)
    saved = _state(first)
    second = Trainer(first.cfg, first.run)
    assert second.restore() == 4
    _assert_identical(saved, _state(second))
    assert "state.rng.latent" in saved


def test_resume_is_bit_exact(tiny):
    straight = _trainer([*tiny, "logging.name=straight"])
    straight.fit(6)

    interrupted = _trainer([*tiny, "logging.name=interrupted"])
    interrupted.fit(3)
    resumed = Trainer(interrupted.cfg, interrupted.run)
    assert resumed.restore() == 3
    resumed.fit(6)
    _assert_identical(_state(straight), _state(resumed))
    steps = [r["step"] for r in resumed.run.read_metrics()]
    assert steps == [2, 3, 4, 6]  # the partial window at the stop is logged, none twice


def test_run_directory_layout(tiny):
    trainer = _trainer(tiny)
    trainer.fit(6)
    run = trainer.run
    assert (run.path / "config.yaml").is_file()
    assert run.checkpoint_steps() == [4, 6]
    assert run.latest_checkpoint().name == "step-0000006"
    assert (run.checkpoints_dir / "step-0000006.json").is_file()
    records = run.read_metrics()
    assert [r["step"] for r in records] == [2, 4, 6]
    for key in (
        "d_loss_real",
        "d_loss_fake",
        "g_loss",
        "d_real",
        "d_fake",
        "d_acc_real",
        "d_acc_fake",
        "lr_g",
        "lr_d",
        "images_per_s",
    ):
        assert key in records[0]
    assert list(run.events_dir.glob("events.out.tfevents.*"))
    samples = sorted(p.name for p in run.samples_dir.glob("*.png"))
    assert samples == [  # 4 steps an epoch: at the start, each epoch and the end
        "step-0000000-epoch-000.png",
        "step-0000004-epoch-001.png",
        "step-0000006-epoch-001.png",
    ]
    assert {p.name for p in run.plots_dir.glob("*.png")} == {
        "losses.png",
        "discriminator.png",
        "accuracy.png",
        "gradients.png",
        "diversity.png",
        "learning_rates.png",
        "throughput.png",
    }
    assert (run.path / "report.html").is_file()
    assert not list(run.path.rglob("*.tmp"))


def test_old_checkpoints_are_pruned(tiny):
    trainer = _trainer([*tiny, "logging.checkpoint_every=1", "logging.keep_checkpoints=2"])
    trainer.fit(5)
    assert trainer.run.checkpoint_steps() == [4, 5]


def test_changed_config_is_refused_with_the_differing_keys(tiny):
    trainer = _trainer(tiny)
    trainer.fit(4)
    changed = load_config("shapes-conv", [*tiny, "optimiser.g_lr=0.001"])
    other = Trainer(changed, trainer.run)
    with pytest.raises(CheckpointError, match=r"optimiser.g_lr: 0.0002 -> 0.001"):
        other.restore()
    assert other.restore(force=True) == 4


def test_a_run_continues_on_another_device_or_thread_count(tiny):
    """A run trained on a GPU (or on more cores) resumes on this CPU without --force."""
    trainer = _trainer([*tiny, "device=auto"])
    trainer.fit(4)
    moved = load_config("shapes-conv", [*tiny, "device=cpu", "threads=1"])
    assert Trainer(moved, trainer.run).restore() == 4


def test_a_pickle_named_like_a_checkpoint_is_refused(tiny, tmp_path):
    trainer = _trainer(tiny)
    trainer.fit(4)
    stem = trainer.run.latest_checkpoint()
    evil = {"weights": torch.zeros(2), "payload": "never unpickled"}
    stem.with_suffix(".safetensors").write_bytes(pickle.dumps(evil))
    with pytest.raises(CheckpointError, match=r"not a safetensors file.*never unpickles"):
        Trainer(trainer.cfg, trainer.run).restore()
    torch.save(evil, tmp_path / "torch.safetensors")
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        checkpoint.load_tensors(tmp_path / "torch.safetensors")


def test_missing_checkpoint_and_run_directory(tiny, tmp_path):
    with pytest.raises(CheckpointError, match="not a ganbench run directory"):
        RunDir.open(tmp_path)
    cfg = load_config("shapes-conv", tiny)
    with pytest.raises(CheckpointError, match="has no checkpoint yet"):
        RunDir.create(cfg).latest_checkpoint()


def test_truncated_metrics_line_is_skipped(tiny):
    trainer = _trainer(tiny)
    trainer.fit(4)
    with open(trainer.run.metrics_path, "a") as handle:
        handle.write('{"step": 5, "d_lo')
    assert [r["step"] for r in trainer.run.read_metrics()] == [2, 4]


def test_fit_stops_cleanly_at_a_time_cap(tiny):
    cfg = load_config("shapes-conv", [*tiny, "schedule.steps=50"])
    trainer = Trainer(cfg, RunDir.create(cfg))
    result = trainer.fit(50, max_seconds=0.0)
    assert result.time_capped and result.end_step == 1
    assert trainer.run.checkpoint_steps() == [1]

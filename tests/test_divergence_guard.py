"""Divergence never poisons a checkpoint: NaN between metrics lines is caught before a save,
and non-finite weights are never written."""

import json

import pytest
import torch

from ganbench.config import load_config
from ganbench.errors import TrainingDiverged
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer


def _trainer(tiny, *extra):
    cfg = load_config(None, [*tiny, *extra])
    return Trainer(cfg, RunDir.create(cfg))


def test_nan_between_metrics_lines_stops_before_the_checkpoint(tiny):
    trainer = _trainer(tiny, "logging.log_every=100", "logging.checkpoint_every=2")
    trainer.fit(2)
    assert trainer.run.checkpoint_steps() == [2]
    update = trainer.family.train_step

    def nan_at_step_3(batches, step):
        stats = update(batches, step)
        if step == 2:  # the third step: its loss is NaN, the weights stay finite
            stats["g_loss"] = torch.tensor(float("nan"))
        return stats

    trainer.family.train_step = nan_at_step_3
    with pytest.raises(TrainingDiverged, match="last good checkpoint is step 2"):
        trainer.fit(6)
    assert trainer.run.checkpoint_steps() == [2]
    tensors, _ = trainer.run.load_checkpoint()
    assert all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point())


def test_non_finite_weights_are_never_saved(tiny):
    trainer = _trainer(tiny)
    trainer.fit(1)
    saved = trainer.run.checkpoint_steps()
    with torch.no_grad():
        next(trainer.family.modules["generator"].parameters()).fill_(float("inf"))
    with pytest.raises(TrainingDiverged, match="no checkpoint was written"):
        trainer.save_checkpoint()
    assert trainer.run.checkpoint_steps() == saved


def _inject(trainer, bad_steps, value=float("nan"), once=True):
    """Make the step's g_loss ``value`` at ``bad_steps`` (the first time each is reached)."""
    update, seen = trainer.family.train_step, set()

    def step(batches, at):
        stats = update(batches, at)
        if at in bad_steps and (not once or at not in seen):
            seen.add(at)
            stats["g_loss"] = torch.tensor(value)
        return stats

    trainer.family.train_step = step


def test_a_divergence_rolls_back_to_the_last_checkpoint_and_goes_on_slower(tiny):
    trainer = _trainer(tiny, "logging.log_every=1", "logging.checkpoint_every=2")
    _inject(trainer, {4})  # the fifth step diverges once
    trainer.fit(8)
    assert trainer.step == 8
    notes = [json.loads(line) for line in (trainer.run.path / "rollbacks.jsonl").open()]
    assert len(notes) == 1 and notes[0]["rolled_back_to"] == 4 and notes[0]["lr_scale"] == 0.5
    records = trainer.run.read_metrics()
    assert [r["step"] for r in records] == list(range(1, 9))  # the diverged line is gone
    assert records[3]["lr_g"] == 2 * records[4]["lr_g"]
    _, meta = trainer.run.load_checkpoint()
    assert meta["lr_scale"] == 0.5
    resumed = Trainer(trainer.cfg, trainer.run)
    resumed.restore()
    assert resumed.lr_scale == 0.5  # a resume keeps the lowered rates


def test_a_divergence_that_persists_gives_up_after_the_rollbacks(tiny):
    trainer = _trainer(tiny, "logging.log_every=1", "logging.checkpoint_every=2")
    _inject(trainer, {4}, once=False)
    with pytest.raises(TrainingDiverged, match=r"gave up after 2 rollbacks, learning rates x0\.25"):
        trainer.fit(8)
    assert trainer.run.checkpoint_steps() == [2, 4]


def test_an_exploding_loss_counts_as_divergence(tiny):
    trainer = _trainer(tiny, "logging.log_every=1", "schedule.rollbacks=0")
    _inject(trainer, {1}, value=2.4e14)
    with pytest.raises(TrainingDiverged, match=r"g_loss passed \+-1e\+08, at 2.4e\+14 by step 2"):
        trainer.fit(4)


@pytest.mark.parametrize(
    ("overrides", "biggest"),
    [
        (["model.latent_dim=1000000000"], "networks"),
        (["data.size=20000000"], "data"),
    ],
)
def test_a_run_too_big_for_memory_is_refused_before_allocating(tiny, overrides, biggest):
    from ganbench.errors import ConfigError
    from ganbench.training.memory import available_bytes, check_memory

    cfg = load_config(None, [*tiny, *overrides])
    # a machine of 16 GiB: on one with more, 20 million 32x32 images (61 GB) would fit
    with pytest.raises(ConfigError, match=f"needs at least .* available: {biggest}"):
        check_memory(cfg, available=16 * 2**30)
    assert (available_bytes() or 1) > 0  # the machine's own figure is read without error
    small = check_memory(load_config(None, tiny), available=10**12)
    assert 0 < small < 10**9

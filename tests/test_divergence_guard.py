"""Divergence never poisons a checkpoint: NaN between metrics lines is caught before a save,
and non-finite weights are never written."""

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

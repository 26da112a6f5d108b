from __future__ import annotations

from pathlib import Path

import pytest
import torch

torch.set_num_threads(2)

TINY = [
    "data.image_size=32",
    "data.size=64",
    "model.g_width=8",
    "model.d_width=8",
    "model.latent_dim=16",
    "schedule.batch_size=16",
    "schedule.steps=6",
    "logging.log_every=2",
    "logging.checkpoint_every=4",
    "logging.progress=false",
]


@pytest.fixture
def tiny(tmp_path: Path) -> list[str]:
    """Overrides for a model small enough to train a few steps in well under a second."""
    return [*TINY, f"logging.root={tmp_path / 'runs'}", "logging.name=tiny"]

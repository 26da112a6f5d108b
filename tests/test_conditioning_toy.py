"""A toy with analytic truth for the class-conditioning choices: three overlapping 2D
Gaussian classes (unit standard deviation, centres on a unit circle). AC-GAN's classifier term
pulls each class towards where it is unambiguous, so its samples shrink (TAC-GAN, Gong et al.
2019, figure 1); the projection discriminator and TAC-GAN's twin keep each class's spread.
The test asserts the difference, so it fails if AC-GAN were implemented as projection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.cli import main
from ganbench.sampling import generate, latent_batch, load_run_generator
from ganbench.training.rundir import RunDir

STD = 1.0


def spread_ratio(tmp_path: Path, mode: str) -> float:
    """Trained with D conditioning ``mode``: each class's covariance trace over the truth's
    (2 std^2), averaged over the three classes."""
    assert main([
        "train", "ring-gan", "data.modes=3", "data.radius=1", f"data.mode_std={STD}",
        "model.conditioning=embedding", f"model.d_conditioning={mode}", "schedule.steps=2000",
        "optimiser.lr_decay_start=500", "seed=1", "threads=2", "logging.progress=false",
        "logging.report=false", "logging.tensorboard=false", f"logging.root={tmp_path}",
        f"logging.name={mode}",
    ]) == 0  # fmt: skip
    generator, cfg, _ = load_run_generator(RunDir.open(tmp_path / mode))
    ratios = []
    for k in range(3):
        z, labels = latent_batch(cfg, 4000, 123, torch.full((4000,), k))
        points = generate(generator, z, labels).numpy()
        ratios.append(np.trace(np.cov(points.T)) / (2 * STD**2))
    return float(np.mean(ratios))


@pytest.mark.slow
def test_acgan_shrinks_classes_projection_and_tacgan_keep_them(tmp_path: Path) -> None:
    ratios = {mode: spread_ratio(tmp_path, mode) for mode in ("projection", "acgan", "tacgan")}
    assert abs(ratios["projection"] - 1) <= 0.15, ratios
    assert abs(ratios["tacgan"] - 1) <= 0.15, ratios
    assert ratios["acgan"] < 0.75, ratios

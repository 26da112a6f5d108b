"""The long training runs of the learning tests, as plain functions that return their
measurements, so they can run one per core in worker processes (each single-threaded) and
the tests only assert on what came back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

QUIET = [
    "logging.progress=false",
    "logging.tensorboard=false",
    "logging.checkpoint_every=100000",
    "logging.report=false",
]
SHAPES_RUN = [
    "data.image_size=32",
    "data.size=2000",
    "model.g_width=16",
    "model.d_width=16",
    "schedule.batch_size=32",
    "schedule.steps=2400",
]


def _within_class_ms_ssim(images: torch.Tensor, labels: torch.Tensor, classes: int) -> float:
    from ganbench.metrics.msssim import ms_ssim_diversity

    values = [ms_ssim_diversity(images[labels == k], pairs=300)["ms_ssim"] for k in range(classes)]
    return sum(values) / len(values)


def _trained(recipe: str | None, overrides: list[str]):
    from ganbench.config import load_config
    from ganbench.training.rundir import RunDir
    from ganbench.training.trainer import Trainer

    cfg = load_config(recipe, overrides)
    trainer = Trainer(cfg, RunDir.create(cfg))
    trainer.fit(cfg.schedule.steps)
    return cfg, trainer


def shapes_job(seed: int, threads: int, root: Path) -> dict[str, Any]:
    """The default recipe at 32 px, judged by an independent classifier, OpenCV's primitive
    count and within-class MS-SSIM against real images."""
    from ganbench.config import load_config
    from ganbench.data.build import build_dataset
    from ganbench.data.dataset import to_float
    from ganbench.metrics.validity import shape_validity
    from ganbench.sampling import generate, latent_batch

    from .shape_classifier import accuracy, train_shape_classifier

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        overrides = [*SHAPES_RUN, *QUIET, f"seed={seed}", f"logging.root={root}"]
        overrides += [f"threads={threads}", f"logging.name=shapes-{seed}"]
        cfg = load_config(None, overrides)  # the default recipe
        judge = train_shape_classifier(cfg.data, seed=123, steps=150)
        held_out = build_dataset(cfg.data, seed=999, size=400)
        real = to_float(held_out.images)
        cfg, trainer = _trained(None, overrides)
        z, labels = latent_batch(cfg, 400, seed=7)
        samples = generate(trainer.sampling_generator, z, labels)
    finally:
        torch.set_num_threads(previous)
    classes = len(cfg.data.class_names)
    return {
        "judge_on_real": accuracy(judge, real, held_out.labels),
        "accuracy": accuracy(judge, samples, labels),
        "per_class": {
            name: accuracy(judge, samples[labels == k], labels[labels == k])
            for k, name in enumerate(cfg.data.class_names)
        },
        "validity": shape_validity(samples, labels, cfg.data)["valid"],
        "ms_ssim_fake": _within_class_ms_ssim(samples, labels, classes),
        "ms_ssim_real": _within_class_ms_ssim(real, held_out.labels, classes),
    }


def sgan_job(seed: int, threads: int, root: Path) -> dict[str, Any]:
    """digits-sgan: D's held-out accuracy beside the same network trained on the labels alone."""
    from ganbench.families.sgan_baseline import classifier_comparison

    torch.set_num_threads(threads)
    overrides = [f"seed={seed}", f"threads={threads}", *QUIET, f"logging.root={root}"]
    cfg, trainer = _trained("digits-sgan", [*overrides, f"logging.name=sgan-{seed}"])
    return classifier_comparison(cfg, trainer.family.classifier, trainer.step)


def cyclegan_job(seed: int, threads: int, root: Path) -> dict[str, Any]:
    """shapes-cyclegan: held-out translations scored against their known truth."""
    from ganbench.metrics.translation import translation_metrics

    torch.set_num_threads(threads)
    overrides = [f"seed={seed}", f"threads={threads}", *QUIET, f"logging.root={root}"]
    cfg, trainer = _trained("shapes-cyclegan", [*overrides, f"logging.name=cycle-{seed}"])
    return translation_metrics(cfg, trainer.family.g_ab, trainer.family.g_ba)

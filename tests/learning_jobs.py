"""The long training runs of the learning tests, as plain functions that return their
measurements (each on the given number of torch threads, restored after), so that the tests
only assert on what came back."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
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
    "schedule.steps=600",
    # The default widens the layouts x1.3 when sampling because its 1200 steps at 64 px leave
    # the anchors' spread narrow; 600 steps at 32 px leave it wide (0.5-1.2 against 0.4-0.6),
    # so the wider sampling would overshoot (docs/mode-collapse.md, the learning test).
    "model.stroke_position_temperature=1.0",
]


def on_threads(job: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``job(..., threads, root)`` on ``threads`` torch threads and restore the count."""

    signature = inspect.signature(job)

    @functools.wraps(job)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        threads = signature.bind(*args, **kwargs).arguments["threads"]
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return job(*args, **kwargs)
        finally:
            torch.set_num_threads(previous)

    return wrapped


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


@on_threads
def shapes_job(seed: int, threads: int, root: Path) -> dict[str, Any]:
    """The default recipe (the vector generator) at 32 px, judged by an independent
    classifier, OpenCV's primitive count and within-class MS-SSIM against real images."""
    from ganbench.config import load_config
    from ganbench.data.build import build_dataset
    from ganbench.data.dataset import to_float
    from ganbench.metrics.validity import shape_validity
    from ganbench.sampling import generate, latent_batch

    from .shape_classifier import accuracy, train_shape_classifier

    overrides = [*SHAPES_RUN, *QUIET, f"seed={seed}", f"logging.root={root}"]
    overrides += [f"threads={threads}", f"logging.name=shapes-{seed}"]
    cfg = load_config(None, overrides)  # the default recipe
    judge = train_shape_classifier(cfg.data, seed=123, steps=150)
    held_out = build_dataset(cfg.data, seed=999, size=400)
    real = to_float(held_out.images)
    cfg, trainer = _trained(None, overrides)
    z, labels = latent_batch(cfg, 400, seed=7)
    samples = generate(trainer.sampling_generator, z, labels)
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


@on_threads
def sgan_job(seed: int, threads: int, root: Path) -> dict[str, Any]:
    """digits-sgan: D's held-out accuracy beside the same network trained on the labels alone."""
    from ganbench.families.sgan_baseline import classifier_comparison

    overrides = [f"seed={seed}", f"threads={threads}", *QUIET, f"logging.root={root}"]
    cfg, trainer = _trained("digits-sgan", [*overrides, f"logging.name=sgan-{seed}"])
    return classifier_comparison(cfg, trainer.family.classifier, trainer.step)


@on_threads
def cyclegan_job(
    seed: int, threads: int, root: Path, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """shapes-cyclegan (with ``extra`` overrides): held-out translations scored against their
    known truth."""
    from ganbench.metrics.translation import translation_metrics

    overrides = [f"seed={seed}", f"threads={threads}", *QUIET, *extra]
    overrides.append(f"logging.root={root}")
    cfg, trainer = _trained("shapes-cyclegan", [*overrides, f"logging.name=cycle-{seed}"])
    return translation_metrics(cfg, trainer.family.g_ab, trainer.family.g_ba)


@on_threads
def conditioning_spread_job(mode: str, seed: int, threads: int, root: Path) -> float:
    """Three overlapping 2D Gaussian classes (unit std, centres on a unit circle) learnt with D
    conditioning ``mode``: each class's covariance trace over the truth's, averaged."""
    import numpy as np

    from ganbench.sampling import generate, latent_batch

    overrides = [
        "data.modes=3", "data.radius=1", "data.mode_std=1.0", "model.conditioning=embedding",
        f"model.d_conditioning={mode}", "schedule.steps=2000", "optimiser.lr_decay_start=500",
        f"seed={seed}", f"threads={threads}", *QUIET, f"logging.root={root}",
        f"logging.name=conditioning-{mode}-{seed}",
    ]  # fmt: skip
    cfg, trainer = _trained("ring-gan", overrides)
    ratios = []
    for k in range(3):
        z, labels = latent_batch(cfg, 4000, 123, torch.full((4000,), k))
        points = generate(trainer.sampling_generator, z, labels).numpy()
        ratios.append(np.trace(np.cov(points.T)) / 2.0)
    return float(np.mean(ratios))


@on_threads
def bigan_ring_job(seed: int, threads: int, root: Path, steps: int = 3000) -> dict[str, Any]:
    """ring-bigan: how often G(E(x)) lands in the mode of x, on unseen points."""
    from ganbench.families.bigan_probe import mode_agreement

    overrides = [f"seed={seed}", f"threads={threads}", *QUIET, f"logging.root={root}"]
    overrides.append(f"schedule.steps={steps}")
    cfg, trainer = _trained("ring-bigan", [*overrides, f"logging.name=bigan-{seed}"])
    return mode_agreement(trainer.family, cfg)


PGGAN_STAGE_STEPS = 150  # steps of 32 images a stage trains stable, and a fade-in lasts
PGGAN_RUN = [
    f"pggan.stage_images={32 * PGGAN_STAGE_STEPS}",
    f"pggan.fade_images={32 * PGGAN_STAGE_STEPS}",
    "model.g_width=32",
    "model.d_width=32",
    "data.size=2000",
    f"schedule.steps={4 * PGGAN_STAGE_STEPS}",
]


@on_threads
def pggan_growth_job(seed: int, threads: int, root: Path) -> dict[str, Any]:
    """shapes-pggan grown 8 -> 16 -> 32 px: oracle FD (at 32 px) at the end of each stage and
    once the next stage has faded in."""
    from ganbench.config import load_config
    from ganbench.metrics.evaluate import evaluate
    from ganbench.sampling import generate, latent_batch
    from ganbench.training.rundir import RunDir
    from ganbench.training.trainer import Trainer

    overrides = [*PGGAN_RUN, f"seed={seed}", f"threads={threads}", *QUIET,
                 f"logging.root={root}", f"logging.name=pggan-{seed}"]  # fmt: skip
    cfg = load_config("shapes-pggan", overrides)
    trainer = Trainer(cfg, RunDir.create(cfg))

    def draw(n: int):
        z, _ = latent_batch(cfg, n, 7)
        return generate(trainer.family.sampler(), z), None

    fd = {}
    for k in (1, 2, 3, 4):  # the end of 8 px, 16 px faded in, the end of 16, 32 faded in
        trainer.fit(k * PGGAN_STAGE_STEPS)
        result = evaluate(draw, cfg.data, ["fd"], 1000, seed=3)
        fd[k * PGGAN_STAGE_STEPS] = result["metrics"]["fd_oracle"]
    return {"fd": fd, "resolution": trainer.family.resolutions[trainer.family.stage]}

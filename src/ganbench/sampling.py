"""Drawing images from a generator: the fixed grid of a run and free sampling."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from ganbench.config import Config
from ganbench.errors import CheckpointError
from ganbench.models import sample_latent
from ganbench.seeding import derive_seed, torch_generator
from ganbench.training.rundir import RunDir

if TYPE_CHECKING:
    from ganbench.families.base import Family


def latent_batch(
    cfg: Config, n: int, seed: int, labels: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``n`` latents from ``seed``; when conditional and no labels are given, labels cycle."""
    z = sample_latent(n, cfg.model.latent_dim, cfg.model.latent_distribution, torch_generator(seed))
    if cfg.conditional and labels is None:
        labels = torch.arange(n) % len(cfg.data.class_names)
    return z, labels if cfg.conditional else None


EMA_STATISTICS_SAMPLES = 512


def statistics_latents(cfg: Config) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """Fixed latent batches of the training batch size (labels cycling over the classes) on
    which an EMA generator's batch-norm statistics are recomputed."""
    batch = cfg.schedule.batch_size
    z, labels = latent_batch(cfg, EMA_STATISTICS_SAMPLES, derive_seed(cfg.seed, "ema-statistics"))
    return [
        (z[i : i + batch], None if labels is None else labels[i : i + batch])
        for i in range(0, len(z), batch)
    ]


def fixed_grid_latents(cfg: Config, columns: int = 8) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The run's fixed latent batch: one row per class when conditional (at most 16 rows),
    else 8 rows; 1024 points for point data, whose samples are a scatter plot."""
    if cfg.data.kind == "points":
        return latent_batch(cfg, 1024, derive_seed(cfg.seed, "grid"))
    rows = min(len(cfg.data.class_names), 16) if cfg.conditional else 8
    labels = torch.arange(rows).repeat_interleave(columns) if cfg.conditional else None
    return latent_batch(cfg, rows * columns, derive_seed(cfg.seed, "grid"), labels)


@torch.no_grad()
def generate(
    generator: nn.Module,
    z: torch.Tensor,
    labels: torch.Tensor | None = None,
    batch_size: int = 256,
) -> torch.Tensor:
    """Images in [-1, 1] on the CPU, with batch norm in inference mode (running statistics).

    Inference mode makes a sample independent of the others in its batch and leaves the
    generator's buffers untouched, so sampling never changes a training run.
    """
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    try:
        chunks = []
        for start in range(0, len(z), batch_size):
            part = z[start : start + batch_size].to(device)
            y = None if labels is None else labels[start : start + batch_size].to(device)
            out = generator(part, y).float()
            if out.dim() == 4:  # images: a linear-output generator may overshoot the range
                out = out.clamp_(-1, 1)
            chunks.append(out.cpu())
        return torch.cat(chunks)
    finally:
        generator.train(was_training)


def truncated_latent_batch(
    cfg: Config, n: int, seed: int, labels: torch.Tensor | None, truncation: float | None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """:func:`latent_batch`, with entries beyond +-``truncation`` redrawn (BigGAN)."""
    z, labels = latent_batch(cfg, n, seed, labels)
    if truncation is not None:
        from ganbench.models.truncation import truncate_latent

        z = truncate_latent(z, truncation, torch_generator(seed, "truncation"))
    return z, labels


def load_run_family(run: RunDir, step: int | None = None) -> tuple[Family, Config, dict]:
    """A run's family at its newest (or given) checkpoint, built for sampling (no training
    data). Returns (family, config, checkpoint metadata)."""
    from ganbench.families.build import build_family
    from ganbench.training import checkpoint

    cfg = run.read_config()
    stem = run.stem_for_step(step) if step is not None else None
    tensors, meta = run.load_checkpoint(stem)
    family = build_family(cfg, torch.device("cpu"))
    try:
        checkpoint.restore_family(family, tensors, meta, optimisers=False)
    except (RuntimeError, KeyError, ValueError) as exc:
        raise CheckpointError(
            f"the checkpoint in {run.path} does not fit the model its config builds: {exc}"
        ) from None
    return family, cfg, meta


def load_run_generator(
    run: RunDir, step: int | None = None, ema: bool = True
) -> tuple[nn.Module, Config, dict]:
    """A run's sampling network at its newest (or given) checkpoint: the averaged (EMA) copy
    when the run kept one and ``ema`` is true. Returns (network, config, checkpoint
    metadata, with ``weights`` naming the weights used)."""
    family, cfg, meta = load_run_family(run, step)
    meta["weights"] = family.sampler_weights(ema)
    return family.sampler(ema).eval(), cfg, meta

"""How much the GAN helped: a semi-supervised D against the same classifier trained on the
same labelled images alone, both scored on held-out images the run never saw."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.build import build_dataset
from ganbench.data.catalogue import SOURCES
from ganbench.data.dataset import DataSet, to_float
from ganbench.errors import EvaluationError
from ganbench.objectives.semi_supervised import supervised_loss
from ganbench.seeding import derive_seed, torch_generator


def held_out(cfg: Config) -> DataSet:
    """The held-out split where the source has one; fresh renders of a synthetic source."""
    info = SOURCES[cfg.data.source]
    if "split" in info.settings:
        data = build_dataset(cfg.data.model_copy(update={"split": "test"}), cfg.seed)
    elif info.synthetic:
        data = build_dataset(cfg.data, derive_seed(cfg.seed, "held-out"))
    else:
        raise EvaluationError(
            f"data.source={cfg.data.source} has no held-out split to score a classifier on"
        )
    if not isinstance(data, DataSet):
        raise EvaluationError("classifier accuracy needs a stored held-out set (data.stream)")
    return data


@torch.no_grad()
def accuracy(net: nn.Module, data: DataSet, batch_size: int = 256) -> float:
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    correct = 0
    try:
        for start in range(0, len(data), batch_size):
            images = to_float(data.data[start : start + batch_size]).to(device)
            labels = data.labels[start : start + batch_size].to(device)
            correct += int((net(images).argmax(1) == labels).sum())
    finally:
        net.train(was_training)
    return correct / len(data)


def train_supervised(cfg: Config, steps: int) -> tuple[nn.Module, int]:
    """D's network from D's initial weights, trained for ``steps`` steps on the labelled
    images alone, with the same batches of them and the same optimiser as the run.
    Returns (network, number of labelled images)."""
    from ganbench.families.sgan import build_classifier, labelled_pool

    train = build_dataset(cfg.data, cfg.seed)
    if not isinstance(train, DataSet):
        raise EvaluationError("the supervised baseline needs a stored data set (data.stream)")
    pool = labelled_pool(train, cfg)
    net = build_classifier(cfg)
    opt = cfg.optimiser
    optimiser = torch.optim.Adam(net.parameters(), lr=opt.d_lr, betas=(opt.beta1, opt.beta2))
    size = cfg.sgan.labelled_batch or cfg.schedule.batch_size
    for step in range(steps):
        images, labels = pool.batch(size, torch_generator(cfg.seed, "sgan-batch", step))
        optimiser.zero_grad(set_to_none=True)
        supervised_loss(net(images), labels).backward()
        optimiser.step()
    return net, len(pool)


def classifier_comparison(cfg: Config, classifier: nn.Module, steps: int) -> dict[str, Any]:
    test = held_out(cfg)
    started = time.perf_counter()
    baseline, labelled = train_supervised(cfg, steps)
    ours, theirs = accuracy(classifier, test), accuracy(baseline, test)
    return {
        "classifier_accuracy": ours,
        "supervised_baseline_accuracy": theirs,
        "gain": ours - theirs,
        "labelled_images": labelled,
        "held_out_images": len(test),
        "baseline_steps": steps,
        "baseline_seconds": round(time.perf_counter() - started, 1),
    }

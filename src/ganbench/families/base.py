"""The interface between the trainer and a GAN family.

A family owns its networks and optimisers and orders its own updates; the trainer owns
everything around them (data iteration, learning-rate schedules, logging, sample grids,
evaluation, checkpoints, the stop and divergence guards) and never asks which family it
runs. Adding a family is one file in this package plus one line in
:mod:`ganbench.families.catalogue`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.dataset import DataSet
from ganbench.data.stream import StreamSet
from ganbench.training.distributed import Shard

Batch = tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class DataNeeds:
    """What one training step consumes (which data set it reads is the family's ``layout``)."""

    batches_per_step: int = 1  # real batches drawn for one step (D steps per G step)


class Family(ABC):
    """One way of training adversarial networks.

    ``modules`` and ``optimisers`` are named (the names key the checkpoint and the logged
    learning rates, ``lr_<optimiser name>``); ``base_lrs`` holds each optimiser's learning
    rate before any schedule.
    """

    name: ClassVar[str]
    # What a training step reads: one labelled set, or two unpaired domains (A, B) per batch.
    layout: ClassVar[Literal["labelled", "unpaired"]] = "labelled"
    # Whether the sampler maps noise to samples (grids, generate and evaluate draw from z).
    samples_from_noise: ClassVar[bool] = True

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        """``data``: the training set, when training (a family that only samples, for
        ``generate`` and ``evaluate``, gets none)."""
        self.cfg, self.device, self.data = cfg, device, data
        self.modules: dict[str, nn.Module] = {}
        self.optimisers: dict[str, torch.optim.Optimizer] = {}
        self.base_lrs: dict[str, float] = {}
        self.shard = Shard()

    def use_shard(self, shard: Shard) -> None:
        """Train on one rank's slice of every global batch (several processes): a family
        that draws its own batches or latents takes ``self.shard.take`` of the global draw."""
        self.shard = shard

    def data_needs(self, step: int) -> DataNeeds:
        return DataNeeds()

    @abstractmethod
    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        """One step on ``batches`` (as :meth:`data_needs` asked); ``step`` counts the steps
        done before it. Returns the step's statistics as 0-d tensors, by name."""

    def headline(self) -> tuple[str, ...]:
        """Statistics that must stay finite (the divergence guard) and lead the progress bar."""
        return ()

    def status(self) -> dict[str, float]:
        """Where the family stands after its latest step (e.g. a growth stage), added as it
        is to every logged record (statistics are averaged over the logged steps)."""
        return {}

    def progress(self, record: dict[str, Any]) -> str:
        """The progress bar's text for one logged record."""
        return " ".join(f"{key} {record[key]:.3f}" for key in self.headline() if key in record)

    # extra state beyond modules and optimisers (EMA, pools, random streams) -------------
    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {}

    def state_meta(self) -> dict[str, Any]:
        return {}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Restore what :meth:`state_tensors` and :meth:`state_meta` saved (nothing here)."""
        return None

    # sampling ---------------------------------------------------------------------------
    @abstractmethod
    def sampler(self, averaged: bool = True) -> nn.Module:
        """The network samples are drawn from, ``(z, labels) -> samples``: grids,
        ``generate`` and ``evaluate`` all use it. ``averaged``: an averaged copy (EMA) where
        the family keeps one."""

    @torch.no_grad()
    def grid_images(self, z: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, int]:
        """The images of a sample grid for the trainer's fixed latents, and images per row."""
        from ganbench.sampling import generate

        return generate(self.sampler(), z, labels), 8

    def sampler_weights(self, averaged: bool = True) -> str:
        """Which weights :meth:`sampler` returns, for the record (e.g. ``ema``)."""
        return "generator"

    def evaluate(self, step: int, metrics: Sequence[str] | None = None) -> dict[str, Any]:
        """Measurements only this family can make (``ganbench evaluate`` adds them under
        ``family``); ``step`` is the checkpoint's step, ``metrics`` what the user asked for
        with ``--metrics`` (None: the defaults)."""
        return {}

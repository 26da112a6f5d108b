"""Several processes training one run: data-parallel over ranks started by ``torchrun``.

Each rank holds a full copy of every network. ``schedule.batch_size`` stays the global
batch: every rank draws the same global batch (and the same global latents) and trains on
its own slice, so N ranks with B/N images each see what one process sees with B.

Gradients are averaged the way StyleGAN3 does it rather than with ``DistributedDataParallel``:
a hook before every optimiser step all-reduces the gradients of the parameters that
optimiser updates. A GAN step updates two networks in turn and runs D frozen inside G's
step; one hook per optimiser fits any family's phases without ``no_sync`` bookkeeping or
unused-parameter errors. Batch-norm running statistics stay per rank during training (they
do not change a training step's output) and are taken from rank 0 before every checkpoint,
so a resumed run continues exactly. Only rank 0 writes the run directory.
"""

from __future__ import annotations

import datetime
import json
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from ganbench.atomic import atomic_write_text
from ganbench.errors import ConfigError

TIMEOUT = datetime.timedelta(minutes=30)  # a rank that evaluates while the others wait


@dataclass(frozen=True)
class Shard:
    """Which slice of every global batch this process trains on."""

    rank: int = 0
    world: int = 1

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def writer(self) -> bool:
        """Whether this process writes the run directory (rank 0 only)."""
        return self.rank == 0

    @property
    def salt(self) -> tuple[int, ...]:
        """Extra seed parts for per-rank randomness (none in a single process, so a
        one-process run draws exactly what it always drew)."""
        return (self.rank,) if self.active else ()

    def take(self, tensor: torch.Tensor) -> torch.Tensor:
        """This rank's slice of a global batch (the whole batch in a single process)."""
        if not self.active:
            return tensor
        size = len(tensor) // self.world
        return tensor[self.rank * size : (self.rank + 1) * size]


def shard_from_environment() -> Shard:
    """The rank and world size ``torchrun`` exports (a single process otherwise)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    return Shard(rank, world)


def check_split(batch_size: int, world: int) -> None:
    """Refuse a global batch that ``world`` processes cannot share equally."""
    if batch_size % world:
        raise ConfigError(
            f"schedule.batch_size={batch_size} cannot be split over {world} processes; "
            f"use a batch size divisible by {world} (each process trains on "
            "batch_size / processes images)"
        )


def join_process_group(device: torch.device) -> None:
    """Join the process group ``torchrun`` set up (gloo on the CPU, NCCL on GPUs; once)."""
    if dist.is_initialized() or not shard_from_environment().active:
        return
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=TIMEOUT)


def shared_value(value: object) -> object:
    """Rank 0's ``value`` on every rank (e.g. the run directory rank 0 created)."""
    if not dist.is_initialized():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def relaunch(nproc: int, argv: list[str]) -> int:
    """Run ``ganbench ARGV`` again as ``nproc`` processes under torchrun (one machine)."""
    import subprocess
    import sys

    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc_per_node={nproc}", "-m", "ganbench", *argv,
    ]  # fmt: skip
    return subprocess.call(command)


class Distributed:
    """The collective operations the trainer needs; every one is a no-op in one process."""

    def __init__(self, batch_size: int, device: torch.device, shard: Shard | None = None):
        self.shard = shard or shard_from_environment()
        self.device = device
        self.agreement: list[dict] = []
        self.batch_size = batch_size
        if not self.shard.active:
            return
        check_split(batch_size, self.shard.world)
        join_process_group(device)

    @property
    def active(self) -> bool:
        return self.shard.active

    # setting up -------------------------------------------------------------------------
    def attach(self, family) -> None:
        """Give the family its shard, make every rank start from rank 0's weights and
        average gradients before every optimiser step."""
        family.use_shard(self.shard)
        if not self.active:
            return
        for module in family.modules.values():
            self.broadcast(module.parameters())
            self.broadcast(module.buffers())
        for optimiser in family.optimisers.values():
            optimiser.register_step_pre_hook(self._average_gradients)

    def broadcast(self, tensors: Iterable[torch.Tensor]) -> None:
        """Overwrite ``tensors`` with rank 0's values."""
        if not self.active:
            return
        with torch.no_grad():
            for tensor in tensors:
                dist.broadcast(tensor.data, src=0)

    def _average_gradients(self, optimiser: torch.optim.Optimizer, args, kwargs) -> None:
        params = [p for group in optimiser.param_groups for p in group["params"]]
        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.shard.world
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()

    # during the loop --------------------------------------------------------------------
    def batch(self, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(self.shard.take(t) for t in batch)

    def mean(self, sums: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Per-rank statistics averaged over the ranks (what the metrics line shows)."""
        if not self.active or not sums:
            return sums
        keys = sorted(sums)
        flat = torch.cat([sums[k].detach().float().reshape(-1) for k in keys])
        dist.all_reduce(flat)
        flat /= self.shard.world
        out, offset = {}, 0
        for key in keys:
            n = sums[key].numel()
            out[key] = flat[offset : offset + n].view_as(sums[key])
            offset += n
        return out

    def any(self, flag: bool) -> bool:
        """True on every rank when it is true on one (a stop request, a time cap)."""
        if not self.active:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)  # NCCL: on the GPU
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def before_checkpoint(self, family, step: int) -> None:
        """Take rank 0's batch-norm statistics everywhere and check that every rank holds
        the same weights (a disagreement is a bug worth stopping for)."""
        if not self.active:
            return
        for module in family.modules.values():
            self.broadcast(module.buffers())
        checksum = weights_checksum(family.modules.values())
        local = torch.tensor([float(checksum)], dtype=torch.float64, device=self.device)
        gathered = [torch.zeros_like(local) for _ in range(self.shard.world)]
        dist.all_gather(gathered, local)
        agree = all(float(g.item()) == float(local.item()) for g in gathered)
        self.agreement.append({"step": step, "ranks_agree": agree})
        if not agree:
            raise RuntimeError(
                f"the {self.shard.world} processes hold different weights at step {step}; "
                "the run is stopped before a checkpoint mixes them"
            )

    def write_record(self, run_path: Path) -> None:
        """``distributed.json`` in the run directory: how many processes trained it and
        whether their weights agreed at every checkpoint."""
        if not self.active:
            return
        record = {
            "world_size": self.shard.world,
            "backend": dist.get_backend() if dist.is_initialized() else None,
            "batch_per_process": self.batch_size // self.shard.world,
            "checks": self.agreement,
        }
        atomic_write_text(run_path / "distributed.json", json.dumps(record, indent=2) + "\n")

    def close(self) -> None:
        if self.active and dist.is_initialized():
            dist.destroy_process_group()


def weights_checksum(modules: Iterable[nn.Module]) -> int:
    """A CRC of every parameter's bytes: equal exactly when the weights are."""
    crc = 0
    for module in modules:
        for tensor in module.parameters():
            raw = tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
            crc = zlib.crc32(raw.numpy().tobytes(), crc)
    return crc

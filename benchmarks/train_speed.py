"""Training throughput of ganbench's adversarial step against the textbook DCGAN loop.

Measures images/s, on the CPU, of one full training iteration (a D update, then a G update):

- ``textbook fp32``: the pytorch/examples dcgan/main.py loop, written out here with its own
  Sequential networks, BCELoss on a Sigmoid output and Adam(2e-4, betas=(0.5, 0.999));
- ``ganbench fp32`` / ``ganbench bf16``: ganbench's AdversarialStep on the same architecture
  (``model.preset=radford``, unconditional, 64x64, batch 64), with precision fp32 and bf16;
- ``default recipe fp32``: AdversarialStep on ganbench's default recipe (conditional, width 32);
- with ``--raw-bf16`` also ``textbook bf16 autocast``: the textbook loop under
  ``torch.autocast("cpu", torch.bfloat16)``, which shows what bf16 kernels cost on this CPU.

All candidates get the same random batches in [-1, 1]. Steps are interleaved (one step of
each candidate in turn, in a rotating order) and repeated in rounds, and each ratio is the
median over rounds of candidate/baseline measured in the same round, so that load from other
processes on the machine affects every candidate alike.

Run from the repository root::

    .venv/bin/python benchmarks/train_speed.py            # 3 rounds of 15 timed steps
    .venv/bin/python benchmarks/train_speed.py --quick    # smoke run: 1 round of 2 steps
    .venv/bin/python benchmarks/train_speed.py --steps 30 --rounds 5 --threads 2 --raw-bf16
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ganbench.config import load_config
from ganbench.models import build_models
from ganbench.objectives import build_loss
from ganbench.objectives.adversarial_step import AdversarialStep, GANState
from ganbench.training.precision import cpu_has_fast_bf16

BATCH = 64
IMAGE = (3, 64, 64)
NZ, NGF, NDF = 100, 64, 64
RADFORD = [
    "model.preset=radford",
    "model.conditioning=none",
    "data.image_size=64",
    f"schedule.batch_size={BATCH}",
]
TARGETS = {"ganbench fp32": 1.15, "ganbench bf16": 1.6}

Step = Callable[[torch.Tensor, torch.Tensor], object]


# The textbook loop -------------------------------------------------------------------------
def _up(cin: int, cout: int, stride: int = 2, pad: int = 1) -> list[nn.Module]:
    return [
        nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(True),
    ]


def _down(cin: int, cout: int, norm: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 4, 2, 1, bias=False)]
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    return [*layers, nn.LeakyReLU(0.2, inplace=True)]


def textbook_networks() -> tuple[nn.Module, nn.Module]:
    """The example's 64x64 generator and discriminator, N(0, 0.02) initialised."""
    generator = nn.Sequential(
        *_up(NZ, NGF * 8, 1, 0),
        *_up(NGF * 8, NGF * 4),
        *_up(NGF * 4, NGF * 2),
        *_up(NGF * 2, NGF),
        nn.ConvTranspose2d(NGF, IMAGE[0], 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        *_down(IMAGE[0], NDF, norm=False),
        *_down(NDF, NDF * 2),
        *_down(NDF * 2, NDF * 4),
        *_down(NDF * 4, NDF * 8),
        nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False),
        nn.Sigmoid(),
    )
    for layer in [*generator.modules(), *discriminator.modules()]:
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(layer.weight, 0.0, 0.02)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)
    return generator, discriminator


class TextbookLoop:
    """One iteration of the example's loop; ``autocast`` wraps the forward passes in bf16."""

    def __init__(self, autocast: bool = False):
        torch.manual_seed(0)
        self.netG, self.netD = textbook_networks()
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.criterion = nn.BCELoss()
        self.autocast = autocast

    def _forward(self) -> contextlib.AbstractContextManager:
        if self.autocast:
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def __call__(self, real: torch.Tensor, labels: torch.Tensor) -> object:
        b = real.shape[0]
        ones, zeros = torch.full((b,), 1.0), torch.full((b,), 0.0)
        # D: maximise log D(x) + log(1 - D(G(z)))
        self.netD.zero_grad()
        with self._forward():
            out_real = self.netD(real).view(-1).float()
        err_real = self.criterion(out_real, ones)
        err_real.backward()
        noise = torch.randn(b, NZ, 1, 1)
        with self._forward():
            fake = self.netG(noise)
            out_fake = self.netD(fake.detach()).view(-1).float()
        err_fake = self.criterion(out_fake, zeros)
        err_fake.backward()
        self.optD.step()
        # G: maximise log D(G(z))
        self.netG.zero_grad()
        with self._forward():
            out = self.netD(fake).view(-1).float()
        err_g = self.criterion(out, ones)
        err_g.backward()
        self.optG.step()
        return err_real + err_fake, err_g


# ganbench ----------------------------------------------------------------------------------
def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def check_same_networks(overrides: list[str]) -> None:
    """Refuse to time a stack that is not the textbook's: parameter counts must be equal."""
    generator, discriminator = build_models(load_config("shapes-conv", overrides))
    netG, netD = textbook_networks()
    ours = (parameter_count(generator), parameter_count(discriminator))
    theirs = (parameter_count(netG), parameter_count(netD))
    if ours != theirs:
        raise SystemExit(
            f"ganbench built G/D with {ours[0]:,}/{ours[1]:,} parameters for "
            f"{' '.join(overrides)}, the textbook has {theirs[0]:,}/{theirs[1]:,}: "
            "the benchmark would not compare the same networks"
        )


def ganbench_step(overrides: list[str], precision: str) -> Step:
    """ganbench's AdversarialStep with its own models and optimisers, as the trainer sets up."""
    cfg = load_config("shapes-conv", overrides)
    generator, discriminator = build_models(cfg)
    opt = cfg.optimiser
    betas = (opt.beta1, opt.beta2)
    state = GANState(
        generator=generator,
        discriminator=discriminator,
        g_optimiser=torch.optim.Adam(generator.parameters(), lr=opt.g_lr, betas=betas),
        d_optimiser=torch.optim.Adam(discriminator.parameters(), lr=opt.d_lr, betas=betas),
        latent_rng=torch.Generator().manual_seed(cfg.seed),
    )
    update = AdversarialStep(
        build_loss(cfg.objective.loss),
        cfg.model.latent_dim,
        cfg.model.latent_distribution,
        cfg.conditional,
        torch.device("cpu"),
        precision,
    )
    return lambda real, labels: update(state, [(real, labels)])


# Measurement -------------------------------------------------------------------------------
@dataclass
class Candidate:
    name: str
    step: Step
    rates: list[float]  # images/s, one per round


def measure(
    candidates: list[Candidate],
    batches: list[tuple[torch.Tensor, torch.Tensor]],
    args: argparse.Namespace,
) -> None:
    """Warm up each candidate, then time interleaved steps round by round."""
    for c in candidates:
        for i in range(args.warmup):
            c.step(*batches[i % len(batches)])
    for r in range(args.rounds):
        seconds = [0.0] * len(candidates)
        for i in range(args.steps):
            real, labels = batches[i % len(batches)]
            shift = (r * args.steps + i) % len(candidates)
            for k in [*range(shift, len(candidates)), *range(shift)]:
                start = time.perf_counter()
                candidates[k].step(real, labels)
                seconds[k] += time.perf_counter() - start
        for c, s in zip(candidates, seconds, strict=True):
            c.rates.append(args.steps * BATCH / s)
        line = "  ".join(f"{c.name}: {c.rates[-1]:.1f}" for c in candidates)
        print(f"round {r + 1}/{args.rounds} (images/s)  {line}", flush=True)


def report(candidates: list[Candidate]) -> None:
    base = candidates[0]
    print()
    print(
        f"{'candidate':<28}{'images/s (median)':>19}{'min-max':>15}{'vs baseline':>13}{'target':>9}"
    )
    for c in candidates:
        ratios = [x / b for x, b in zip(c.rates, base.rates, strict=True)]
        ratio = statistics.median(ratios)
        target = TARGETS.get(c.name)
        verdict = "" if target is None else f">={target:.2f} {'ok' if ratio >= target else 'MISS'}"
        spread = f"{min(c.rates):.1f}-{max(c.rates):.1f}"
        print(
            f"{c.name:<28}{statistics.median(c.rates):>19.1f}{spread:>15}{ratio:>12.2f}x  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="timed steps per round (15)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (3; --quick: 1)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (2)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 steps, 1 round")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (2)")
    parser.add_argument(
        "--raw-bf16", action="store_true", help="also time the textbook loop in bf16 (slow)"
    )
    args = parser.parse_args()
    args.steps = args.steps or (2 if args.quick else 15)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    torch.set_num_threads(args.threads)
    # The header says so already when bf16 falls back to fp32 on this CPU.
    warnings.filterwarnings("ignore", "precision=bf16", RuntimeWarning)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}, "
        f"native bf16 kernels: {'yes' if cpu_has_fast_bf16() else 'no (bf16 computes in fp32)'}"
    )
    print(
        f"batch {BATCH} of {'x'.join(map(str, IMAGE))}, {args.warmup} warm-up steps, "
        f"{args.rounds} rounds of {args.steps} interleaved steps"
    )

    check_same_networks(RADFORD)
    candidates = [
        Candidate("textbook fp32", TextbookLoop(), []),
        Candidate("ganbench fp32", ganbench_step(RADFORD, "fp32"), []),
        Candidate("ganbench bf16", ganbench_step(RADFORD, "bf16"), []),
        Candidate("default recipe fp32", ganbench_step([], "fp32"), []),
    ]
    if args.raw_bf16:
        candidates.append(Candidate("textbook bf16 autocast", TextbookLoop(autocast=True), []))
    num_classes = len(load_config("shapes-conv", []).data.class_names)
    data = torch.Generator().manual_seed(0)
    batches = [
        (
            torch.rand(BATCH, *IMAGE, generator=data) * 2 - 1,
            torch.randint(num_classes, (BATCH,), generator=data),
        )
        for _ in range(4)
    ]
    measure(candidates, batches, args)
    report(candidates)


if __name__ == "__main__":
    main()

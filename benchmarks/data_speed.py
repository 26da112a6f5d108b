"""Does data generation keep up with training? Shapes images/s against the step's appetite.

Measures, in one run on this machine:

- ``consumption``: images/s one training step of the default recipe eats (batch 64, 64x64,
  all CPU threads), the baseline every producer is compared with;
- ``render, 1 process``: seed-000 shapes drawn in this process (the fixed set's path);
- ``fixed set, N workers``: the same set drawn in N worker processes;
- ``stream, N workers``: fresh batches every step through the DataLoader over step numbers.

Each producer prints images/s and its ratio to consumption; a ratio above 1 means data
never bounds training.

    .venv/bin/python benchmarks/data_speed.py             # 2 workers, 4096 images
    .venv/bin/python benchmarks/data_speed.py --workers 4 --images 8192
    .venv/bin/python benchmarks/data_speed.py --quick     # smoke run: 256 images, 2 steps
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbench.config import load_config
from ganbench.data.build import build_dataset, shapes_drawer
from ganbench.models import build_models
from ganbench.objectives import build_loss
from ganbench.objectives.adversarial_step import AdversarialStep, GANState
from ganbench.seeding import torch_generator


def consumption(steps: int) -> float:
    cfg = load_config(None, [])
    generator, discriminator = build_models(cfg)
    state = GANState(
        generator,
        discriminator,
        torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999)),
        torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999)),
        torch_generator(0, "latent"),
    )
    update = AdversarialStep(
        build_loss("non_saturating"), cfg.model.latent_dim, "gaussian", True, torch.device("cpu")
    )
    real = torch.rand(64, 3, 64, 64) * 2 - 1
    labels = torch.arange(64) % 4
    update(state, [(real, labels)])  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        update(state, [(real, labels)])
    return steps * 64 / (time.perf_counter() - start)


def render_rate(images: int, workers: int) -> float:
    cfg = load_config(None, [f"data.workers={workers}"]).data
    drawer = shapes_drawer(cfg)
    start = time.perf_counter()
    drawer.fixed_set(images, seed=0, workers=workers)
    return images / (time.perf_counter() - start)


def stream_rate(images: int, workers: int) -> float:
    cfg = load_config(None, ["data.stream=true", f"data.workers={workers}"]).data
    stream = build_dataset(cfg, seed=0)
    batches = stream.batches(0, 64, seed=0)
    next(batches)  # workers started
    start = time.perf_counter()
    for _ in range(images // 64):
        next(batches)
    rate = (images // 64) * 64 / (time.perf_counter() - start)
    batches.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="training steps timed")
    parser.add_argument("--quick", action="store_true", help="smoke run: 256 images, 2 steps")
    args = parser.parse_args()
    if args.quick:
        args.images, args.steps = 256, 2
    eaten = consumption(args.steps)
    rows = [
        ("render, 1 process", render_rate(args.images, 0)),
        (f"fixed set, {args.workers} workers", render_rate(args.images, args.workers)),
        ("stream, in process", stream_rate(args.images, 0)),
        (f"stream, {args.workers} workers", stream_rate(args.images, args.workers)),
    ]
    print(f"{'producer':28s} {'images/s':>10s} {'x consumption':>14s}")
    print(f"{'consumption (train step)':28s} {eaten:10.0f} {1.0:14.2f}")
    for name, rate in rows:
        print(f"{name:28s} {rate:10.0f} {rate / eaten:14.2f}")


if __name__ == "__main__":
    main()

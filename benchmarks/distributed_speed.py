"""Training images/s with several processes against one, on this machine.

Measures, in one run, the same recipe and global batch trained by:

- ``1 process``: one process with every core's threads (the baseline);
- ``N processes``: ``ganbench train --nproc N`` (torchrun, gloo on the CPU), each process with
  cores / N threads and batch / N images.

Each prints images/s over the timed steps (from the run's metrics lines, the first line
left out as warm-up) and its ratio to the baseline. The runs must build the same networks:
the parameter counts of their checkpoints are compared and the benchmark refuses to print a
ratio between different models.

    .venv/bin/python benchmarks/distributed_speed.py              # default recipe, 40 steps
    .venv/bin/python benchmarks/distributed_speed.py --nproc 4 --steps 100
    .venv/bin/python benchmarks/distributed_speed.py --quick      # smoke run: tiny model
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from safetensors import safe_open

QUICK = [
    "data.image_size=32", "data.size=64", "model.g_width=4", "model.d_width=4",
    "schedule.batch_size=8",
]  # fmt: skip


def train(root: Path, name: str, overrides: list[str], nproc: int) -> Path:
    command = [sys.executable, "-m", "ganbench", "train", *overrides, f"logging.root={root}"]
    command.append(f"logging.name={name}")
    if nproc > 1:
        command.append(f"--nproc={nproc}")
    env = {**os.environ, "GLOO_SOCKET_IFNAME": os.environ.get("GLOO_SOCKET_IFNAME", "lo")}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{name}: training failed:\n{result.stderr[-3000:]}")
    return root / name


def images_per_second(run: Path) -> float:
    lines = [json.loads(line) for line in (run / "metrics.jsonl").open()]
    timed = [r for r in lines if "images_per_s" in r][1:] or lines
    return sum(r["images_per_s"] for r in timed) / len(timed)


def parameter_count(run: Path) -> int:
    stem = sorted((run / "checkpoints").glob("*.safetensors"))[-1]
    with safe_open(str(stem), "pt") as tensors:
        names = [k for k in tensors.keys() if k.startswith("module.")]  # noqa: SIM118
        return sum(_numel(tensors.get_slice(k).get_shape()) for k in names)


def _numel(shape: list[int]) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    steps, log_every = (4, 2) if args.quick else (args.steps, 10)
    overrides = [
        *(QUICK if args.quick else []),
        f"schedule.steps={steps}",
        f"logging.log_every={log_every}",
        "logging.progress=false",
        "logging.tensorboard=false",
        "logging.report=false",
    ]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        single = train(root, "one", overrides, 1)
        several = train(root, "several", overrides, args.nproc)
        counts = parameter_count(single), parameter_count(several)
        if counts[0] != counts[1]:
            raise SystemExit(f"the runs built different networks ({counts[0]} vs {counts[1]})")
        base = images_per_second(single)
        rate = images_per_second(several)
        print(f"networks: {counts[0]:,} parameters in both runs; {os.cpu_count()} cores")
        print(f"1 process          {base:8.1f} images/s  1.00x")
        print(f"{args.nproc} processes        {rate:8.1f} images/s  {rate / base:.2f}x")


if __name__ == "__main__":
    main()

"""How long does evaluating 10k generated samples with every metric take on this machine?

Target: <= 60 s on a CPU for the default recipe's 64x64 shapes. The baseline, measured in the
same run, is the time to merely generate the samples; each metric prints its seconds and its
ratio to that baseline. The oracle is trained (or read from the cache) before timing starts.

    .venv/bin/python benchmarks/eval_speed.py           # 10k samples, every metric
    .venv/bin/python benchmarks/eval_speed.py --quick   # 1000 samples
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbench.config import load_config
from ganbench.metrics.evaluate import IMAGE_METRICS, evaluate
from ganbench.metrics.oracle import load_oracle
from ganbench.models import build_models
from ganbench.sampling import generate, latent_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 1000 if args.quick else args.n
    cfg = load_config(None, [])
    generator, _ = build_models(cfg)
    classes = len(cfg.data.class_names)

    def draw(count: int):
        labels = torch.arange(count) % classes
        z, labels = latent_batch(cfg, count, 1, labels)
        return generate(generator, z, labels), labels

    oracle = load_oracle(cfg.data)
    started = time.perf_counter()
    draw(n)
    baseline = time.perf_counter() - started
    print(f"generate {n} samples (baseline): {baseline:6.1f} s")
    total = 0.0
    for metric in IMAGE_METRICS:
        started = time.perf_counter()
        evaluate(draw, cfg.data, [metric], n, oracle=oracle)
        seconds = time.perf_counter() - started
        total += seconds
        print(f"{metric:10} {seconds:6.1f} s  {seconds / baseline:5.2f}x baseline (incl. floors)")
    started = time.perf_counter()
    evaluate(draw, cfg.data, list(IMAGE_METRICS), n, oracle=oracle)
    together = time.perf_counter() - started
    print(
        f"all metrics in one call: {together:6.1f} s ({together / baseline:.2f}x baseline); "
        f"target <= 60 s: {'met' if together <= 60 else 'missed'}"
    )


if __name__ == "__main__":
    main()

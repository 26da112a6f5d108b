"""How long does evaluating 10k generated samples with every metric take on this machine?

Targets on a CPU for the default recipe's 64x64 shapes: <= 60 s for the first evaluation of a
source (the floors computed), <= 25 s for every later one (the floors read from their cache).
The baseline, measured in the same run, is the time to merely generate the samples (the faster
of two draws); each metric prints its seconds and its ratio to that baseline. The oracle is
trained (or read from the cache) before timing starts. All metrics together are timed twice:
first computing the real-vs-real and noise floors, then with the floors read from their cache
(every later evaluation of the same data: the real sample's features, PRDC radii and SWD
descriptors are read too, so no real image is rendered). The targets apply to the evaluation
itself, the time to generate the samples subtracted.

    .venv/bin/python benchmarks/eval_speed.py           # 10k samples, every metric
    .venv/bin/python benchmarks/eval_speed.py --quick   # 300 samples, the cheap metrics together
"""

from __future__ import annotations

import argparse
import tempfile
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
    n = 300 if args.quick else args.n
    cfg = load_config(None, [])
    generator, _ = build_models(cfg)
    classes = len(cfg.data.class_names)

    def draw(count: int):
        labels = torch.arange(count) % classes
        z, labels = latent_batch(cfg, count, 1, labels)
        return generate(generator, z, labels), labels

    oracle = load_oracle(cfg.data)
    baseline = float("inf")
    for _ in range(2):  # the faster of two draws: the first pays for warming up
        started = time.perf_counter()
        draw(n)
        baseline = min(baseline, time.perf_counter() - started)
    print(f"generate {n} samples (baseline): {baseline:6.1f} s")
    with tempfile.TemporaryDirectory() as floors:
        for metric in () if args.quick else IMAGE_METRICS:  # quick: all metrics together only
            started = time.perf_counter()
            evaluate(draw, cfg.data, [metric], n, oracle=oracle, cache_dir=floors)
            seconds = time.perf_counter() - started
            print(
                f"{metric:10} {seconds:6.1f} s  {seconds / baseline:5.2f}x baseline (with floors)"
            )
        # quick: the cheap metrics only (MS-SSIM and SWD take most of a full run's time)
        every = [m for m in IMAGE_METRICS if not args.quick or m not in ("ms_ssim", "swd")]
        for label, target in (("first call, floors computed", 60), ("again, floors cached", 25)):
            started = time.perf_counter()
            result = evaluate(draw, cfg.data, every, n, oracle=oracle, cache_dir=floors)
            seconds = time.perf_counter() - started
            cached = target == 25
            # the second call must be the cached path it names: floors and real sample reused
            assert result["floors_cached"] == result["reference_cached"] == cached, result
            evaluation = seconds - baseline
            print(
                f"{'cheap' if args.quick else 'all'} metrics, {label}: {seconds:6.1f} s "
                f"({seconds / baseline:.2f}x baseline); "
                f"without generating: {evaluation:6.1f} s; target <= {target} s: "
                f"{'met' if evaluation <= target else 'missed'}"
            )


if __name__ == "__main__":
    main()

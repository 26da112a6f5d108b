"""Evaluate a generator against its real data: every metric with its floor and ceiling.

``evaluate(generator_fn, reference)`` needs no run directory: ``generator_fn(n)`` returns n
generated images in [-1, 1] (N, C, H, W) or n points (N, 2), or ``(samples, labels)`` for a
conditional generator. Distances are computed in the feature space of the source's oracle
(``fd_oracle``: "FD-<source>", never called FID). Each distance is reported with two reference
values measured in the same call (seed 004's baselines): ``real_vs_real``, a second real sample
of the same size against the first (the best a generator can score at this n), and ``noise``,
uniform noise against the real sample (a generator that learned nothing). Floors do not depend
on the generator, so they are cached (:mod:`ganbench.metrics.floor_cache`) and a later call
with the same data, n, seed, metrics and feature networks reads them (``floors_cached``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import torch

from ganbench.config import DataConfig
from ganbench.errors import EvaluationError
from ganbench.metrics.reference import INCEPTION_METRICS, RealReference, jsonable

IMAGE_METRICS = ("classes", "validity", "fd", "kid", "prdc", "swd", "ms_ssim")
POINT_METRICS = ("toy",)
DISTANCES = ("fd", "kid", "prdc", "swd")
DEFAULT_IMAGE_METRICS = ("classes", "fd", "kid", "prdc")
TOY_SAMPLES = 2500
DEFAULT_IMAGE_SAMPLES = 2000

GeneratorFn = Callable[[int], torch.Tensor | tuple[torch.Tensor, torch.Tensor | None]]


def available_metrics(data: DataConfig) -> tuple[str, ...]:
    if data.kind == "points":
        return POINT_METRICS if data.source in ("ring", "grid") else ()
    images = tuple(m for m in IMAGE_METRICS if m != "validity" or data.source == "shapes")
    return (*images, *INCEPTION_METRICS)


def default_metrics(data: DataConfig) -> tuple[str, ...]:
    return POINT_METRICS if data.kind == "points" else DEFAULT_IMAGE_METRICS


def _check_metrics(data: DataConfig, metrics: tuple[str, ...]) -> None:
    allowed = available_metrics(data)
    if not allowed:
        raise EvaluationError(
            f"data.source={data.source} has no evaluation yet: metrics exist for image sources "
            "with classes (an oracle judges them) and for the ring and grid toys"
        )
    unknown = [m for m in metrics if m not in allowed]
    if unknown:
        raise EvaluationError(
            f"unknown metric {unknown[0]!r} for data.source={data.source}; "
            f"allowed: {', '.join(allowed)}"
        )


def _is_synthetic(data: DataConfig) -> bool:
    return data.kind == "points" or data.source in ("shapes", "stacked_digits")


def _real_sample(
    data: DataConfig, n: int, seed: int, part: int = 0, dataset: Any = None
) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """n real items (as floats) with labels, drawn independently of training (own seed).

    Synthetic sources render a fresh sample for each (seed, part). A fixed set (digits, MNIST,
    image folders; pass ``dataset`` to reuse one already built) is shuffled by ``seed`` and cut
    into disjoint slices of n, ``part`` picking the slice, so the real-vs-real floor never
    compares an image with itself.
    """
    if _is_synthetic(data):
        dataset = _build_real(data, seed + part, n)
        items, labels = dataset.batch(0, n, seed + part)
    else:
        if dataset is None:
            dataset = _build_real(data, seed)
        if len(dataset) < 2 * n:
            raise EvaluationError(
                f"the real data has {len(dataset)} items; the reference and the real-vs-real "
                f"floor need two disjoint samples of n={n}, so lower --n to at most "
                f"{len(dataset) // 2}"
            )
        items, labels = dataset.batch(part, n, seed)  # images come as floats in [-1, 1]
    return items.float(), labels, dataset


def _build_real(data: DataConfig, seed: int, size: int | None = None) -> Any:
    """The real data as an in-memory set; shapes render in two processes (same images)."""
    from ganbench.data.build import build_dataset

    workers = min(2, os.cpu_count() or 1) if data.source == "shapes" else 0
    fixed = data.model_copy(update={"stream": False, "workers": workers, "cache": False})
    return build_dataset(fixed, seed, size=size)


def _split(output: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    if isinstance(output, tuple):
        return output[0], output[1]
    return output, None


def _generated(generator_fn: GeneratorFn, n: int, shape: tuple[int, ...]) -> tuple:
    samples, labels = _split(generator_fn(n))
    samples = samples.detach().float().cpu()
    if tuple(samples.shape[1:]) != shape or len(samples) != n:
        raise EvaluationError(
            f"the generator returned samples of shape {tuple(samples.shape)}; the real data "
            f"needs ({n}, {', '.join(map(str, shape))})"
        )
    return samples, labels


def _toy(points: torch.Tensor, dataset: Any, data: DataConfig) -> dict[str, Any]:
    from ganbench.data.toys import DEFAULT_STD
    from ganbench.metrics.toys import toy_metrics

    std = data.mode_std or DEFAULT_STD[data.source]
    weights = data.proportions
    return toy_metrics(points, dataset.centres, std, weights=weights)


def evaluate(
    generator_fn: GeneratorFn,
    reference: DataConfig,
    metrics: tuple[str, ...] | list[str] | None = None,
    n: int | None = None,
    seed: int = 0,
    oracle: Any = None,
    cache_dir: Any = None,
    inception: Any = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Score ``generator_fn`` against real data described by ``reference``; JSON-able result.

    ``progress`` hears one line per stage (real sample, generation, scoring, floors).

    ``inception`` (from :func:`ganbench.metrics.inception.load_inception`, local weights only)
    enables ``fd_inception``, ``kid_inception`` and ``is_inception``.
    """
    data = reference
    names = tuple(metrics) if metrics else default_metrics(data)
    _check_metrics(data, names)
    if inception is None and any(m in INCEPTION_METRICS for m in names):
        raise EvaluationError(
            "Inception metrics need local Inception-v3 weights: pass --inception-weights PATH "
            "(ganbench never downloads)"
        )
    started = time.perf_counter()
    if data.kind == "points":
        n = n or TOY_SAMPLES
        real, _, dataset = _real_sample(data, n, seed + 1)
        fake, _ = _generated(generator_fn, n, tuple(real.shape[1:]))
        low, high = real.min(0).values, real.max(0).values
        noise = low + (high - low) * torch.rand(
            real.shape, generator=torch.Generator().manual_seed(seed)
        )
        return {
            "samples": n,
            "metrics": {"toy": _toy(fake, dataset, data)},
            "floors": {
                "real": {"toy": _toy(real, dataset, data)},
                "noise": {"toy": _toy(noise, dataset, data)},
            },
            "seconds": time.perf_counter() - started,
        }

    from ganbench.metrics.floor_cache import floor_key, read_floors, write_floors, write_reference
    from ganbench.metrics.oracle import load_oracle

    oracle = oracle or load_oracle(data, seed=0, cache_dir=cache_dir)
    # a fixed set (digits, folders) is loaded only when a real sample is drawn or n is unknown
    fixed_set = cache(lambda: None if _is_synthetic(data) else _build_real(data, seed + 1))
    # two disjoint real samples are drawn: a small fixed set caps the default n at half its size
    n = n or min(
        DEFAULT_IMAGE_SAMPLES,
        DEFAULT_IMAGE_SAMPLES if fixed_set() is None else len(fixed_set()) // 2,
    )
    say = progress or (lambda _: None)
    key = floor_key(data, n, seed, names, oracle, inception)
    floors = read_floors(key, cache_dir)
    reference = (
        None
        if floors is None
        else _stored_reference(key, names, data, oracle, inception, seed, cache_dir)
    )
    reference_cached = reference is not None
    if reference is None:
        say(f"real sample: {n} images")
        real, real_labels, _ = _real_sample(data, n, seed + 1, dataset=fixed_set())
        reference = RealReference.from_images(
            names, data, oracle, inception, seed, real, real_labels
        )
    else:
        say(f"real sample: {n} images, judged before (cached)")
    shape = reference.shape
    say(f"generating {n} images")
    fake, fake_labels = _generated(generator_fn, n, tuple(shape[1:]))
    say(f"scoring: {', '.join(names)}")
    values = reference.score(fake, fake_labels)

    say(
        "floors: cached" if floors is not None else "floors: scoring a second real sample and noise"
    )
    cached = floors is not None
    if floors is None:
        second, second_labels, _ = _real_sample(data, n, seed + 1, 1, fixed_set())
        noise = torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        floors = {
            "real_vs_real": jsonable(reference.score(second, second_labels)),
            "noise": jsonable(reference.score(noise, None)),
        }
        write_floors(key, floors, cache_dir)
    if not reference_cached:
        write_reference(key, reference.state(), cache_dir)
    feature_network = {
        "name": oracle.name,
        "checksum": oracle.checksum,
        "held_out_accuracy": oracle.accuracy,
    }
    return {
        "samples": n,
        "metrics": jsonable(values),
        "floors": floors,
        "floors_cached": cached,
        "reference_cached": reference_cached,
        "feature_network": feature_network,
        "seconds": time.perf_counter() - started,
    }


def _stored_reference(
    key: str | None,
    names: tuple[str, ...],
    data: DataConfig,
    oracle: Any,
    inception: Any,
    seed: int,
    cache_dir: Any,
) -> RealReference | None:
    """The real reference an earlier call with the same key kept, or None (absent, damaged or
    incomplete: the real sample is then rendered and judged again)."""
    from ganbench.metrics.floor_cache import read_reference

    state = read_reference(key, cache_dir)
    if state is None:
        return None
    try:
        return RealReference.from_state(names, data, oracle, inception, seed, state)
    except (KeyError, ValueError, IndexError, TypeError, RuntimeError):
        return None


def flatten(result: dict[str, Any]) -> dict[str, float]:
    """Scalar leaves as dotted keys (for tables and logs)."""
    out: dict[str, float] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{prefix}{key}.")
        elif isinstance(node, int | float) and not isinstance(node, bool):
            out[prefix.rstrip(".")] = float(node)

    walk(result, "")
    return out


def table(result: dict[str, Any]) -> str:
    """Value, real-vs-real floor and noise reference side by side, one metric per line."""
    values = flatten(result["metrics"])
    real = flatten(result["floors"].get("real_vs_real", result["floors"].get("real", {})))
    noise = flatten(result["floors"].get("noise", {}))
    rows = [f"{'metric':40} {'generated':>12} {'real floor':>12} {'noise':>12}"]
    for key, value in values.items():
        if key.endswith(("per_class", "histogram")) or ".per_class" in key or ".histogram" in key:
            continue
        r, z = real.get(key), noise.get(key)
        cells = [f"{v:12.4g}" if v is not None else f"{'':>12}" for v in (value, r, z)]
        rows.append(f"{key:40} {' '.join(cells)}")
    return "\n".join(rows)

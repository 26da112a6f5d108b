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
from functools import cached_property
from typing import Any

import numpy as np
import torch

from ganbench.config import DataConfig
from ganbench.errors import EvaluationError

IMAGE_METRICS = ("classes", "validity", "fd", "kid", "prdc", "swd", "ms_ssim")
INCEPTION_METRICS = ("fd_inception", "kid_inception", "is_inception")
POINT_METRICS = ("toy",)
DISTANCES = ("fd", "kid", "prdc", "swd")
DEFAULT_IMAGE_METRICS = ("classes", "fd", "kid", "prdc")
TOY_SAMPLES = 2500
MS_SSIM_PAIRS = 2000
MIN_CLASS_PAIRS = 100
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


def _distances(
    names: tuple[str, ...],
    reference: _Reference,
    other: torch.Tensor,
    other_features: torch.Tensor,
) -> dict[str, Any]:
    from ganbench.metrics.frechet import frechet_distance
    from ganbench.metrics.kid import kernel_distance

    out: dict[str, Any] = {}
    if "fd" in names:
        out["fd_oracle"] = frechet_distance(reference.features, other_features)
    if "kid" in names:
        out["kid_oracle"] = kernel_distance(reference.features, other_features, seed=reference.seed)
    if "prdc" in names:
        out["prdc_oracle"] = reference.prdc.score(other_features)
    if "swd" in names and reference.real.shape[-1] >= 16:
        out["swd"] = reference.swd.score(other)["mean"]
    return out


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

    from ganbench.metrics.floor_cache import floor_key, read_floors, write_floors
    from ganbench.metrics.oracle import load_oracle

    oracle = oracle or load_oracle(data, seed=0, cache_dir=cache_dir)
    fixed_set = None if _is_synthetic(data) else _build_real(data, seed + 1)
    # two disjoint real samples are drawn: a small fixed set caps the default n at half its size
    n = n or min(
        DEFAULT_IMAGE_SAMPLES, DEFAULT_IMAGE_SAMPLES if fixed_set is None else len(fixed_set) // 2
    )
    say = progress or (lambda _: None)
    say(f"real sample: {n} images")
    real, real_labels, _ = _real_sample(data, n, seed + 1, dataset=fixed_set)
    say(f"generating {n} images")
    fake, fake_labels = _generated(generator_fn, n, tuple(real.shape[1:]))
    say(f"scoring: {', '.join(names)}")
    reference = _Reference(
        names, data, oracle, inception, real, real_labels, seed,
        *oracle.features_and_probabilities(real),
    )  # fmt: skip
    values = reference.score(fake, fake_labels)

    key = floor_key(data, n, seed, names, oracle, inception)
    floors = read_floors(key, cache_dir)
    cached = floors is not None
    say("floors: cached" if cached else "floors: scoring a second real sample and noise")
    if floors is None:
        second, second_labels, _ = _real_sample(data, n, seed + 1, 1, fixed_set)
        noise = torch.rand(real.shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        floors = {
            "real_vs_real": _jsonable(reference.score(second, second_labels)),
            "noise": _jsonable(reference.score(noise, None)),
        }
        write_floors(key, floors, cache_dir)
    feature_network = {
        "name": oracle.name,
        "checksum": oracle.checksum,
        "held_out_accuracy": oracle.accuracy,
    }
    return {
        "samples": n,
        "metrics": _jsonable(values),
        "floors": floors,
        "floors_cached": cached,
        "feature_network": feature_network,
        "seconds": time.perf_counter() - started,
    }


class _Reference:
    """The real sample, judged once; scores any other sample of the same size against it."""

    def __init__(
        self,
        names: tuple[str, ...],
        data: DataConfig,
        oracle: Any,
        inception: Any,
        real: torch.Tensor,
        labels: torch.Tensor,
        seed: int,
        features: torch.Tensor,
        probabilities: torch.Tensor,
    ) -> None:
        self.names, self.data, self.oracle, self.seed = names, data, oracle, seed
        self.real, self.features = real, features
        self.histogram = np.bincount(labels.numpy(), minlength=len(oracle.class_names)) / len(
            labels
        )
        self.inception = inception if any(m in INCEPTION_METRICS for m in names) else None
        self.inception_features = (
            None if self.inception is None else self.inception.features(_rgb(real))
        )

    @cached_property
    def prdc(self) -> Any:
        """The real features' k-NN radii, computed once for every sample scored."""
        from ganbench.metrics.prdc import PrdcReference

        return PrdcReference(self.features)

    @cached_property
    def swd(self) -> Any:
        """The real images' SWD descriptors, cut once for every sample scored."""
        from ganbench.metrics.swd import SwdReference

        return SwdReference(self.real, seed=self.seed)

    def score(self, images: torch.Tensor, labels: torch.Tensor | None) -> dict[str, Any]:
        """Every requested metric of ``images`` (with their intended labels, if any)."""
        names, out = self.names, {}
        features, probabilities = self.oracle.features_and_probabilities(images)
        if "classes" in names:
            from ganbench.metrics.classes import class_metrics

            out["classes"] = _jsonable(class_metrics(probabilities, self.histogram))
            if self.data.source == "stacked_digits" and len(self.histogram) == 1000:
                from ganbench.metrics.classes import stacked_channel_breakdown

                histogram = out["classes"]["histogram"]
                out["classes"]["channels"] = stacked_channel_breakdown(histogram, self.histogram)
            if labels is not None:
                hits = probabilities.argmax(1) == labels.cpu()
                out["conditional_accuracy"] = float(hits.float().mean())
        if "validity" in names:
            from ganbench.metrics.validity import shape_validity

            judged = labels if labels is not None else probabilities.argmax(1)
            out["validity"] = _jsonable(shape_validity(images, judged, self.data))
        out.update(_distances(names, self, images, features))
        if self.inception is not None:
            out.update(self._inception_scores(images))
        if "ms_ssim" in names:
            from ganbench.metrics.msssim import ms_ssim_diversity

            n = len(images)
            pairs = min(MS_SSIM_PAIRS, n * (n - 1) // 2)
            out["ms_ssim"] = ms_ssim_diversity(images, pairs=pairs, seed=self.seed)["ms_ssim"]
            judged = labels.cpu() if labels is not None else probabilities.argmax(1)
            out.update(self._ms_ssim_within_classes(images, judged))
        return out

    def _ms_ssim_within_classes(self, images: torch.Tensor, labels: torch.Tensor) -> dict:
        """MS-SSIM among images of one class (the intended class, or the oracle's), averaged
        over the classes with at least two images: the diversity that a mixture of classes
        hides (a generator drawing one image per class scores high here, low overall).
        The pairs are shared among the classes, so this costs about what the overall
        MS-SSIM does (at least ``MIN_CLASS_PAIRS`` per class)."""
        from ganbench.metrics.msssim import ms_ssim_diversity

        counts = torch.bincount(labels, minlength=len(self.oracle.class_names))
        present = int((counts >= 2).sum())
        budget = max(MIN_CLASS_PAIRS, MS_SSIM_PAIRS // max(present, 1))
        per_class: dict[str, float] = {}
        for k, name in enumerate(self.oracle.class_names):
            m = int(counts[k])
            if m >= 2:
                members = images[labels == k]
                pairs = min(budget, m * (m - 1) // 2)
                result = ms_ssim_diversity(members, pairs=pairs, seed=self.seed)
                per_class[name] = result["ms_ssim"]
        mean = float(np.mean(list(per_class.values()))) if per_class else float("nan")
        return {"ms_ssim_within_class": mean, "ms_ssim_per_class": per_class}

    def _inception_scores(self, images: torch.Tensor) -> dict[str, Any]:
        """FD/KID in Inception pool space ("FD-inception": torchvision's network, so not the
        TF-FID numbers of papers) and the Inception score with its classifier."""
        from ganbench.metrics.classes import inception_score
        from ganbench.metrics.frechet import frechet_distance
        from ganbench.metrics.kid import kernel_distance

        names, inception = self.names, self.inception
        out: dict[str, Any] = {
            "inception_network": {"name": inception.name, "checksum": inception.checksum}
        }
        features = inception.features(_rgb(images))
        if "fd_inception" in names:
            out["fd_inception"] = frechet_distance(self.inception_features, features)
        if "kid_inception" in names:
            out["kid_inception"] = kernel_distance(
                self.inception_features, features, seed=self.seed
            )
        if "is_inception" in names:
            out["is_inception"] = inception_score(inception.probabilities(_rgb(images)))[0]
        return out


def _rgb(images: torch.Tensor) -> torch.Tensor:
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray | torch.Tensor):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


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

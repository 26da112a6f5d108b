"""Evaluate a generator against its real data: every metric with its floor and ceiling.

``evaluate(generator_fn, reference)`` needs no run directory: ``generator_fn(n)`` returns n
generated images in [-1, 1] (N, C, H, W) or n points (N, 2), or ``(samples, labels)`` for a
conditional generator. Distances are computed in the feature space of the source's oracle
(``fd_oracle``: "FD-<source>", never called FID). Each distance is reported with two reference
values measured in the same call (seed 004's baselines): ``real_vs_real``, a second real sample
of the same size against the first (the best a generator can score at this n), and ``noise``,
uniform noise against the real sample (a generator that learned nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


def _real_sample(data: DataConfig, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """n real items (as floats) with labels, drawn independently of training (own seed)."""
    from ganbench.data.build import build_dataset

    fixed = data.model_copy(update={"stream": False, "workers": 0, "cache": False})
    synthetic = fixed.kind == "points" or fixed.source in ("shapes", "stacked_digits")
    dataset = build_dataset(fixed, seed, size=n if synthetic else None)
    if len(dataset) < n:
        raise EvaluationError(
            f"the real data has {len(dataset)} items but {n} were asked for; lower --n"
        )
    items, labels = dataset.batch(0, n, seed)  # images come as floats in [-1, 1]
    return items.float(), labels, dataset


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
    real: torch.Tensor,
    other: torch.Tensor,
    real_features: torch.Tensor,
    other_features: torch.Tensor,
    seed: int,
) -> dict[str, Any]:
    from ganbench.metrics.frechet import frechet_distance
    from ganbench.metrics.kid import kernel_distance
    from ganbench.metrics.prdc import prdc
    from ganbench.metrics.swd import swd

    out: dict[str, Any] = {}
    if "fd" in names:
        out["fd_oracle"] = frechet_distance(real_features, other_features)
    if "kid" in names:
        out["kid_oracle"] = kernel_distance(real_features, other_features, seed=seed)
    if "prdc" in names:
        out["prdc_oracle"] = prdc(real_features, other_features)
    if "swd" in names and real.shape[-1] >= 16:
        out["swd"] = swd(real, other, seed=seed)["mean"]
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
) -> dict[str, Any]:
    """Score ``generator_fn`` against real data described by ``reference``; JSON-able result.

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

    n = n or 2000
    from ganbench.metrics.oracle import load_oracle

    oracle = oracle or load_oracle(data, seed=0, cache_dir=cache_dir)
    real, real_labels, _ = _real_sample(data, n, seed + 1)
    second, _, _ = _real_sample(data, n, seed + 2)
    fake, fake_labels = _generated(generator_fn, n, tuple(real.shape[1:]))
    noise = torch.rand(real.shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    feats = {
        name: oracle.features(x)
        for name, x in (("real", real), ("second", second), ("fake", fake), ("noise", noise))
    }

    values: dict[str, Any] = {}
    floors: dict[str, dict[str, Any]] = {"real_vs_real": {}, "noise": {}}
    if "classes" in names:
        from ganbench.metrics.classes import class_metrics

        real_hist = np.bincount(real_labels.numpy(), minlength=len(oracle.class_names)) / n
        fake_probs = oracle.probabilities(fake)
        values["classes"] = _jsonable(class_metrics(fake_probs, real_hist))
        floors["real_vs_real"]["classes"] = _jsonable(
            class_metrics(oracle.probabilities(second), real_hist)
        )
        if fake_labels is not None:
            predicted = fake_probs.argmax(1)
            values["conditional_accuracy"] = float((predicted == fake_labels.cpu()).float().mean())
    if "validity" in names:
        from ganbench.metrics.validity import shape_validity

        labels = fake_labels if fake_labels is not None else oracle.predict(fake)
        values["validity"] = _jsonable(shape_validity(fake, labels, data))
        floors["real_vs_real"]["validity"] = _jsonable(shape_validity(second, real_labels, data))
        floors["noise"]["validity"] = _jsonable(shape_validity(noise, real_labels, data))
    values.update(_distances(names, real, fake, feats["real"], feats["fake"], seed))
    floors["real_vs_real"].update(
        _distances(names, real, second, feats["real"], feats["second"], seed)
    )
    floors["noise"].update(_distances(names, real, noise, feats["real"], feats["noise"], seed))
    if inception is not None and any(m in INCEPTION_METRICS for m in names):
        _inception_metrics(names, inception, real, second, fake, noise, values, floors, seed)
    if "ms_ssim" in names:
        from ganbench.metrics.msssim import ms_ssim_diversity

        pairs = min(MS_SSIM_PAIRS, n * (n - 1) // 2)
        values["ms_ssim"] = ms_ssim_diversity(fake, pairs=pairs, seed=seed)["ms_ssim"]
        floors["real_vs_real"]["ms_ssim"] = ms_ssim_diversity(real, pairs=pairs, seed=seed)[
            "ms_ssim"
        ]
    return {
        "samples": n,
        "metrics": _jsonable(values),
        "floors": _jsonable(floors),
        "feature_network": {
            "name": oracle.name,
            "checksum": oracle.checksum,
            "held_out_accuracy": oracle.accuracy,
        },
        "seconds": time.perf_counter() - started,
    }


def _inception_metrics(names, inception, real, second, fake, noise, values, floors, seed) -> None:
    """FD/KID in Inception pool space ("FD-inception": torchvision's network, so not the
    TF-FID numbers of papers) and the Inception score with its classifier."""
    from ganbench.metrics.classes import inception_score
    from ganbench.metrics.frechet import frechet_distance
    from ganbench.metrics.kid import kernel_distance

    def rgb(x: torch.Tensor) -> torch.Tensor:
        return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x

    sets = (("real", real), ("second", second), ("fake", fake), ("noise", noise))
    feats = {k: inception.features(rgb(x)) for k, x in sets}
    targets = ((values, "fake"), (floors["real_vs_real"], "second"), (floors["noise"], "noise"))
    for target, other in targets:
        if "fd_inception" in names:
            target["fd_inception"] = frechet_distance(feats["real"], feats[other])
        if "kid_inception" in names:
            target["kid_inception"] = kernel_distance(feats["real"], feats[other], seed=seed)
    if "is_inception" in names:
        values["is_inception"] = inception_score(inception.probabilities(rgb(fake)))[0]
        real_is = inception_score(inception.probabilities(rgb(second)))[0]
        floors["real_vs_real"]["is_inception"] = real_is
    values["inception_network"] = {"name": inception.name, "checksum": inception.checksum}


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

"""The metrics a sweep compares, and which way is better: the one table the report reads.

A spec names evaluation metrics as ``ganbench evaluate --metrics`` does (``toy``, ``classes``,
``fd`` ...) plus ``wall_time``. Each yields scalar keys (``toy.high_quality``,
``fd_oracle`` ...), named as ``evaluate.flatten`` and ``ganbench evaluate`` print them; the
report compares the keys listed here. Other scalars (sample counts, k of PRDC) are kept in
trial.json but not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

WALL_TIME = "wall_time"


@dataclass(frozen=True)
class Metric:
    key: str
    group: str  # the evaluation metric that yields it, as evaluate() takes it
    higher_is_better: bool
    what: str


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("toy.modes_covered", "toy", True, "modes with a high-quality sample"),
        Metric("toy.high_quality", "toy", True, "share of samples within 3 sigma of a centre"),
        Metric("toy.reverse_kl", "toy", False, "KL(generated modes || real modes)"),
        Metric("classes.modes_covered", "classes", True, "classes the oracle sees"),
        Metric("classes.kl_forward", "classes", False, "KL(generated || real) class histogram"),
        Metric("classes.kl_reverse", "classes", False, "KL(real || generated) class histogram"),
        Metric("classes.confident_share", "classes", True, "share of confidently classified"),
        Metric("classes.inception_score", "classes", True, "Inception score, oracle classifier"),
        Metric("conditional_accuracy", "classes", True, "samples showing the class asked for"),
        Metric("validity.valid", "validity", True, "share with a valid primitive count"),
        Metric("fd_oracle", "fd", False, "Fréchet distance, oracle features"),
        Metric("kid_oracle.mean", "kid", False, "kernel distance, oracle features"),
        Metric("prdc_oracle.precision", "prdc", True, "precision, oracle features"),
        Metric("prdc_oracle.recall", "prdc", True, "recall, oracle features"),
        Metric("prdc_oracle.density", "prdc", True, "density, oracle features"),
        Metric("prdc_oracle.coverage", "prdc", True, "coverage, oracle features"),
        Metric("swd", "swd", False, "sliced Wasserstein distance"),
        Metric("ms_ssim", "ms_ssim", False, "MS-SSIM of sample pairs (lower: more diverse)"),
        Metric("ms_ssim_within_class", "ms_ssim", False, "MS-SSIM within a class"),
        Metric("fd_inception", "fd_inception", False, "Fréchet distance, Inception features"),
        Metric("kid_inception.mean", "kid_inception", False, "kernel distance, Inception"),
        Metric("is_inception", "is_inception", True, "Inception score"),
        Metric(WALL_TIME, WALL_TIME, False, "seconds of training"),
    )
}


def keys_of(groups: Iterable[str]) -> list[str]:
    """The compared keys the given spec metrics yield, in table order."""
    chosen = set(groups)
    return [m.key for m in METRICS.values() if m.group in chosen]


def scalars(metrics: dict[str, Any]) -> dict[str, float]:
    """evaluate()'s ``metrics`` as flat scalars, without per-class lists and histograms."""
    from ganbench.metrics.evaluate import flatten

    return {
        key: value
        for key, value in flatten(metrics).items()
        if ".per_class" not in key and ".histogram" not in key and "_per_class" not in key
    }

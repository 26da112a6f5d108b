"""Metrics from an oracle classifier's class probabilities on generated samples.

Mode counting and KL follow the Stacked-MNIST protocol (VEEGAN, PacGAN): each sample counts for
its argmax class; a class is covered when it receives at least ``min_count`` samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike

KL_EPS = 1e-10
"""Floor for the second argument of :func:`kl_divergence`, so a class the reference lacks costs
p * log(p / 1e-10) (about 23 p nats) instead of infinity."""


def _probs(probs: ArrayLike | torch.Tensor) -> np.ndarray:
    if isinstance(probs, torch.Tensor):
        probs = probs.detach().cpu().double().numpy()
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"expected class probabilities of shape (N, K), got {p.shape}")
    if (p < 0).any() or not np.allclose(p.sum(1), 1.0, atol=1e-3):
        raise ValueError("rows must be probabilities (non-negative, summing to 1); apply softmax")
    return p


def class_histogram(probs: ArrayLike | torch.Tensor) -> np.ndarray:
    """Share of samples whose argmax is each class, shape (K,)."""
    p = _probs(probs)
    return np.bincount(p.argmax(1), minlength=p.shape[1]) / len(p)


def modes_covered(
    hist_or_labels: ArrayLike, min_count: int = 1, *, samples: int | None = None
) -> int:
    """Number of classes holding at least ``min_count`` samples.

    An integer array is read as one class label per sample; a float array as a per-class
    histogram of counts, or of shares when ``samples`` (the count they are shares of) is given.
    With ``min_count=1`` any positive entry counts, so shares work without ``samples``.
    """
    values = np.asarray(hist_or_labels)
    if values.ndim != 1:
        raise ValueError(f"expected a 1-D histogram or label array, got shape {values.shape}")
    if np.issubdtype(values.dtype, np.integer):
        counts = np.bincount(values)
    else:
        counts = values.astype(np.float64) * (samples if samples is not None else 1)
    if min_count <= 1:
        return int((counts > 0).sum())
    return int((counts >= min_count - 1e-9).sum())


def kl_divergence(p: ArrayLike, q: ArrayLike, eps: float = KL_EPS) -> float:
    """KL(p || q) in nats between two histograms (normalised here).

    Terms with p = 0 contribute 0. q is floored at ``eps`` and renormalised, so a class that p has
    and q lacks gives a large finite value rather than infinity.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"histograms must be 1-D and of equal shape, got {p.shape} and {q.shape}")
    if (p < 0).any() or (q < 0).any() or p.sum() <= 0 or q.sum() <= 0:
        raise ValueError("histograms must be non-negative with positive sums")
    p = p / p.sum()
    q = np.maximum(q / q.sum(), eps)
    q = q / q.sum()
    s = p > 0
    return float(np.sum(p[s] * np.log(p[s] / q[s])))


def confident_share(probs: ArrayLike | torch.Tensor, threshold: float = 0.9) -> np.ndarray:
    """Per class: the share of samples assigned to it (argmax) whose top probability is at least
    ``threshold``; NaN for classes with no samples. Shape (K,)."""
    p = _probs(probs)
    labels = p.argmax(1)
    confident = p.max(1) >= threshold
    k = p.shape[1]
    total = np.bincount(labels, minlength=k).astype(np.float64)
    hits = np.bincount(labels, weights=confident.astype(np.float64), minlength=k)
    out = np.full(k, np.nan)
    np.divide(hits, total, out=out, where=total > 0)
    return out


def inception_score(probs: ArrayLike | torch.Tensor, splits: int = 10) -> tuple[float, float]:
    """Inception Score exp(E_x KL(p(y|x) || p(y))): mean and (population) std over splits.

    Splits are consecutive, unshuffled blocks of near-equal size as in the original OpenAI code;
    0 log 0 = 0.
    """
    p = _probs(probs)
    n = len(p)
    if not 1 <= splits <= n:
        raise ValueError(f"splits must be between 1 and the number of samples ({n}), got {splits}")
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        py = part.mean(0, keepdims=True)
        ratio = np.divide(part, py, out=np.ones_like(part), where=part > 0)
        kl = np.sum(part * np.log(ratio), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_metrics(
    probs: ArrayLike | torch.Tensor,
    real_class_distribution: ArrayLike,
    confident: float = 0.9,
    splits: int = 10,
) -> dict[str, Any]:
    """Modes covered, KL both ways, confident shares and Inception Score of generated samples.

    ``kl_forward`` is KL(generated || real) (the Stacked-MNIST "KL"); ``kl_reverse`` is
    KL(real || generated), which punishes missing classes. ``splits`` shrinks to N for tiny sets.
    ``confident_share_per_class`` holds None for classes no sample was assigned to.
    """
    p = _probs(probs)
    real = np.asarray(real_class_distribution, dtype=np.float64)
    if real.shape != (p.shape[1],):
        raise ValueError(f"real_class_distribution must have shape ({p.shape[1]},)")
    hist = class_histogram(p)
    per_class = confident_share(p, confident)
    is_mean, is_std = inception_score(p, min(splits, len(p)))
    return {
        "modes_covered": modes_covered(hist),
        "modes_total": p.shape[1],
        "kl_forward": kl_divergence(hist, real),
        "kl_reverse": kl_divergence(real, hist),
        "confident_share": float((p.max(1) >= confident).mean()),
        "confident_share_per_class": [None if np.isnan(v) else float(v) for v in per_class],
        "inception_score": is_mean,
        "inception_score_std": is_std,
        "histogram": hist.tolist(),
        "samples": len(p),
    }


def stacked_channel_breakdown(hist: ArrayLike, real: ArrayLike) -> dict[str, float]:
    """Where the KL of a stacked-digits histogram comes from: 1000 triples (100 r + 10 g + b).

    ``kl_forward_r``/``_g``/``_b``: KL(generated || real) of each channel's digit histogram;
    ``kl_dependence``: KL of the generated triples against the product of their own channel
    histograms (0 for independent channels, as in the data, with infinitely many samples; a
    finite sample of n sits near 486 / n, so read it against the real-vs-real floor). A generator
    whose digits are unclear shows large per-channel terms (the oracle's doubt piles onto a
    few digits); one that ties its channels together shows a large dependence term.
    """
    gen = np.asarray(hist, dtype=np.float64).reshape(10, 10, 10)
    ref = np.asarray(real, dtype=np.float64).reshape(10, 10, 10)
    gen, ref = gen / gen.sum(), ref / ref.sum()
    out: dict[str, float] = {}
    marginals = []
    for axis, name in enumerate("rgb"):
        others = tuple(a for a in range(3) if a != axis)
        marginal = gen.sum(others)
        marginals.append(marginal)
        out[f"kl_forward_{name}"] = kl_divergence(marginal, ref.sum(others))
    product = np.einsum("a,b,c->abc", *marginals)
    out["kl_dependence"] = kl_divergence(gen.ravel(), product.ravel())
    return out

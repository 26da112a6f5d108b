"""Scoring a translation against the exact truth of synthetic unpaired domains.

For held-out A images a and their true B counterparts b* (:mod:`ganbench.data.domains`):

- **foreground IoU**: ink pixels of G(a) against those of b*. A pixel is ink when its RGB
  distance from the background is at least half the image's strongest ink: the half-coverage
  contour of anti-aliased strokes, whatever the ink's contrast. (A fixed threshold, as
  first used here, scored the identity map of the colour mapping 0.64 though its geometry
  is exact: a pale ink leaves fewer pixels above it than a dark one on the same strokes.
  With the contrast-relative mask the identity map scores about 0.96; the rest is the
  ±jitter of each shape's colour inside one image and uint8 rounding.);
- **masked L1**: mean absolute difference of G(a) and b* over the union of their ink, in
  [0, 1] units (the empty page would dominate an unmasked mean);
- **colour accuracy**: the share of images whose mean ink colour is nearest to the base
  colour of the right class in B (per-shape jitter is ±``colour_jitter``);
- **steganography ratio** (Chu et al. 2017): |F(b*) - a| / |F(G(a)) - a|. A generator that
  hides a in G(a) rebuilds a far better from its own G(a) than from the true b*: the ratio
  grows well above 1 while G(a) still looks wrong.

The same scores are given for B -> A (F(b*) against a), and for two floors: the identity map
(a itself as the translation) and a random B image (another held-out b*).

With ``classes`` asked for, the oracles' class of each translation (colour mapping only):
G(a) judged by an oracle trained on domain B's classes, F(b*) by one trained on A's, beside
the truth b* (the ceiling) and the floors. The B oracle sees colour and geometry, so the
identity map, right geometry in the wrong colour, scores low.

With ``fd`` asked for, seed 004's Fréchet baselines too, in the feature space of the data's
oracle (trained on domain A's classes; FD-<source>, not FID): A against another draw of A,
B against B, A against B, and G(A) against B. A translation is good when G(A) vs B comes
near B vs B and far below A vs B.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.build import shapes_drawer
from ganbench.data.dataset import to_float, to_uint8
from ganbench.data.domains import (
    colour_domain_b,
    counterparts,
    held_out_seed,
    labelled_counterparts,
)
from ganbench.errors import EvaluationError
from ganbench.seeding import derive_seed

HELD_OUT = 256
INK_FRACTION = 0.5  # of the image's strongest ink
FAINTEST_INK = 25.5  # RGB distance (of at most 441) below which nothing is drawn: a blank page


def _ink(images: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """(N, H, W) bool: pixels at least half as far from the background as the image's
    strongest ink (and visibly off the page)."""
    distance = (images.float() - background.view(1, -1, 1, 1)).pow(2).sum(1).sqrt()
    strongest = distance.flatten(1).amax(1).view(-1, 1, 1)
    return (distance >= INK_FRACTION * strongest) & (distance > FAINTEST_INK)


def _mean_ink_colour(images: torch.Tensor, ink: torch.Tensor) -> torch.Tensor:
    weights = ink.unsqueeze(1).float()
    return (images.float() * weights).sum((2, 3)) / weights.sum((2, 3)).clamp_min(1)


def scores(
    made: torch.Tensor,
    truth: torch.Tensor,
    labels: torch.Tensor,
    class_colours: torch.Tensor,
    background: torch.Tensor,
) -> dict[str, float]:
    """IoU, masked L1 and colour accuracy of uint8 images ``made`` against ``truth``."""
    ink_made, ink_true = _ink(made, background), _ink(truth, background)
    union = (ink_made | ink_true).sum((1, 2)).float()
    iou = ((ink_made & ink_true).sum((1, 2)).float() / union.clamp_min(1)).mean()
    difference = (made.float() - truth.float()).abs().mean(1) / 255
    masked = (difference * (ink_made | ink_true)).sum((1, 2)) / union.clamp_min(1)
    colours = _mean_ink_colour(made, ink_made)
    nearest = torch.cdist(colours, class_colours.float()).argmin(1)
    has_ink = ink_made.any((1, 2))
    return {
        "iou": float(iou),
        "masked_l1": float(masked.mean()),
        "colour_accuracy": float(((nearest == labels) & has_ink).float().mean()),
    }


@torch.no_grad()
def _translate(net: nn.Module, images: torch.Tensor) -> torch.Tensor:
    was_training = net.training
    net.eval()
    try:
        device = next(net.parameters()).device
        out = [net(to_float(part).to(device)).cpu() for part in images.split(64)]
    finally:
        net.train(was_training)
    return to_uint8(torch.cat(out).clamp(-1, 1))


def frechet_baselines(cfg: Config, g_ab: nn.Module, n: int = HELD_OUT) -> dict[str, float]:
    """Seed 004's four Fréchet distances in the oracle's feature space."""
    from ganbench.metrics.frechet import frechet_distance
    from ganbench.metrics.oracle import load_oracle

    oracle = load_oracle(cfg.data)
    a, b = counterparts(cfg.data, n, held_out_seed(cfg.seed))
    a2, b2 = counterparts(cfg.data, n, derive_seed(cfg.seed, "translation-second-draw"))
    features = {
        name: oracle.features(images)
        for name, images in (("a", a), ("a2", a2), ("b", b), ("b2", b2))
    }
    translated = oracle.features(_translate(g_ab, a))
    return {
        "a_vs_a": frechet_distance(features["a"], features["a2"]),
        "b_vs_b": frechet_distance(features["b"], features["b2"]),
        "a_vs_b": frechet_distance(features["a"], features["b2"]),
        "translated_vs_b": frechet_distance(translated, features["b2"]),
    }


def oracle_classes(
    cfg: Config, judged: dict[str, tuple[str, torch.Tensor]], labels: torch.Tensor
) -> dict[str, float]:
    """For each name -> (domain ``a`` or ``b``, images): the share of the images that the
    domain's oracle gives the label of the A image they came from."""
    from ganbench.metrics.oracle import load_oracle

    oracles = {"a": load_oracle(cfg.data), "b": load_oracle(colour_domain_b(cfg.data))}
    return {
        name: float((oracles[domain].probabilities(images).argmax(1) == labels).float().mean())
        for name, (domain, images) in judged.items()
    }


def translation_metrics(
    cfg: Config,
    g_ab: nn.Module,
    g_ba: nn.Module,
    n: int = HELD_OUT,
    fd: bool = False,
    classes: bool = False,
) -> dict[str, Any]:
    """Every score above for ``n`` held-out pairs, with the floors (the oracles' classes
    with ``classes``, the Fréchet baselines with ``fd``)."""
    data = cfg.data
    if data.source != "shapes" or data.translation == "none":
        raise EvaluationError(
            "translation scores need synthetic domains with a known mapping "
            "(data.source=shapes, data.translation=colour|geometry)"
        )
    a, b_true, labels = labelled_counterparts(data, n, held_out_seed(cfg.seed))
    drawer = shapes_drawer(data)
    colours_a = torch.tensor([c.colour for c in drawer.classes])
    colours_b = colours_a.roll(-1, 0) if data.translation == "colour" else colours_a
    background = torch.tensor(data.background, dtype=torch.float32)
    fake_b = _translate(g_ab, a)
    fake_a = _translate(g_ba, b_true)
    rebuilt_from_fake = _translate(g_ba, fake_b)
    other = b_true.roll(1, 0)
    a_to_b = scores(fake_b, b_true, labels, colours_b, background)
    l1 = lambda x, y: float((x.float() - y.float()).abs().mean() / 255)  # noqa: E731
    from_truth, from_own = l1(fake_a, a), l1(rebuilt_from_fake, a)
    result: dict[str, Any] = {
        "a2b": a_to_b,
        "b2a": scores(fake_a, a, labels, colours_a, background),
        "floor_identity": scores(a, b_true, labels, colours_b, background),
        "floor_random_b": scores(other, b_true, labels, colours_b, background),
        "steganography_ratio": from_truth / max(from_own, 1e-6),
        "reconstruction_l1": from_own,
        "held_out_pairs": n,
    }
    if classes and data.translation == "colour":
        judged = {
            "a2b": ("b", fake_b),
            "b2a": ("a", fake_a),
            "truth_b": ("b", b_true),
            "floor_identity": ("b", a),
        }
        result["oracle_class"] = oracle_classes(cfg, judged, labels)
    if fd:
        result["frechet"] = frechet_baselines(cfg, g_ab, n)
    return result

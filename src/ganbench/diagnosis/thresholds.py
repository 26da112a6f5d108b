"""Healthy ranges of the logged signals, by loss, with where each number comes from.

The balance point is where D cannot tell real from fake: D's output sits at its decision
threshold for every image. Its losses there:

- cross-entropy (``non_saturating``, ``minimax``): each of D's two terms is ln 2, so D's loss
  is 2 ln 2 ~ 1.386 (Goodfellow et al. 2014, Theorem 1); G's is ln 2 (non-saturating) or
  -ln 2 (minimax).
- ``hinge``: D's output 0 gives relu(1 - 0) + relu(1 + 0) = 2 (Lim and Ye 2017); G's loss 0.
- ``least_squares`` with targets a (fake), b (real), c (G): D's output (a + b) / 2 gives
  ((b - a) / 2)^2 (each term carries 1/2; Mao et al. 2017), 0.25 for the 0-1 coding; G's
  loss 0.5 (c - (a + b) / 2)^2.
- Wasserstein critics have no balance value (their scores are unbounded): only the
  accuracy-based rules apply.

Thresholds (Brownlee's failure-mode guide in seed 001 chapter 10; ganhacks "track failures
early"; StyleGAN2-ADA's r_t; the rest proposals calibrated on the broken recipes in
``configs/broken/``, see docs/diagnosis.md):
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: D wins: both accuracies at least this (Brownlee: "D accuracy 100%").
D_WINS_ACCURACY = 0.97
#: ... and D's loss below this share of its balance value ("D loss -> ~0").
D_WINS_LOSS_SHARE = 0.1
#: ... in at least this share of a stretch's metrics lines.
SUSTAINED = 0.7
#: ganhacks: "gradient norms > 100 mean trouble".
EXPLODING_GRADIENT_NORM = 100.0
#: a loss this many times its balance value has exploded.
EXPLODING_LOSS_FACTOR = 50.0
#: G's whole-network gradient norm below this while D wins: the saturating loss starves G.
VANISHING_GRADIENT_NORM = 1e-3
#: mode collapse: fakes of one class (or batch) vary less than this share of reals.
COLLAPSED_DIVERSITY = 0.1
#: a mode counts as hit in a stretch when it takes this share of K-uniform's share.
MODE_HIT_SHARE = 0.2
#: StyleGAN2-ADA's target for r_t = E[sign(D(real))] is 0.6; near 1 D has memorised reals.
OVERFITTING_SIGN = 0.9
#: oscillation: D's accuracy on fakes swings between these at least ``OSCILLATION_SWINGS``
#: times in one stretch (the players take turns winning).
OSCILLATION_BAND = (0.3, 0.7)
OSCILLATION_SWINGS = 3


@dataclass(frozen=True)
class LossScale:
    """D's and G's losses at the balance point (None: the loss has none)."""

    loss: str
    d_balance: float | None
    g_balance: float | None
    sigmoid: bool  # D's readable output is a probability


def loss_scale(loss: str, a: float = 0.0, b: float = 1.0, c: float = 1.0) -> LossScale:
    ln2 = math.log(2.0)
    if loss == "non_saturating":
        return LossScale(loss, 2 * ln2, ln2, True)
    if loss == "minimax":
        return LossScale(loss, 2 * ln2, -ln2, True)
    if loss == "hinge":
        return LossScale(loss, 2.0, 0.0, False)
    if loss == "least_squares":
        return LossScale(loss, ((b - a) / 2) ** 2, 0.5 * (c - (a + b) / 2) ** 2, False)
    return LossScale(loss, None, None, False)

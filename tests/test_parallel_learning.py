"""The long learning runs, each on one thread; `pytest -n auto` (the README's command) runs
them side by side, one per core, the longest first (tests/conftest.py orders them).

- The semi-supervised GAN helps: on the bundled digits with 10 labels per class, D
  classifies the held-out digits at least 2 points better than the same network trained on
  the same 100 labelled images alone for the same steps (seed 0; gains on one thread 4.3, 5.3
  and 3.7 points for seeds 0, 1, 2, on two threads 4.7, 5.0, 3.0, so every measured seed
  clears the bar by a point; docs/families.md). 300 steps instead of 600 gave 3.3, 4.3 and
  2.0: too close to a bar to test.
- CycleGAN translates: the shapes-cyclegan networks (happy rings and angry lines trading
  colours, unpaired, 32 px) on a third of the recipe's schedule (500 steps at Adam 5e-4,
  decaying from step 250) recolour held-out images right in both directions and keep their
  strokes: foreground IoU >= 0.72 against the exact truth (seeds 0, 1, 2 on one thread:
  a2b IoU 0.819 / 0.804 / 0.803, b2a 0.809 / 0.825 / 0.794, colour accuracy 0.99-1.00 both
  ways, masked L1 0.29-0.33 of the identity map's; the recipe's first networks, 16 filters
  and 3 blocks, reached only 0.64-0.66 after 800 steps; the identity map, the exact strokes
  in the wrong colour, scores 0.96-0.97 and a random B image 0.04-0.06). The recipe's own
  1500 steps reach 0.91-0.92 (docs/families.md) at three times the cost.
- The default recipe (the vector generator) learns at 32 px with seed 1 on one thread (seed 0
  on two threads is tests/test_learning.py).
- Class conditioning on a toy with analytic truth: three overlapping 2D Gaussian classes
  (unit standard deviation, centres on a unit circle). AC-GAN's classifier term pulls each
  class towards where it is unambiguous, so its samples shrink (TAC-GAN, Gong et al. 2019,
  figure 1); the projection discriminator and TAC-GAN's twin keep each class's spread. The
  test asserts the difference, so it fails if AC-GAN were implemented as projection (spread
  ratios on one thread, projection / AC-GAN / TAC-GAN: seed 1 1.00 / 0.63 / 0.94, seed 0
  1.05 / 0.03 / 0.89, seed 2 1.00 / 0.52 / 0.96; at 1000 steps seeds 0 and 2 fail: projection
  0.77, TAC-GAN 0.45).
- BiGAN inverts G: on the ring with a 2D latent and ALI's stochastic encoder, G(E(x)) lands
  in the mode of x for at least 80% of unseen points on average over three seeds (chance
  12.5%; 1500 steps on one thread: 1.00, 0.76, 1.00; docs/families.md).
- Progressive growing does not lose what a stage learnt: shapes grown 8 -> 16 -> 32 px, the
  oracle FD once each new stage has faded in is at most 1.2 x the FD at the end of the stage
  before (150 steps a stage, seeds 0, 1, 2 on one thread: 0.76-0.92 x at the last growth).
"""

from __future__ import annotations

import pytest

from .learning_jobs import (
    bigan_ring_job,
    conditioning_spread_job,
    cyclegan_job,
    pggan_growth_job,
    sgan_job,
    shapes_job,
)
from .test_learning import check_shapes_learning

pytestmark = pytest.mark.slow

SGAN_GAIN_BAR = 0.02
BIGAN_STEPS = 1500

# The tests run in this order (one thread each, two at a time on a 2-core AMD EPYC with AVX2:
# about 270, 175, 170, 55, 110 and 90 s): `pytest -n 2 --maxschedchunk 1` hands each worker
# two tests at the start, so the first worker takes the first two, the second the next two,
# and the rest go to whichever worker is free.


CYCLEGAN_SHORT = ("schedule.steps=500", "optimiser.lr_decay_start=250")


def test_cyclegan_recolours_unpaired_shapes(tmp_path):
    scores = cyclegan_job(0, 1, tmp_path, CYCLEGAN_SHORT)
    floor = scores["floor_identity"]
    print({k: scores[k] for k in ("a2b", "b2a", "floor_identity", "steganography_ratio")})
    assert scores["a2b"]["colour_accuracy"] >= 0.95, scores
    assert scores["b2a"]["colour_accuracy"] >= 0.95, scores
    # the identity map keeps the geometry exactly (0.96-0.97: per-shape jitter), a random B
    # image does not (0.04-0.06); G reached 0.794-0.825 in seeds 0-2 at 500 steps
    assert floor["iou"] >= 0.9 and scores["floor_random_b"]["iou"] <= 0.1, scores
    assert scores["a2b"]["iou"] >= 0.72 and scores["b2a"]["iou"] >= 0.72, scores
    assert scores["a2b"]["masked_l1"] <= 0.45 * floor["masked_l1"], scores


def test_pggan_keeps_its_quality_through_each_growth(tmp_path):
    result = pggan_growth_job(0, 1, tmp_path)
    fd = result["fd"]
    steps = sorted(fd)
    print("pggan oracle FD at", fd)
    assert result["resolution"] == 32
    assert fd[steps[1]] <= 1.2 * fd[steps[0]], fd  # 16 px faded in vs the end of 8 px
    assert fd[steps[3]] <= 1.2 * fd[steps[2]], fd  # 32 px faded in vs the end of 16 px


def test_sgan_beats_its_supervised_baseline(tmp_path):
    result = sgan_job(0, 1, tmp_path)
    summary = (result["classifier_accuracy"], result["supervised_baseline_accuracy"])
    print("sgan, supervised-only:", summary)
    assert result["gain"] >= SGAN_GAIN_BAR, summary
    assert result["labelled_images"] == 100


def test_conditional_gan_learns_with_another_seed_on_one_thread(tmp_path):
    check_shapes_learning(shapes_job(1, 1, tmp_path))


def test_bigan_reconstructions_land_in_the_mode_of_their_input(tmp_path):
    runs = [bigan_ring_job(seed, 1, tmp_path, steps=BIGAN_STEPS) for seed in (0, 1, 2)]
    agreement = [r["mode_agreement"] for r in runs]
    print(
        "bigan mode agreement:", agreement, "within own mode:", [r["within_own_mode"] for r in runs]
    )
    assert sum(agreement) / 3 >= 0.8, agreement
    assert min(agreement) >= 4 * runs[0]["chance"], agreement  # every seed far above chance


def test_acgan_shrinks_classes_projection_and_tacgan_keep_them(tmp_path):
    modes = ("projection", "acgan", "tacgan")
    ratios = {mode: conditioning_spread_job(mode, 1, 1, tmp_path) for mode in modes}
    print("per-class spread over the truth's:", ratios)
    assert abs(ratios["projection"] - 1) <= 0.15, ratios
    assert abs(ratios["tacgan"] - 1) <= 0.15, ratios
    assert ratios["acgan"] < 0.75, ratios

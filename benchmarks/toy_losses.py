"""Mode coverage of every loss on the 2D ring and grid: the first numbers for mode collapse.

Each loss trains with its default tricks (below) on the ``ring-gan`` and ``grid-gan`` recipes,
one seed each; 2500 samples of the final generator are scored with the VEEGAN/PacGAN toy
metrics (modes covered, share of high-quality samples within 3 sigma, reverse KL). The
baseline row is the real data itself, scored the same way in the same run.

    .venv/bin/python benchmarks/toy_losses.py                 # every loss, ring and grid
    .venv/bin/python benchmarks/toy_losses.py --data ring --losses non_saturating wgan_gp
    .venv/bin/python benchmarks/toy_losses.py --set data.mode_std=0.05
    .venv/bin/python benchmarks/toy_losses.py --quick   # smoke run: two losses, 50 steps

Every row prints the ``ganbench train`` command that reproduces its run.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from ganbench.config import load_config
from ganbench.data.toys import DEFAULT_STD
from ganbench.metrics.toys import toy_metrics
from ganbench.sampling import generate, latent_batch
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

# Two time-scale rates as BigGAN pairs them with critics: D 4x faster, Adam betas (0, 0.9).
TTUR = ["optimiser.d_lr=0.004", "optimiser.beta1=0.0", "optimiser.beta2=0.9"]
# Each loss with the tricks its paper pairs it with.
LOSS_SETTINGS: dict[str, list[str]] = {
    "non_saturating": [],
    "minimax": ["objective.loss=minimax"],
    "least_squares": ["objective.loss=least_squares"],
    "least_squares+sn": ["objective.loss=least_squares", "model.spectral_norm=d", *TTUR],
    "hinge+sn": ["objective.loss=hinge", "model.spectral_norm=d", *TTUR],
    "wasserstein+sn": ["objective.loss=wasserstein", "model.spectral_norm=d", *TTUR],
    # lambda 10 is tuned for images; on the toys (scale ~2) lambda 1 lets the critic learn.
    "wgan_gp": ["objective.loss=wgan_gp", "objective.gp_lambda=1", *TTUR],
    "wgan_clip": ["objective.loss=wgan_clip", "schedule.d_steps=5"],
}
RECIPES = {"ring": "ring-gan", "grid": "grid-gan"}
SAMPLES = 2500


def score(data: str, overrides: list[str], root: str) -> tuple[dict, float]:
    cfg = load_config(
        RECIPES[data],
        [*overrides, "logging.progress=false", "logging.tensorboard=false", f"logging.root={root}"],
    )
    trainer = Trainer(cfg, RunDir.create(cfg))
    started = time.perf_counter()
    trainer.fit(cfg.schedule.steps)
    seconds = time.perf_counter() - started
    z, _ = latent_batch(cfg, SAMPLES, 12345)
    points = generate(trainer.sampling_generator, z)
    std = cfg.data.mode_std or DEFAULT_STD[cfg.data.source]
    return toy_metrics(points, trainer.data.centres, std), seconds


def real_baseline(data: str, overrides: list[str]) -> dict:
    from ganbench.data.build import build_dataset

    cfg = load_config(RECIPES[data], overrides)
    real = build_dataset(cfg.data, cfg.seed + 1, size=SAMPLES)
    points, _ = real.batch(0, SAMPLES, cfg.seed + 1)
    std = cfg.data.mode_std or DEFAULT_STD[cfg.data.source]
    return toy_metrics(points, real.centres, std)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--losses", nargs="+", default=list(LOSS_SETTINGS))
    parser.add_argument("--set", nargs="*", default=[], metavar="key=value")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: ring, two losses, 50 steps each"
    )
    args = parser.parse_args()
    if args.quick:
        args.data, args.losses = ["ring"], ["non_saturating", "wgan_gp"]
        args.set = [*args.set, "schedule.steps=50"]
    header = f"{'data':5} {'loss':16} {'modes':>7} {'HQ %':>6} {'rev KL':>7} {'s':>6}  command"
    print(header)
    with tempfile.TemporaryDirectory() as root:
        for data in args.data:
            real = real_baseline(data, args.set)
            print(
                f"{data:5} {'(real data)':16} {real['modes_covered']:>3}/{real['modes_total']:<3} "
                f"{100 * real['high_quality']:6.1f} {real['reverse_kl']:7.3f} {'':>6}"
            )
            for loss in args.losses:
                overrides = [*LOSS_SETTINGS[loss], *args.set]
                m, seconds = score(data, overrides, root)
                command = " ".join(["ganbench train", RECIPES[data], *overrides])
                print(
                    f"{data:5} {loss:16} {m['modes_covered']:>3}/{m['modes_total']:<3} "
                    f"{100 * m['high_quality']:6.1f} {m['reverse_kl']:7.3f} {seconds:6.1f}  "
                    f"{command}",
                    flush=True,
                )


if __name__ == "__main__":
    main()

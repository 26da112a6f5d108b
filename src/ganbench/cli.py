"""The ``ganbench`` command line.

Heavy imports (torch) happen inside each command, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys

from ganbench.commands import (
    cmd_data_list,
    cmd_data_preview,
    cmd_encode,
    cmd_evaluate,
    cmd_generate,
    cmd_translate,
)
from ganbench.errors import GanbenchError
from ganbench.inspection import add_inspection_commands
from ganbench.train_commands import cmd_resume, cmd_train

EXAMPLES = """\
examples:
  ganbench train                                  the default recipe (conditional shapes, strokes)
  ganbench train shapes-dcgan schedule.steps=300  a recipe by name, with an override
  ganbench train my.yaml model.g_width=64 --print-config
  ganbench resume runs/NAME --steps 2400          continue a run, bit-exactly
  ganbench generate runs/NAME --n 64 --class happy --out happy.png
  ganbench data preview shapes --classes happy sad --out preview.png
  ganbench data preview ring --out ring.png       scatter of a 2D toy
  ganbench data list                              every source and its settings
  ganbench diagnose runs/NAME                     verdict with evidence (convergence, collapse...)
  ganbench report runs/NAME                       one self-contained HTML page
  ganbench recipes                                list the ready recipes
  ganbench sweep configs/experiments/seed000-init.yaml --workers 2
                                                  a sweep over settings and seeds, with statistics
"""


def cmd_recipes(ns: argparse.Namespace) -> int:
    from ganbench.config import available_recipes, recipes_dir

    for name in available_recipes():
        first = (recipes_dir() / f"{name}.yaml").read_text().splitlines()[0]
        print(f"{name:24s} {first.lstrip('# ')}")
    return 0


def cmd_sweep(ns: argparse.Namespace) -> int:
    from ganbench.sweeps.executors import make_executor
    from ganbench.sweeps.plan import build_plan
    from ganbench.sweeps.runner import run_sweep
    from ganbench.sweeps.spec import load_spec
    from ganbench.training.runtime import available_cores

    threads = ns.threads or max(1, available_cores() // ns.workers)
    executor = None
    if not (ns.report or ns.list):  # before planning: a missing Ray fails at once
        executor = make_executor(ns.executor, ns.workers, threads, ns.address)
    spec = load_spec(ns.spec)
    plan = build_plan(spec, ns.root, threads)
    if ns.list:
        for task in plan.tasks:
            print(task.name)
        print(f"{len(plan.tasks)} trials in {plan.sweep_dir}")
        return 0
    if ns.report:
        from ganbench.sweeps.report import write_report

        write_report(plan)
        return 0
    print(f"sweep {spec.name}: {len(plan.tasks)} trials in {plan.sweep_dir}")
    result = run_sweep(plan, executor, retry_failed=ns.retry_failed)
    if result.interrupted:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


NPROC_HELP = (
    "train with N processes on this machine (torchrun; data-parallel, schedule.batch_size "
    "split among them)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganbench",
        description="Train, watch and measure GANs on controllable synthetic images.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser(
        "train",
        help="train a recipe",
        description="Train a recipe: [CONFIG.yaml | recipe name] [key=value ...]",
    )
    train.add_argument("args", nargs="*", metavar="[CONFIG] key=value", help="recipe and overrides")
    train.add_argument("--print-config", action="store_true", help="print the resolved config")
    train.add_argument("--nproc", type=_positive, help=NPROC_HELP)
    train.set_defaults(func=cmd_train)

    resume = sub.add_parser("resume", help="continue a run from its latest checkpoint")
    resume.add_argument("run_dir")
    resume.add_argument("overrides", nargs="*", metavar="key=value")
    resume.add_argument("--steps", type=_positive, help="train until this total step count")
    resume.add_argument("--force", action="store_true", help="resume even if the config changed")
    resume.add_argument(
        "--step",
        type=_non_negative,
        help="resume from this checkpoint (default: the newest intact one); later ones are removed",
    )
    resume.add_argument("--nproc", type=_positive, help=NPROC_HELP)
    resume.set_defaults(func=cmd_resume)

    gen = sub.add_parser("generate", help="sample a grid from a run's generator")
    gen.add_argument("run_dir")
    gen.add_argument("--n", type=_positive, default=64, help="number of samples (default 64)")
    gen.add_argument("--class", dest="class_name", help="class to draw (conditional runs)")
    gen.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    gen.add_argument("--step", type=_non_negative, help="checkpoint step (default: latest)")
    gen.add_argument("--columns", type=_positive, default=8)
    gen.add_argument(
        "--truncation",
        type=_positive_float,
        help="redraw latent entries beyond +-T (BigGAN; e.g. 0.5)",
    )
    gen.add_argument(
        "--no-ema", action="store_true", help="use the raw generator even if the run kept an EMA"
    )
    gen.add_argument("--out", default="generated.png", help="PNG to write")
    gen.set_defaults(func=cmd_generate)

    tr = sub.add_parser("translate", help="translate images with a translation run (cyclegan)")
    tr.add_argument("run_dir")
    tr.add_argument(
        "--input",
        required=True,
        help="a folder of images, or 'synthetic': held-out images of the run's synthetic domain",
    )
    tr.add_argument("--direction", choices=("a2b", "b2a"), default="a2b")
    tr.add_argument("--n", type=_positive, default=64, help="at most this many images")
    tr.add_argument("--step", type=_non_negative, help="checkpoint step (default: latest)")
    tr.add_argument("--out", default="translated", help="folder to write the images into")
    tr.set_defaults(func=cmd_translate)

    enc = sub.add_parser("encode", help="map images or points to latent codes (bigan runs)")
    enc.add_argument("run_dir")
    enc.add_argument(
        "--input",
        required=True,
        help="a folder of images, a .npy/.csv file of points, or 'held-out': unseen data of "
        "the run's source",
    )
    enc.add_argument("--n", type=_positive, default=1000, help="at most this many inputs")
    enc.add_argument("--step", type=_non_negative, help="checkpoint step (default: latest)")
    enc.add_argument("--out", default="codes.npz", help="the .npz file to write")
    enc.set_defaults(func=cmd_encode)

    ev = sub.add_parser(
        "evaluate",
        help="score a run's generator against its real data (writes RUN_DIR/eval.json)",
        description="Metrics: classes, validity (shapes), fd, kid, prdc, swd, ms_ssim for images "
        "(distances in the source oracle's feature space, FD-<source>, not FID); toy for the "
        "2D ring and grid. Each comes with a real-vs-real floor and a noise reference.",
    )
    ev.add_argument("run_dir")
    ev.add_argument(
        "--n",
        type=_positive,
        help="generated samples (default 2000, or half of a smaller real set; toys 2500; at "
        "most 50000)",
    )
    ev.add_argument("--metrics", nargs="*", help="metrics to compute (default: the cheap ones)")
    ev.add_argument("--step", type=_non_negative, help="checkpoint step (default: latest)")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--truncation", type=_positive_float, help="redraw latent entries beyond +-T")
    ev.add_argument("--no-ema", action="store_true", help="score the raw G, not its EMA")
    ev.add_argument("--out", help="JSON to write (default RUN_DIR/eval.json)")
    ev.add_argument(
        "--inception-weights",
        help="local Inception-v3 weights (safetensors or state-dict .pth): adds FD/KID/IS in "
        "Inception space; nothing is downloaded",
    )
    ev.set_defaults(func=cmd_evaluate)

    data = sub.add_parser("data", help="look at training data")
    data_sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)
    preview = data_sub.add_parser("preview", help="write a grid of real images")
    preview.add_argument("source", help="data source (see: ganbench data list)")
    preview.add_argument("overrides", nargs="*", metavar="key=value", help="data settings")
    preview.add_argument("--classes", nargs="+", help="classes to show (default: all)")
    preview.add_argument("--per-class", type=_positive, default=8, help="images per class row")
    preview.add_argument("--seed", type=int, default=0)
    preview.add_argument("--out", default="preview.png")
    preview.set_defaults(func=cmd_data_preview)
    listing = data_sub.add_parser("list", help="name the data sources and their settings")
    listing.set_defaults(func=cmd_data_list)

    sweep = sub.add_parser(
        "sweep",
        help="run a sweep spec: settings x seeds, in parallel, resumable, with statistics",
        description="Run every trial of SPEC (a YAML file, or a name under configs/experiments/)"
        " that has not finished, then write report.json and report.html in the sweep directory.",
    )
    sweep.add_argument("spec", help="sweep spec YAML (see README: Sweeps)")
    sweep.add_argument("--root", default="sweeps", help="parent of the sweep directory")
    sweep.add_argument("--workers", type=_positive, default=1, help="trials at once (local)")
    sweep.add_argument(
        "--threads",
        type=_positive,
        help="torch threads per trial (default: cores // workers; Ray: CPUs per task)",
    )
    sweep.add_argument(
        "--executor",
        choices=("local", "ray", "inline"),
        default="local",
        help="local process pool, Ray (pip install 'ganbench[ray]'), or inline (one at a time "
        "in this process, for debugging)",
    )
    sweep.add_argument("--address", help="Ray cluster address (default: a local instance)")
    sweep.add_argument("--retry-failed", action="store_true", help="run failed trials again")
    sweep.add_argument("--report", action="store_true", help="only write the report")
    sweep.add_argument("--list", action="store_true", help="list the trials and exit")
    sweep.set_defaults(func=cmd_sweep)

    recipes = sub.add_parser("recipes", help="list the ready recipes in configs/")
    recipes.set_defaults(func=cmd_recipes)
    add_inspection_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    ns, extra = parser.parse_known_args(argv)
    # key=value overrides may follow options (`resume RUN --steps 200 key=value`)
    if extra:
        if not hasattr(ns, "overrides") or not all(
            "=" in e and not e.startswith("-") for e in extra
        ):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        ns.overrides = [*ns.overrides, *extra]
    if ns.version:
        from ganbench import __version__

        print(__version__)
        return 0
    if not getattr(ns, "func", None):
        parser.print_help()
        return 0
    try:
        return ns.func(ns)
    except GanbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

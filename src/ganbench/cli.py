"""The ``ganbench`` command line.

Heavy imports (torch) happen inside each command, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from ganbench.errors import GanbenchError

EXAMPLES = """\
examples:
  ganbench train                                  the default recipe (conditional DCGAN on shapes)
  ganbench train shapes-dcgan schedule.steps=300  a recipe by name, with an override
  ganbench train my.yaml model.g_width=64 --print-config
  ganbench resume runs/NAME --steps 2400          continue a run, bit-exactly
  ganbench generate runs/NAME --n 64 --class happy --out happy.png
  ganbench data preview shapes --classes happy sad --out preview.png
  ganbench data preview ring --out ring.png       scatter of a 2D toy
  ganbench data list                              every source and its settings
  ganbench recipes                                list the ready recipes
  ganbench sweep configs/experiments/seed000-init.yaml --workers 2
                                                  a sweep over settings and seeds, with statistics
"""


def _split_source(args: list[str]) -> tuple[str | None, list[str]]:
    """``[CONFIG] key=value ...``: the first word is a recipe/file unless it is an override."""
    if args and "=" not in args[0]:
        return args[0], args[1:]
    return None, args


def _print_run_summary(run_path: Path, result, steps_target: int) -> None:
    where = str(run_path)
    if result.interrupted:
        print(f"\nstopped at step {result.end_step}; checkpoint written.")
        print(f"continue with:  ganbench resume {where} --steps {steps_target}")
    else:
        print(
            f"\ntrained steps {result.start_step}..{result.end_step} in {result.seconds:.0f} s "
            f"({result.images_per_second:.0f} images/s)"
        )
    print(f"run directory:  {where}")
    print(f"  samples:      {where}/samples/   curves: {where}/plots/")
    print(f"  metrics:      {where}/metrics.jsonl")
    print("next:")
    print(f"  ganbench generate {where} --n 64 --out {where}/generated.png")
    print(f"  ganbench resume {where} --steps {result.end_step * 2}")
    print(f"  tensorboard --logdir {where}/events")


def cmd_train(ns: argparse.Namespace) -> int:
    from ganbench.config import load_config

    source, overrides = _split_source(ns.args)
    cfg = load_config(source, overrides)
    if ns.print_config:
        print(cfg.to_yaml(), end="")
        return 0
    from ganbench.training.rundir import RunDir
    from ganbench.training.trainer import Trainer

    run = RunDir.create(cfg)
    try:
        trainer = Trainer(cfg, run)
    except BaseException:
        run.remove_if_unused()  # a start that fails leaves no empty run directory
        raise
    print(f"run directory: {run.path}")
    result = trainer.fit(cfg.schedule.steps)
    _print_run_summary(run.path, result, cfg.schedule.steps)
    return 130 if result.interrupted else 0


def cmd_resume(ns: argparse.Namespace) -> int:
    from ganbench.config import apply_overrides, validate
    from ganbench.training.rundir import RunDir
    from ganbench.training.trainer import Trainer

    run = RunDir.open(ns.run_dir)
    saved = run.read_config()
    overrides = list(ns.overrides)
    if ns.steps is not None:
        overrides.append(f"schedule.steps={ns.steps}")
    cfg = validate(apply_overrides(saved.to_dict(), overrides))
    stem = run.stem_for_step(ns.step) if ns.step is not None else None
    trainer = Trainer(cfg, run)
    step = trainer.restore(stem, force=ns.force)
    if stem is not None:
        dropped = run.drop_checkpoints_after(step)
        if dropped:
            print(f"from step {step}: removed the later checkpoints {dropped}")
    if step >= cfg.schedule.steps:
        print(
            f"{run.path} is already at step {step} (schedule.steps={cfg.schedule.steps}); "
            f"pass --steps N with N > {step} to train further"
        )
        return 0
    run.write_config(cfg)
    print(f"resuming {run.path} from step {step} to {cfg.schedule.steps}")
    result = trainer.fit(cfg.schedule.steps)
    _print_run_summary(run.path, result, cfg.schedule.steps)
    return 130 if result.interrupted else 0


def cmd_generate(ns: argparse.Namespace) -> int:
    import torch

    from ganbench.report.grid import save_grid
    from ganbench.sampling import generate, load_run_generator, truncated_latent_batch
    from ganbench.training.rundir import RunDir

    if Path(ns.out).is_dir():
        raise GanbenchError(f"--out {ns.out} is a folder; name the PNG file to write")
    run = RunDir.open(ns.run_dir)
    generator, cfg, meta = load_run_generator(run, ns.step, ema=not ns.no_ema)
    labels = None
    if ns.class_name is not None:
        if not cfg.conditional:
            raise GanbenchError(f"{run.path} trained an unconditional model; drop --class")
        if ns.class_name not in cfg.data.class_names:
            raise GanbenchError(
                f"--class {ns.class_name!r} is not one of this run's classes: "
                f"{', '.join(cfg.data.class_names)}"
            )
        labels = torch.full((ns.n,), cfg.data.class_names.index(ns.class_name), dtype=torch.long)
    elif cfg.conditional:
        labels = torch.arange(ns.n) * len(cfg.data.class_names) // ns.n
    truncation = ns.truncation if ns.truncation is not None else cfg.sampling.truncation
    if truncation is not None and cfg.model.latent_distribution != "gaussian":
        raise GanbenchError("--truncation applies to runs with a gaussian latent")
    z, labels = truncated_latent_batch(cfg, ns.n, ns.seed, labels, truncation)
    images = generate(generator, z, labels)
    if cfg.data.kind == "points":
        from ganbench.report.scatter import save_scatter, scatter_png

        out = save_scatter(scatter_png(images, None, None, f"step {meta['step']}"), ns.out)
    else:
        out = save_grid(images, ns.out, columns=ns.columns)
    source = "EMA generator" if meta["weights"] == "ema" else "generator"
    print(f"wrote {ns.n} samples of the {source} at step {meta['step']} to {out}")
    return 0


def cmd_evaluate(ns: argparse.Namespace) -> int:
    import json

    import torch

    from ganbench.metrics.evaluate import default_metrics, evaluate, table
    from ganbench.sampling import generate, load_run_family, truncated_latent_batch
    from ganbench.training.checkpoint import atomic_write_text
    from ganbench.training.rundir import RunDir

    if ns.out and Path(ns.out).is_dir():
        raise GanbenchError(f"--out {ns.out} is a folder; name the JSON file to write")
    run = RunDir.open(ns.run_dir)
    family, cfg, meta = load_run_family(run, ns.step)
    generator = family.sampler(not ns.no_ema).eval()
    meta["weights"] = family.sampler_weights(not ns.no_ema)
    truncation = ns.truncation if ns.truncation is not None else cfg.sampling.truncation
    if truncation is not None and cfg.model.latent_distribution != "gaussian":
        raise GanbenchError("--truncation applies to runs with a gaussian latent")
    classes = len(cfg.data.class_names)

    def draw(n: int):
        labels = torch.arange(n) % classes if cfg.conditional else None
        z, labels = truncated_latent_batch(cfg, n, ns.seed + 7919, labels, truncation)
        return generate(generator, z, labels), labels

    metrics = [m for part in ns.metrics for m in part.split(",") if m] if ns.metrics else None
    inception = None
    if ns.inception_weights:
        from ganbench.metrics.inception import load_inception

        inception = load_inception(ns.inception_weights)
        extra = ["fd_inception", "kid_inception", "is_inception"]
        metrics = list(dict.fromkeys([*(metrics or default_metrics(cfg.data)), *extra]))
    result = evaluate(draw, cfg.data, metrics, ns.n, ns.seed, inception=inception)
    measured = family.evaluate(meta["step"])
    if measured:
        result["family"] = {"name": family.name, **measured}
    result.update(
        {
            "run": str(run.path),
            "step": meta["step"],
            "weights": meta["weights"],
            "truncation": truncation,
        }
    )
    out = Path(ns.out) if ns.out else run.path / "eval.json"
    atomic_write_text(out, json.dumps(result, indent=1))
    print(table(result))
    for key, value in result.get("family", {}).items():
        print(
            f"family.{key:<44} {value:.4f}"
            if isinstance(value, float)
            else f"family.{key:<44} {value}"
        )
    print(f"{result['samples']} samples of step {meta['step']} ({meta['weights']}); wrote {out}")
    return 0


def _preview_config(source: str, overrides: list[str], classes: list[str] | None):
    from ganbench.config import apply_overrides, validate
    from ganbench.data.catalogue import SOURCES

    if source not in SOURCES:
        raise GanbenchError(f"unknown data source {source!r}; available: {', '.join(SOURCES)}")
    tree = apply_overrides({"data": {"source": source}}, [
        o if o.startswith("data.") else f"data.{o}" for o in overrides
    ])  # fmt: skip
    if classes:
        tree["data"]["classes"] = list(classes)
    # Only the data is previewed: a model that fits any source keeps validation quiet.
    tree["model"] = {"arch": "mlp", "conditioning": "none"}
    return validate(tree).data


def cmd_data_preview(ns: argparse.Namespace) -> int:
    import torch

    from ganbench.data.build import build_dataset
    from ganbench.report.grid import save_grid
    from ganbench.report.scatter import save_scatter, scatter_png

    cfg = _preview_config(ns.source, ns.overrides, ns.classes)
    names = cfg.class_names
    size = cfg.size
    if cfg.kind == "points":
        size = size or 2000
    elif cfg.source == "shapes" or cfg.source == "stacked_digits":
        size = size or ns.per_class * min(len(names), 16) * (4 if cfg.proportions else 1)
    data = build_dataset(cfg, ns.seed, size=size)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    if cfg.kind == "points":
        points, _ = data.batch(0, min(len(data), 2000), ns.seed)
        png = scatter_png(None, points, data.centres, f"{cfg.source}: {len(points)} points")
        out = save_scatter(png, ns.out)
        print(f"wrote a scatter of {len(points)} {cfg.source} points to {out}")
        return 0
    if len(names) > 16:
        images, _ = data.batch(0, min(len(data), ns.per_class * 8), ns.seed)
    else:
        images, labels = data.preview(ns.per_class)
        shown = torch.bincount(labels, minlength=len(names)).tolist()
        print("rows: " + ", ".join(f"{n} ({c})" for n, c in zip(names, shown, strict=True)))
    out = save_grid(images, ns.out, columns=ns.per_class)
    counts = ""
    if hasattr(data, "class_counts") and len(names) <= 16:
        counts = "; set: " + ", ".join(
            f"{n} {c}" for n, c in zip(names, data.class_counts(), strict=True)
        )
    print(f"wrote {len(images)} {cfg.source} images to {out}{counts}")
    return 0


def cmd_data_list(ns: argparse.Namespace) -> int:
    from ganbench.config import DataConfig
    from ganbench.data.catalogue import BUILTIN_CLASSES, SOURCES

    fields = DataConfig.model_fields
    for name, info in SOURCES.items():
        print(f"{name}  ({info.kind}{', synthetic' if info.synthetic else ''})")
        print(f"    {info.description}")
        settings = []
        for key in info.settings:
            default = fields[key].get_default(call_default_factory=True)
            if key == "classes" and name == "shapes":
                default = list(DataConfig(source="shapes").class_names)
            settings.append(f"{key}={default}")
        print(textwrap.fill("  ".join(settings), 96, initial_indent="    settings: ",
                            subsequent_indent=" " * 14))  # fmt: skip
    print("\nshape classes (data.classes; define more under data.custom_classes):")
    for cls, spec in BUILTIN_CLASSES.items():
        count = spec.count[0] if spec.count[0] == spec.count[1] else list(spec.count)
        size = spec.size[0] if spec.size[0] == spec.size[1] else list(spec.size)
        filled = " filled" if spec.filled else ""
        print(
            f"    {cls:8s} {count} x{filled} {spec.primitive}, size {size}, "
            f"colour {list(spec.colour)}"
        )
    return 0


def cmd_recipes(ns: argparse.Namespace) -> int:
    from ganbench.config import available_recipes, recipes_dir

    for name in available_recipes():
        first = (recipes_dir() / f"{name}.yaml").read_text().splitlines()[0]
        print(f"{name:24s} {first.lstrip('# ')}")
    return 0


def cmd_sweep(ns: argparse.Namespace) -> int:
    from ganbench.sweeps.executors import available_cores, make_executor
    from ganbench.sweeps.plan import build_plan
    from ganbench.sweeps.runner import run_sweep
    from ganbench.sweeps.spec import load_spec

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
        help="generated samples (default 2000, or half of a smaller real set; toys 2500)",
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

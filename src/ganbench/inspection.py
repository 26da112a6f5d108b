"""Commands that look at a run after (or while) it trains: ``diagnose`` and ``report``."""

from __future__ import annotations

import argparse
import json


def cmd_diagnose(ns: argparse.Namespace) -> int:
    from ganbench.diagnosis.diagnose import diagnose_run, format_diagnosis

    result = diagnose_run(ns.run_dir)
    print(json.dumps(result.to_dict(), indent=2) if ns.json else format_diagnosis(result))
    return 0


def cmd_report(ns: argparse.Namespace) -> int:
    from ganbench.report.page import write_report

    path = write_report(ns.run_dirs, ns.out)
    print(f"report: {path}")
    return 0


def cmd_check_d(ns: argparse.Namespace) -> int:
    from ganbench.config import load_config
    from ganbench.diagnosis.check_d import check_discriminator, format_check, write_check

    args = list(ns.args)
    source = args.pop(0) if args and "=" not in args[0] else None
    cfg = load_config(source, args)
    result = check_discriminator(cfg, ns.steps, ns.seed)
    print(format_check(result))
    written = write_check(result, ns.out)
    print(f"wrote {', '.join(map(str, written))}")
    return 0 if result.passed else 1


def cmd_latent(ns: argparse.Namespace) -> int:
    from ganbench.latent import tools

    session = tools.Session.open(ns.run_dir, ns.out, ns.step)
    if ns.tool == "interpolate":
        written = tools.run_interpolate(
            session, ns.seeds or [0, 1], ns.classes, ns.steps, ns.method, ns.class_name
        )
    elif ns.tool == "arithmetic":
        written = tools.run_arithmetic(session, ns.concepts, ns.class_name)
    elif ns.tool == "walk":
        written = tools.run_walk(
            session, ns.seeds or [0, 1, 2, 3], ns.frames, ns.method, ns.class_name
        )
    else:
        values = [None if v == "none" else float(v) for v in ns.values]
        written = tools.run_truncation(session, values, ns.columns, ns.n, ns.seed)
    for path in written:
        print(f"wrote {path}")
    return 0


def _truncation_value(text: str) -> str:
    if text != "none":
        try:
            if float(text) <= 0:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: a positive number or none") from None
    return text


def add_latent_command(sub: argparse._SubParsersAction) -> None:
    latent = sub.add_parser(
        "latent",
        help="latent-space pictures of a run: interpolate, arithmetic, walk, truncation",
        description="Writes PNG grids (and a GIF walk) with JSON numbers to RUN_DIR/latent/; "
        "latents are named by seed, as in ganbench generate --seed.",
    )
    tools = latent.add_subparsers(dest="tool", metavar="TOOL", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("run_dir")
        p.add_argument("--out", help="folder (default RUN_DIR/latent)")
        p.add_argument("--step", type=int, help="checkpoint step (default: latest)")
        p.add_argument("--class", dest="class_name", help="label input of a conditional run")

    interp = tools.add_parser("interpolate", help="between seeds (or the oracle's classes)")
    common(interp)
    interp.add_argument("--seeds", type=int, nargs="+", help="endpoints (default 0 1)")
    interp.add_argument("--classes", nargs="+", help="endpoints by class (unconditional runs)")
    interp.add_argument("--steps", type=int, default=10)
    interp.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    arith = tools.add_parser("arithmetic", help="A - B + C, each concept 3 latents")
    common(arith)
    arith.add_argument("concepts", nargs=3, metavar="CONCEPT", help="seed:1,2,3 or class:NAME")
    walk = tools.add_parser("walk", help="a closed loop through keypoints, as GIF (and MP4)")
    common(walk)
    walk.add_argument("--seeds", type=int, nargs="+", help="keypoints (default 0 1 2 3)")
    walk.add_argument("--frames", type=int, default=16, help="frames per leg")
    walk.add_argument("--method", choices=("slerp", "lerp"), default="slerp")
    trunc = tools.add_parser("truncation", help="a grid and a precision/recall curve")
    common(trunc)
    trunc.add_argument(
        "--values", nargs="+", type=_truncation_value, default=["0.5", "1", "1.5", "2", "none"]
    )
    trunc.add_argument("--columns", type=int, default=8)
    trunc.add_argument("--n", type=int, default=500, help="samples per value for the curve")
    trunc.add_argument("--seed", type=int, default=0)
    latent.set_defaults(func=cmd_latent)


def add_inspection_commands(sub: argparse._SubParsersAction) -> None:
    diag = sub.add_parser(
        "diagnose",
        help="what went wrong in a run: a verdict per stretch of steps, with the evidence",
        description="Reads RUN_DIR/metrics.jsonl and rollbacks.jsonl (no re-run): stable, "
        "convergence failure, mode collapse, mode hopping, oscillation, vanishing or exploding "
        "gradients, D overfitting, diverged. Writes RUN_DIR/diagnosis.json.",
    )
    diag.add_argument("run_dir")
    diag.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    diag.set_defaults(func=cmd_diagnose)

    check = sub.add_parser(
        "check-d",
        help="seed 000's sanity check: train the recipe's D on real vs noise, score each class",
        description="Trains the recipe's discriminator alone to tell real images from uniform "
        "noise, then reports per class how many unseen images it judges right (exit 1 when a "
        "class or the noise stays below 0.9). Writes check-d.json and check-d-loss.png.",
    )
    check.add_argument("args", nargs="*", metavar="[CONFIG] key=value", help="recipe, overrides")
    check.add_argument("--steps", type=int, default=300, help="D updates (default 300)")
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--out", default="check-d", help="folder for the JSON and the loss curve")
    check.set_defaults(func=cmd_check_d)

    report = sub.add_parser(
        "report",
        help="one self-contained HTML page per run (several runs: side by side)",
        description="Config, verdict, curves, sample filmstrip and evaluation beside its floors "
        "in one HTML file with every image embedded (opens offline by double-click).",
    )
    report.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    report.add_argument(
        "--out", help="HTML file to write (default: RUN_DIR/report.html, or compare.html)"
    )
    report.set_defaults(func=cmd_report)
    add_latent_command(sub)

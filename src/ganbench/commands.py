"""The commands that read a finished run or the data: generate, translate, evaluate, and
``data preview`` / ``data list`` (the command line itself is :mod:`ganbench.cli`)."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

from ganbench.errors import GanbenchError


def cmd_generate(ns: argparse.Namespace) -> int:
    import torch

    from ganbench.report.grid import save_grid
    from ganbench.sampling import generate, load_run_generator, truncated_latent_batch
    from ganbench.training.rundir import RunDir

    if Path(ns.out).is_dir():
        raise GanbenchError(f"--out {ns.out} is a folder; name the PNG file to write")
    run = RunDir.open(ns.run_dir)
    _refuse_translation_run(run)
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


def _refuse_translation_run(run) -> None:
    from ganbench.families.build import family_class

    family = family_class(run.read_config().family)
    if not family.samples_from_noise:
        raise GanbenchError(
            f"{run.path} trained family {family.name}, which translates images instead of "
            f"drawing them from noise; use ganbench translate {run.path} --input FOLDER|synthetic"
        )


def cmd_encode(ns: argparse.Namespace) -> int:
    from ganbench.encode import encode_run

    encode_run(ns.run_dir, ns.input, ns.out, ns.n, ns.step)
    return 0


def cmd_translate(ns: argparse.Namespace) -> int:
    from ganbench.translate import translate_run

    translate_run(ns.run_dir, ns.input, ns.direction, ns.out, ns.n, ns.step)
    return 0


MAX_EVALUATION_SAMPLES = 50_000


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
    if ns.n is not None and ns.n > MAX_EVALUATION_SAMPLES:
        raise GanbenchError(
            f"--n {ns.n} is more than {MAX_EVALUATION_SAMPLES}: the floors score two real samples "
            "of the same size and PRDC and MS-SSIM grow with n squared; 2000-10000 is usual"
        )
    if family.samples_from_noise:
        started = time.perf_counter()

        def progress(stage: str) -> None:
            print(f"evaluate [{time.perf_counter() - started:5.0f} s] {stage}", file=sys.stderr)

        result = evaluate(
            draw, cfg.data, metrics, ns.n, ns.seed, inception=inception, progress=progress
        )
    else:
        result = {"samples": 0, "metrics": {}, "floors": {}}
    measured = family.evaluate(meta["step"], metrics)
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
    from ganbench.metrics.evaluate import flatten

    for key, value in flatten(result.get("family", {})).items():
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

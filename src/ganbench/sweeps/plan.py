"""From a spec to the list of trial tasks: each trial's config built and validated up front.

A trial's config is exactly what ``ganbench train BASE key=value ...`` would resolve, with the
spec's overrides, its steps, the cell's axis values and the seed, in that order. Every trial
is validated before anything runs; all invalid ones are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ganbench.config import Config, load_config
from ganbench.digests import json_digest
from ganbench.errors import ConfigError
from ganbench.sweeps.expand import Cell, baseline_cell, cells, trials
from ganbench.sweeps.metrics import WALL_TIME, keys_of
from ganbench.sweeps.spec import BASE_AXIS, SweepSpec


@dataclass(frozen=True)
class TrialTask:
    """Everything a worker needs to run one trial (picklable, no live objects)."""

    name: str
    cell_index: int
    settings: dict[str, Any]
    seed: int
    run_dir: str
    config: dict[str, Any]
    steps: int
    max_minutes: float | None
    evaluation: tuple[str, ...]  # metrics as evaluate() takes them
    eval_n: int | None
    eval_seed: int
    threads: int
    digest: str  # what must match for a finished trial to count (see settings_digest)


@dataclass(frozen=True)
class Plan:
    spec: SweepSpec
    sweep_dir: Path
    cells: list[Cell]
    baseline: Cell
    tasks: list[TrialTask]
    metric_keys: list[str]  # the scalar keys the report compares


def as_overrides(settings: dict[str, Any]) -> list[str]:
    """``key=value`` strings whose value reads back (as YAML) to exactly the given value."""
    out = []
    for key, value in settings.items():
        text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20).strip()
        out.append(f"{key}={text.removesuffix('...').strip()}")
    return out


def settings_digest(cfg: Config, evaluation: tuple[str, ...], n: int | None, seed: int) -> str:
    """What shapes a finished trial's numbers. Not: threads, device, logging and the budget
    (schedule.steps, max_minutes), so a sweep can move machines or be extended."""
    tree = cfg.identity()
    for key in ("threads", "device", "logging"):
        tree.pop(key)
    tree["schedule"].pop("steps")
    tree["sweep_evaluation"] = {"metrics": list(evaluation), "n": n, "seed": seed}
    return json_digest(tree, 16)


def build_plan(spec: SweepSpec, root: str | Path, threads: int) -> Plan:
    from ganbench.metrics.evaluate import available_metrics, default_metrics

    sweep_dir = (Path(root) / spec.name).resolve()
    first_base = spec.recipe(spec.axes[BASE_AXIS][0]) if BASE_AXIS in spec.axes else spec.base
    try:
        base = load_config(first_base, as_overrides(spec.overrides))
    except ConfigError as exc:
        raise ConfigError(
            f"sweep {spec.name}: base {first_base} with the overrides: {exc}"
        ) from None
    chosen = spec.metrics if spec.metrics is not None else [*default_metrics(base.data), WALL_TIME]
    evaluation = tuple(m for m in chosen if m != WALL_TIME)
    if evaluation and base.data.kind == "image" and len(base.data.class_names) < 2:
        raise ConfigError(
            f"sweep {spec.name}: the base trains on one class ({base.data.class_names[0]}), and "
            "evaluation scores images with a classifier of the classes: give data.classes two "
            "or more, or collect only wall_time"
        )
    rule = spec.failure
    if rule is not None and rule.metric not in keys_of(chosen):
        raise ConfigError(
            f"sweep {spec.name}: failure.metric {rule.metric!r} is not among the collected "
            f"metrics ({', '.join(keys_of(chosen))}); add its metric to metrics:"
        )
    common = as_overrides(spec.overrides)
    if spec.steps is not None:
        common.append(f"schedule.steps={spec.steps}")
    all_cells = cells(spec)
    baseline = baseline_cell(spec, all_cells)
    tasks, problems = [], []
    for trial in trials(spec):
        plumbing = {
            "seed": trial.seed,
            "threads": threads,
            "logging.root": str(sweep_dir),
            "logging.name": trial.name,
            "logging.progress": False,
        }
        settings = dict(trial.cell.settings)
        recipe = spec.recipe(settings.pop(BASE_AXIS)) if BASE_AXIS in settings else spec.base
        try:
            cfg = load_config(recipe, common + as_overrides({**settings, **plumbing}))
        except ConfigError as exc:
            problems.append(f"{trial.name}: {_one_line(exc)}")
            continue
        allowed = available_metrics(cfg.data)
        wrong = [m for m in evaluation if m not in allowed]
        if wrong:
            problems.append(
                f"{trial.name}: metric {wrong[0]!r} does not apply to data.source="
                f"{cfg.data.source}; allowed: {', '.join(allowed) or 'none'}"
            )
            continue
        tasks.append(
            TrialTask(
                name=trial.name,
                cell_index=trial.cell.index,
                settings=trial.cell.settings,
                seed=trial.seed,
                run_dir=str(sweep_dir / trial.name),
                config=cfg.to_dict(),
                steps=cfg.schedule.steps,
                max_minutes=spec.max_minutes,
                evaluation=evaluation,
                eval_n=spec.eval_n,
                eval_seed=spec.eval_seed,
                threads=threads,
                digest=settings_digest(cfg, evaluation, spec.eval_n, spec.eval_seed),
            )
        )
    if problems:
        count = len(problems) + len(tasks)
        raise ConfigError(
            f"sweep {spec.name}: {len(problems)} of {count} trials have an invalid config, so "
            "nothing was run:\n  " + "\n  ".join(problems)
        )
    return Plan(spec, sweep_dir, all_cells, baseline, tasks, keys_of(chosen))


def _one_line(exc: ConfigError) -> str:
    lines = [s.strip() for s in str(exc).removeprefix("invalid config:").splitlines()]
    return "; ".join(s for s in lines if s)

"""A sweep spec: YAML naming a base recipe, overrides, axes, seeds, metrics and a budget.

Everything a user can get wrong here is reported before any trial runs, each problem in one
line naming the field and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ganbench.config import DEFAULT_RECIPE, Config, recipes_dir
from ganbench.errors import ConfigError
from ganbench.metrics.evaluate import IMAGE_METRICS, INCEPTION_METRICS, POINT_METRICS
from ganbench.sweeps.metrics import METRICS, WALL_TIME

# Config keys the sweep itself sets for every trial, and the spec field to use instead.
RESERVED = {
    "seed": "list training seeds under seeds:",
    "threads": "the sweep sets threads per trial (--threads, or cores // --workers)",
    "logging.root": "trials live under the sweep directory (--root)",
    "logging.name": "trials are named by their settings",
}
# An axis over whole recipes (each cell trains its own base, with the same overrides).
BASE_AXIS = "base"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class FailureRule(BaseModel):
    """A seed fails when ``metric`` is below (or above) a threshold."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    below: float | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> FailureRule:
        if (self.below is None) == (self.above is None):
            raise ValueError("give exactly one of below: or above:")
        return self

    def describe(self) -> str:
        if self.below is not None:
            return f"{self.metric} < {self.below:g}"
        return f"{self.metric} > {self.above:g}"

    def fails(self, value: float | None) -> bool:
        """A missing or undefined value fails too: the rule cannot vouch for the seed."""
        if value is None or value != value:  # NaN
            return True
        return value < self.below if self.below is not None else value > (self.above or 0.0)


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    base: str = Field(DEFAULT_RECIPE, description="recipe name or YAML path, as `ganbench train`")
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted key: value")
    axes: dict[str, list[Any]] = Field(default_factory=dict, description="dotted key: values")
    mode: Literal["cross", "zip"] = "cross"
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    metrics: list[str] | None = Field(None, description="default: the cheap ones + wall_time")
    eval_n: int | None = Field(None, ge=10, description="samples per evaluation")
    eval_seed: int = 0
    baseline: dict[str, Any] | None = Field(None, description="axis values; default: 1st cell")
    steps: int | None = Field(None, ge=1, description="schedule.steps of every trial")
    max_minutes: float | None = Field(None, gt=0, description="training wall-time cap")
    failure: FailureRule | None = None
    primary: list[str] | None = Field(
        None,
        description="metric keys whose comparisons carry the verdicts, Holm-corrected among "
        "themselves; the others are secondary, corrected as their own family (default: all "
        "primary)",
    )
    curves: list[str] = Field(default_factory=lambda: ["g_loss", "d_loss"])
    _folder: Path | None = PrivateAttr(None)  # the spec file's folder, when read from one

    def recipe(self, name: str) -> str:
        """A base-axis value as `ganbench train` takes it: a YAML file beside the spec, or
        the value as written (names and paths stay as written in trial names)."""
        if self._folder is not None and (self._folder / name).is_file():
            return str(self._folder / name)
        return name


def resolve_spec_path(source: str) -> Path:
    """A spec file, or the name of one shipped under configs/experiments/."""
    path = Path(source)
    if path.is_file():
        return path
    shipped = recipes_dir() / "experiments" / f"{source}.yaml"
    if path.suffix not in (".yaml", ".yml") and shipped.is_file():
        return shipped
    names = sorted(p.stem for p in (recipes_dir() / "experiments").glob("*.yaml"))
    raise ConfigError(
        f"sweep spec {source} not found; give a YAML file or a shipped experiment "
        f"({', '.join(names) or 'none'})"
    )


def load_spec(source: str) -> SweepSpec:
    path = resolve_spec_path(source)
    try:
        tree = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(tree, dict):
        raise ConfigError(f"{path} must hold a mapping of sweep fields (base, axes, seeds ...)")
    tree.setdefault("name", path.stem)
    base = tree.get("base")
    if isinstance(base, str) and (path.parent / base).is_file():
        tree["base"] = str(path.parent / base)  # a base file next to the spec
    spec = parse_spec(tree, str(path))
    spec._folder = path.parent
    return spec


def parse_spec(tree: dict[str, Any], where: str = "sweep spec") -> SweepSpec:
    """Validate a spec tree: field types first, then every cross-field rule."""
    try:
        spec = SweepSpec.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(
            f"{where}: invalid sweep spec:\n  " + "\n  ".join(_describe(e) for e in exc.errors())
        ) from None
    problems = spec_problems(spec)
    if problems:
        raise ConfigError(f"{where}: invalid sweep spec:\n  " + "\n  ".join(problems))
    return spec


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        section = FailureRule if error["loc"][0] == "failure" else SweepSpec
        return f"{loc}: unknown field; allowed: {', '.join(section.model_fields)}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{loc}={error['input']!r}: {message}" if loc else message


def config_key_problem(key: str) -> str | None:
    """Why ``key`` is not a dotted key of the config tree, or None when it is."""
    parts = key.split(".")
    model: type[BaseModel] = Config
    for depth, part in enumerate(parts):
        fields = model.model_fields
        if part not in fields:
            where = ".".join(parts[:depth]) or "the top level"
            return f"{key!r} is not a config key; {where} has: {', '.join(fields)}"
        annotation = fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
            continue
        if depth < len(parts) - 1 and dict not in (annotation, get_origin(annotation)):
            return f"{key!r}: {'.'.join(parts[: depth + 1])} is a value, not a section"
        return None
    return f"{key!r} is a section; sweep one of its keys, e.g. {key}.{next(iter(fields))}"


def spec_problems(spec: SweepSpec) -> list[str]:
    """Every rule a spec breaks, one line each (an empty list for a good spec)."""
    problems: list[str] = []
    if not _NAME.match(spec.name):
        problems.append(f"name={spec.name!r}: use letters, digits, '.', '_' and '-'")
    if BASE_AXIS in spec.axes:
        if "base" in spec.model_fields_set:
            problems.append("base: is given twice, as a field and as an axis; keep one")
        if not all(isinstance(b, str) for b in spec.axes[BASE_AXIS]):
            problems.append("axes: 'base' lists recipe names or YAML files")
    for field in ("overrides", "axes"):
        for key in getattr(spec, field):
            if field == "axes" and key == BASE_AXIS:
                continue
            problem = config_key_problem(key)
            if problem is None and key in RESERVED:
                problem = f"{key!r} is set by the sweep: {RESERVED[key]}"
            if problem is None and key == "schedule.steps" and spec.steps is not None:
                problem = "'schedule.steps' conflicts with steps:; keep one"
            if problem:
                problems.append(f"{field}: {problem}")
    for key in spec.axes.keys() & spec.overrides.keys():
        problems.append(f"{key!r} is both an override and an axis; keep one")
    for key, values in spec.axes.items():
        if not values:
            problems.append(f"axes: {key!r} has no values; list at least one")
        elif spec.mode == "cross" and _repeats(values):
            problems.append(f"axes: {key!r} lists a value twice: {values}")
    lengths = {len(v) for v in spec.axes.values()}
    if spec.mode == "zip" and len(lengths) > 1:
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in spec.axes.items())
        problems.append(f"mode=zip needs axes of equal length; got {sizes}")
    elif spec.mode == "zip" and _repeats(list(zip(*spec.axes.values(), strict=True))):
        problems.append("mode=zip: two cells have the same values on every axis")
    if not spec.seeds:
        problems.append("seeds: list at least one training seed")
    elif len(set(spec.seeds)) != len(spec.seeds):
        problems.append(f"seeds: a seed is listed twice: {spec.seeds}")
    problems += _metric_problems(spec)
    if spec.baseline is not None:
        problems += _baseline_problems(spec)
    if any(not c for c in spec.curves):
        problems.append("curves: name logged metrics, e.g. g_loss, d_loss, eval_toy_high_quality")
    return problems


def _repeats(values: list[Any]) -> bool:
    return any(values.count(v) > 1 for v in values)


def _metric_problems(spec: SweepSpec) -> list[str]:
    problems = []
    allowed = (*POINT_METRICS, *IMAGE_METRICS, WALL_TIME)
    for name in spec.metrics or []:
        if name in INCEPTION_METRICS:
            problems.append(
                f"metrics: {name!r} needs local Inception weights, which sweeps do not take yet"
            )
        elif name not in allowed:
            problems.append(f"metrics: unknown metric {name!r}; allowed: {', '.join(allowed)}")
    if spec.metrics is not None and len(set(spec.metrics)) != len(spec.metrics):
        problems.append(f"metrics: a metric is listed twice: {spec.metrics}")
    for key in spec.primary or []:
        metric = METRICS.get(key)
        if metric is None:
            problems.append(f"primary: unknown metric {key!r}; allowed: {', '.join(METRICS)}")
        elif spec.metrics is not None and metric.group not in spec.metrics:
            problems.append(
                f"primary: {key!r} comes from the {metric.group!r} metric; add it to metrics:"
            )
    if spec.primary is not None and not spec.primary:
        problems.append("primary: name at least one metric key, or leave it out")
    rule = spec.failure
    if rule is not None:
        metric = METRICS.get(rule.metric)
        if metric is None:
            problems.append(
                f"failure.metric: unknown metric {rule.metric!r}; allowed: {', '.join(METRICS)}"
            )
        elif spec.metrics is not None and metric.group not in spec.metrics:
            problems.append(
                f"failure.metric: {rule.metric!r} comes from the {metric.group!r} metric; "
                "add it to metrics:"
            )
    return problems


def _baseline_problems(spec: SweepSpec) -> list[str]:
    baseline = spec.baseline or {}
    unknown = [k for k in baseline if k not in spec.axes]
    missing = [k for k in spec.axes if k not in baseline]
    if unknown:
        return [f"baseline: {unknown[0]!r} is not an axis; axes: {', '.join(spec.axes)}"]
    if missing:
        return [f"baseline: give a value for every axis; missing {', '.join(missing)}"]
    return []

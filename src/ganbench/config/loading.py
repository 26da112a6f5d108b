"""Reading a config: recipes, YAML files, dotted overrides, validation with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ganbench.config.model import MODEL_PRESETS
from ganbench.config.root import DEFAULT_RECIPE, Config
from ganbench.errors import ConfigError


def recipes_dir() -> Path:
    """Ready recipes: shipped inside the package, or at the repository root when editable."""
    # this file is ganbench/config/loading.py; the recipes are ganbench/configs when packaged
    # (pyproject.toml's force-include), <repository>/configs in a source checkout
    packaged = Path(__file__).parents[1] / "configs"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "configs"


def available_recipes() -> list[str]:
    return sorted(p.stem for p in recipes_dir().glob("*.yaml"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        tree = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys, not {type(tree).__name__}")
    return tree


def _merged(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``own`` over ``base``, section by section (a key in ``own`` wins)."""
    tree = dict(base)
    for key, value in own.items():
        below = tree.get(key)
        both = isinstance(value, dict) and isinstance(below, dict)
        tree[key] = _merged(below, value) if both else value
    return tree


def _with_base(tree: dict[str, Any], file: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """A recipe that names ``base: OTHER`` (a recipe, or a YAML file beside it) holds only
    what it changes in OTHER. A ``model.preset`` of its own replaces the base's stack
    settings, as it does on the command line."""
    base = tree.pop("base", None)
    if base is None:
        return tree
    if not isinstance(base, str):
        raise ConfigError(f"{file}: base must name one recipe or YAML file, not {base!r}")
    beside = file.parent / base
    if Path(base).suffix in (".yaml", ".yml") and not Path(base).is_absolute() and beside.is_file():
        base = str(beside)
    parent, _, parent_file = _read_source(base)
    if parent_file.resolve() in chain:
        names = " -> ".join(str(f) for f in (*chain, parent_file.resolve()))
        raise ConfigError(f"recipes base on each other in a circle: {names}")
    parent = _with_base(parent, parent_file, (*chain, parent_file.resolve()))
    parent.pop("recipe", None)
    preset = (tree.get("model") or {}).get("preset")
    stack = parent.get("model")
    if isinstance(preset, str) and preset in MODEL_PRESETS and isinstance(stack, dict):
        parent["model"] = {k: v for k, v in stack.items() if k not in MODEL_PRESETS[preset]}
    return _merged(parent, tree)


def _resolve_source(source: str) -> tuple[dict[str, Any], str]:
    tree, name, file = _read_source(source)
    return _with_base(tree, file, (file.resolve(),)), name


def _read_source(source: str) -> tuple[dict[str, Any], str, Path]:
    """The YAML tree of a file or a recipe name, its name and its file."""
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(
                f"config file {source} not found; give a YAML file or a recipe name "
                f"({', '.join(available_recipes())})"
            )
        return _read_yaml(path), path.stem, path
    candidate = recipes_dir() / f"{source}.yaml"
    if candidate.is_file():
        return _read_yaml(candidate), source, candidate
    raise ConfigError(
        f"no recipe or config file named {source!r}; recipes: {', '.join(available_recipes())}"
    )


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b=value`` -> (["a", "b"], value), the value read as YAML (numbers, booleans, lists)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r} must look like key=value, e.g. schedule.steps=500")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def apply_overrides(tree: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set each dotted key in turn: a later key wins. A ``model.preset`` override replaces
    the stack settings that came before it (the recipe's ``g_width``, say), so it builds the
    preset's networks; keys given after it still change them."""
    for text in overrides:
        path, value = parse_override(text)
        if path == ["model", "preset"] and isinstance(value, str) and value in MODEL_PRESETS:
            model = tree.get("model")
            if isinstance(model, dict):
                for key in MODEL_PRESETS[value]:
                    model.pop(key, None)
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{'.'.join(path)}: {part} is a value, not a section")
            node = child
        node[path[-1]] = value
    return tree


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc) or "config"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key; allowed here: {', '.join(_allowed_keys(loc[:-1]))}"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "value_error" and not loc[1:]:
        return message
    return f"{key}={error['input']!r}: {message}"


def validate(tree: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors()]
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems)) from None


def load_config(source: str | None = None, overrides: list[str] | None = None) -> Config:
    """Resolve a recipe name or YAML path (None: the default recipe) plus key=value overrides."""
    tree, recipe = _resolve_source(source or DEFAULT_RECIPE)
    tree.setdefault("recipe", recipe)
    return validate(apply_overrides(tree, list(overrides or [])))


def config_differences(old: Config, new: Config) -> list[str]:
    """Dotted keys whose values differ, as 'key: old -> new'."""

    def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        flat: dict[str, Any] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                flat.update(flatten(value, f"{prefix}{key}."))
            else:
                flat[f"{prefix}{key}"] = value
        return flat

    a, b = flatten(old.to_dict()), flatten(new.to_dict())
    return [
        f"{k}: {a.get(k)!r} -> {b.get(k)!r}"
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]

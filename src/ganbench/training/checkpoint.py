"""Checkpoints as safetensors (every tensor) + JSON (everything else), written atomically.

Nothing is ever unpickled: a file that is not valid safetensors is refused with a clear
message, whatever its name.

Format 2 keys every tensor by what holds it: ``module.<name>.<key>`` (the family's networks),
``optim.<name>.<param>.<key>`` (its optimisers), ``state.<key>`` (its extra state: EMA, pools,
random streams) and ``rng.torch``; the JSON holds the family's name, the optimisers' settings
and the family's state metadata. Format 1 (one generator and one discriminator) is read and
mapped onto format 2 on load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ganbench.atomic import atomic_path, atomic_write_text
from ganbench.atomic import atomic_write_bytes as atomic_write_bytes  # importable from here too
from ganbench.errors import CheckpointError

if TYPE_CHECKING:
    from ganbench.families.base import Family

FORMAT = "ganbench-checkpoint/2"
FORMAT_V1 = "ganbench-checkpoint/1"
# Format 1's tensor prefixes and optimiser names, as format 2 spells them (family gan).
_V1_PREFIXES = (
    ("generator.", "module.generator."),
    ("discriminator.", "module.discriminator."),
    ("optim.generator.", "optim.g."),
    ("optim.discriminator.", "optim.d."),
    ("ema.", "state.ema."),
    ("image_pool.", "state.image_pool."),
    ("rng.latent", "state.rng.latent"),
)
_V1_OPTIMISERS = {"generator": "g", "discriminator": "d"}


def optimiser_to_flat(name: str, optimiser: torch.optim.Optimizer) -> tuple[dict, dict]:
    """Split an optimiser's state dict into named tensors and JSON-able rest."""
    state_dict = optimiser.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param_id, entries in state_dict["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{name}.{param_id}.{key}"] = value
            else:
                scalars.setdefault(str(param_id), {})[key] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def optimiser_from_flat(
    name: str, optimiser: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict
) -> None:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optim.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            param_id, entry = key[len(prefix) :].split(".", 1)
            state.setdefault(int(param_id), {})[entry] = value
    for param_id, entries in meta["scalars"].items():
        state.setdefault(int(param_id), {}).update(entries)
    groups = [
        {k: tuple(v) if k == "betas" else v for k, v in group.items()}
        for group in meta["param_groups"]
    ]
    optimiser.load_state_dict({"state": state, "param_groups": groups})


REQUIRED_META = ("step", "config", "config_digest", "optimisers", "family")


def save(stem: Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Write ``stem.safetensors`` then ``stem.json``; the JSON appears only when both are whole."""
    contiguous = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    with atomic_path(stem.with_suffix(".safetensors")) as tmp:
        save_file(contiguous, str(tmp))
    atomic_write_text(stem.with_suffix(".json"), json.dumps({"format": FORMAT, **meta}, indent=1))


def load_tensors(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise CheckpointError(f"checkpoint weights {path} not found")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(
            f"{path} is not a safetensors file ({exc}); ganbench reads weights only from "
            "safetensors and never unpickles files. Point at a checkpoint written by ganbench"
        ) from None


def load(stem: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    meta_path = stem.with_suffix(".json")
    if not meta_path.is_file():
        raise CheckpointError(f"checkpoint metadata {meta_path} not found")
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{meta_path} is not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") not in (FORMAT, FORMAT_V1):
        raise CheckpointError(f"{meta_path} is not a {FORMAT} checkpoint")
    tensors = load_tensors(stem.with_suffix(".safetensors"))
    if meta["format"] == FORMAT_V1:
        tensors, meta = upgrade_v1(tensors, meta)
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise CheckpointError(
            f"{meta_path} lacks {', '.join(missing)}: the checkpoint is damaged or was not "
            "written by ganbench"
        )
    return tensors, meta


def upgrade_v1(
    tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """A format-1 checkpoint (one G, one D) as the format-2 checkpoint of family gan."""
    renamed = {}
    for key, value in tensors.items():
        for old, new in _V1_PREFIXES:
            if key.startswith(old):
                key = new + key[len(old) :]
                break
        renamed[key] = value
    upgraded = {k: v for k, v in meta.items() if k != "image_pool"}
    upgraded["format"] = FORMAT
    upgraded["family"] = "gan"
    upgraded["state"] = {"image_pool": meta.get("image_pool")}
    if isinstance(meta.get("optimisers"), dict):
        upgraded["optimisers"] = {
            _V1_OPTIMISERS.get(name, name): value for name, value in meta["optimisers"].items()
        }
    return renamed, upgraded


def family_tensors(family: Family) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Every tensor of a family in format 2, and the JSON-able rest (family, optimisers,
    state)."""
    tensors: dict[str, torch.Tensor] = {}
    for name, module in family.modules.items():
        tensors.update(prefixed(f"module.{name}.", module.state_dict()))
    tensors.update(prefixed("state.", family.state_tensors()))
    optimisers = {}
    for name, optimiser in family.optimisers.items():
        flat, optimiser_meta = optimiser_to_flat(name, optimiser)
        tensors.update(flat)
        optimisers[name] = optimiser_meta
    return tensors, {"family": family.name, "optimisers": optimisers, "state": family.state_meta()}


def restore_family(
    family: Family,
    tensors: dict[str, torch.Tensor],
    meta: dict[str, Any],
    optimisers: bool = True,
) -> None:
    """Load a format-2 checkpoint into ``family``: modules, extra state and (unless only
    sampling) optimisers. Raises what ``load_state_dict`` raises on a mismatch."""
    if meta.get("family", "gan") != family.name:
        raise ValueError(f"it was written by family {meta.get('family')!r}, not {family.name!r}")
    for name, module in family.modules.items():
        module.load_state_dict(subset(tensors, f"module.{name}."))
    if optimisers:
        for name, optimiser in family.optimisers.items():
            optimiser_from_flat(name, optimiser, tensors, meta["optimisers"][name])
    family.load_state(subset(tensors, "state."), meta.get("state") or {})


def subset(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def prefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {prefix + k: v for k, v in tensors.items()}

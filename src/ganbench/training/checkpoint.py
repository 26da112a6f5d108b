"""Checkpoints as safetensors (every tensor) + JSON (everything else), written atomically.

Nothing is ever unpickled: a file that is not valid safetensors is refused with a clear
message, whatever its name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ganbench.errors import CheckpointError

FORMAT = "ganbench-checkpoint/1"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


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


REQUIRED_META = ("step", "config", "config_digest", "optimisers")


def save(stem: Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Write ``stem.safetensors`` then ``stem.json``; the JSON appears only when both are whole."""
    contiguous = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    weights = stem.with_suffix(".safetensors")
    tmp = weights.with_name(weights.name + ".tmp")
    save_file(contiguous, str(tmp))
    os.replace(tmp, weights)
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
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_path} is not a {FORMAT} checkpoint")
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise CheckpointError(
            f"{meta_path} lacks {', '.join(missing)}: the checkpoint is damaged or was not "
            "written by ganbench"
        )
    return load_tensors(stem.with_suffix(".safetensors")), meta


def subset(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


def prefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {prefix + k: v for k, v in tensors.items()}

"""Fuzzing what a user can type or leave on disk: every config override, recipe file,
checkpoint JSON and weights file either works or ends in one clear message (exit 2), never a
traceback. Hypothesis generates the inputs; ``derandomize`` keeps each CI run repeatable."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file

from ganbench.cli import main
from ganbench.config import Config, load_config
from ganbench.errors import GanbenchError


def _leaves(node: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for key, value in node.items():
        if isinstance(value, dict):
            out += _leaves(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


KEYS = _leaves(Config().model_dump(mode="json"))
NAMES = [k for k, _ in KEYS]
ODD_NUMBERS = [0, -1, 1, 2**63, -(2**70), 1e308, 1e-320, math.nan, math.inf, -math.inf, 0.5]
ODD_TEXT = ["", "[", "{a:", "]]", "!!python/object:os.system", "..", "/", "nan", "~", "null",
            "[1, 2", "{}", "[]", "yes", "0x10", "1e999", "-", "a=b", "é", "\x00"]  # fmt: skip


def _value_text(draw, default) -> str:
    """A value for a key: near its type, or anything at all."""
    kind = draw(st.sampled_from(["typed", "number", "text", "list", "junk"]))
    if kind == "typed" and isinstance(default, bool):
        return str(draw(st.booleans())).lower()
    if kind == "typed" and isinstance(default, int | float):
        return repr(draw(st.one_of(st.integers(-5, 300), st.floats(allow_nan=True))))
    if kind == "number":
        return repr(draw(st.sampled_from(ODD_NUMBERS)))
    if kind == "list":
        items = draw(st.lists(st.one_of(st.integers(-3, 9), st.sampled_from(ODD_TEXT)), max_size=4))
        return "[" + ", ".join(map(str, items)) + "]"
    if kind == "junk":
        return draw(st.text(max_size=12))
    return draw(st.sampled_from(ODD_TEXT))


@st.composite
def overrides(draw) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["key", "key", "key", "bad key", "no equals"]))
        if shape == "no equals":
            out.append(draw(st.text(min_size=1, max_size=10)).replace("=", ""))
            continue
        key, default = draw(st.sampled_from(KEYS))
        if shape == "bad key":
            key = draw(st.sampled_from([key + ".x", key.upper(), "." + key, key + "..", "=", ""]))
        out.append(f"{key}={_value_text(draw, default)}")
    return out


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(overrides())
def test_overrides_validate_or_say_why(words: list[str]) -> None:
    try:
        load_config(None, words)
    except GanbenchError as exc:
        message = str(exc)
        assert message and "Traceback" not in message


# What a validated config may change and still train one tiny step on two cores.
TRAINABLE = [
    "model.g_conditioning", "model.d_conditioning", "model.conditioning", "model.g_output",
    "model.g_upsample", "model.g_activation", "model.norm_position", "model.init",
    "model.g_norm", "model.d_norm", "model.spectral_norm", "model.equalised_lr",
    "model.minibatch_std", "model.minibatch_discrimination", "model.pack", "model.d_dropout",
    "model.latent_distribution", "objective.loss", "objective.r1_gamma",
    "objective.mode_seeking", "objective.ink_excess", "objective.consistency",
    "objective.instance_noise", "objective.d_blur", "objective.real_label",
    "objective.soft_labels", "objective.label_flip",
    "objective.image_pool", "objective.diffaugment", "schedule.d_steps", "schedule.ema",
    "schedule.ema_rampup", "schedule.precision", "optimiser.g_lr", "optimiser.beta1",
    "data.colour_jitter", "data.noise_std", "data.monochrome", "data.flip",
]  # fmt: skip
TINY = ["data.image_size=32", "data.size=32", "model.g_width=4", "model.d_width=4",
        "model.latent_dim=10", "schedule.batch_size=8", "schedule.steps=1", "threads=2",
        "logging.progress=false", "logging.tensorboard=false", "logging.report=false"]  # fmt: skip
TRAIN_KEYS = [(k, d) for k, d in KEYS if k in TRAINABLE]


def _choices(key: str) -> list[str]:
    """The values a key's type allows (its Literal's members, booleans), or numbers near its
    default: mostly valid, so most of these configs train."""
    import typing

    section, name = key.split(".")
    field = type(getattr(Config(), section)).model_fields[name]
    found: list[str] = []
    for arg in (field.annotation, *typing.get_args(field.annotation)):
        if typing.get_origin(arg) is typing.Literal:
            found += [str(v) for v in typing.get_args(arg)]
        if arg is bool:
            found += ["true", "false"]
    if found:
        return found
    default = field.default if isinstance(field.default, int | float) else 1
    return [repr(v) for v in (0, default, 2 * default, 0.5, 1, 2, 0.1)] + ["null"]


@st.composite
def trainable_overrides(draw) -> list[str]:
    chosen = draw(st.lists(st.sampled_from(TRAIN_KEYS), min_size=1, max_size=4, unique=True))
    words = []
    for key, default in chosen:
        if draw(st.integers(0, 9)) == 0:  # now and then anything at all
            words.append(f"{key}={_value_text(draw, default)}")
        else:
            words.append(f"{key}={draw(st.sampled_from(_choices(key)))}")
    return words


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(trainable_overrides())
def test_configs_that_validate_train_a_step(tmp_path_factory, words: list[str]) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    code = main(["train", *TINY, *words, f"logging.root={root}", "logging.name=run"])
    assert code in (0, 2)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(ODD_TEXT),
        st.dictionaries(
            st.sampled_from([*NAMES, "data", "model", "x"]),
            st.sampled_from(ODD_NUMBERS + ODD_TEXT),
            max_size=3,
        ),
    )
)
def test_recipe_files_load_or_say_why(tmp_path_factory, content) -> None:
    path = tmp_path_factory.mktemp("yaml") / "recipe.yaml"
    text = content if isinstance(content, str) else json.dumps(content, allow_nan=True)
    path.write_text(text, errors="surrogateescape")
    assert main(["train", str(path), "--print-config"]) in (0, 2)


@pytest.fixture(scope="module")
def run_with_checkpoints(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    assert (
        main(
            [
                "train",
                *TINY,
                "schedule.steps=4",
                "logging.checkpoint_every=2",
                f"logging.root={root}",
                "logging.name=base",
            ]
        )
        == 0
    )
    return root / "base"


def _damage(tensors: dict, how: str, rng) -> dict:
    name = sorted(tensors)[rng.randrange(len(tensors))]
    out = dict(tensors)
    if how == "missing key":
        out.pop(name)
    elif how == "extra key":
        out["module.generator.surprise"] = torch.zeros(3)
    elif how == "wrong dtype":
        out[name] = tensors[name].to(
            torch.float16 if tensors[name].is_floating_point() else torch.float32
        )
    elif how == "wrong shape":
        shape = [s + 1 for s in tensors[name].shape] or [2]
        out[name] = torch.zeros(shape, dtype=tensors[name].dtype)
    return out


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    how=st.sampled_from(
        [
            "truncated",
            "garbage",
            "missing key",
            "extra key",
            "wrong dtype",
            "wrong shape",
            "json garbage",
            "json keys",
            "json types",
        ]
    ),
    seed=st.integers(0, 10**6),
    both=st.booleans(),
)
def test_damaged_checkpoints_fall_back_or_say_why(
    run_with_checkpoints: Path, tmp_path_factory, how: str, seed: int, both: bool
) -> None:
    import random

    rng = random.Random(seed)
    run = tmp_path_factory.mktemp("damaged") / "run"
    shutil.copytree(run_with_checkpoints, run)
    steps = [4, 2] if both else [4]  # damage the newest, or every checkpoint
    for step in steps:
        stem = run / "checkpoints" / f"step-{step:07d}"
        weights, meta = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
        if how == "truncated":
            weights.write_bytes(weights.read_bytes()[: rng.randrange(1, 2000)])
        elif how == "garbage":
            weights.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 500))))
        elif how.startswith("json"):
            record = json.loads(meta.read_text())
            if how == "json garbage":
                meta.write_text(meta.read_text()[: rng.randrange(0, 50)])
            elif how == "json keys":
                record.pop(sorted(record)[rng.randrange(len(record))])
                meta.write_text(json.dumps(record))
            else:
                key = sorted(record)[rng.randrange(len(record))]
                record[key] = rng.choice([None, "x", [1], {"a": 1}, -5])
                meta.write_text(json.dumps(record))
        else:
            save_file(_damage(load_file(str(weights)), how, rng), str(weights))
    out = run.parent / "grid.png"
    code = main(["generate", str(run), "--n", "4", "--out", str(out)])
    assert code in (0, 2)
    if code == 0:
        assert out.is_file()

"""Sweep specs: expansion and naming, and one clear error for each thing a user can get wrong.
Nothing here trains."""

import re
from pathlib import Path

import pytest
import yaml

from ganbench.config import available_recipes, recipes_dir
from ganbench.errors import ConfigError
from ganbench.sweeps.expand import baseline_cell, cells, trials
from ganbench.sweeps.plan import build_plan
from ganbench.sweeps.spec import load_spec, parse_spec

RING = {"base": "ring-gan", "metrics": ["toy"], "seeds": [0, 1]}
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._,+=-]*$")


def spec(**fields):
    return parse_spec({"name": "t", **RING, **fields})


def test_cross_expands_every_combination_first_axis_slowest():
    s = spec(axes={"model.mlp_layers": [1, 2], "optimiser.g_lr": [0.001, 1e-4, 3e-4]})
    got = [(c.settings["model.mlp_layers"], c.settings["optimiser.g_lr"]) for c in cells(s)]
    assert got == [(1, 0.001), (1, 1e-4), (1, 3e-4), (2, 0.001), (2, 1e-4), (2, 3e-4)]
    names = [t.name for t in trials(s)]
    assert len(names) == 12 and names[:2] == [
        "model.mlp_layers=1__optimiser.g_lr=0.001__seed=0",
        "model.mlp_layers=1__optimiser.g_lr=0.001__seed=1",
    ]
    again = spec(axes={"model.mlp_layers": [1, 2], "optimiser.g_lr": [0.001, 1e-4, 3e-4]})
    assert [t.name for t in trials(again)] == names  # deterministic
    assert baseline_cell(s, cells(s)).settings == {"model.mlp_layers": 1, "optimiser.g_lr": 0.001}


def test_zip_pairs_values_and_may_repeat_them_across_axes():
    s = spec(
        mode="zip",
        axes={"data.sampler": ["shuffled", "grouped", "grouped"], "data.group_size": [10, 1, 10]},
        baseline={"data.sampler": "grouped", "data.group_size": 1},
    )
    assert [c.label for c in cells(s)] == [
        "data.sampler=shuffled data.group_size=10",
        "data.sampler=grouped data.group_size=1",
        "data.sampler=grouped data.group_size=10",
    ]
    assert baseline_cell(s, cells(s)).index == 1


def test_no_axes_is_one_cell_of_seeds():
    names = [t.name for t in trials(spec(seeds=[3, 1]))]
    assert names == ["seed=3", "seed=1"]


def test_names_are_filesystem_safe_short_and_unique():
    s = spec(
        axes={
            "data.cache_dir": ["/tmp/a b", "/tmp/a_b", "x" * 300],
            "data.classes": [["mode0", "mode1"], None],
        }
    )
    with pytest.raises(ConfigError):  # ring has no choosable classes; names still work
        build_plan(s, "unused", 1)
    names = [t.name for t in trials(s)]
    assert len(set(names)) == len(names) == 12
    assert all(SAFE.match(n) and len(n) <= 120 for n in names)
    assert "data.cache_dir=tmp_a_b__data.classes=mode0,mode1__seed=0" not in names  # clash hashed
    assert any(n.startswith("data.cache_dir=xxx") for n in names)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stepz": 5}, "stepz: unknown field; allowed: name, base"),
        ({"axes": {"model.normposition": ["a"]}}, "'model.normposition' is not a config key"),
        ({"overrides": {"optimizer.g_lr": 1}}, "'optimizer.g_lr' is not a config key"),
        ({"axes": {"model.g_width": []}}, "'model.g_width' has no values"),
        ({"axes": {"model.g_width": [8, 8]}}, "lists a value twice"),
        ({"axes": {"seed": [1, 2]}}, "'seed' is set by the sweep"),
        ({"axes": {"model": [1]}}, "'model' is a section"),
        ({"axes": {"seed.x": [1]}}, "seed is a value, not a section"),
        ({"metrics": ["toys"]}, "unknown metric 'toys'; allowed: toy, classes"),
        ({"metrics": ["fd_inception"]}, "needs local Inception weights"),
        ({"seeds": []}, "list at least one training seed"),
        ({"seeds": [1, 1]}, "a seed is listed twice"),
        ({"mode": "zip", "axes": {"a.b": [1], "model.g_width": [1, 2]}}, "equal length"),
        ({"failure": {"metric": "toy.modes", "below": 6}}, "unknown metric 'toy.modes'"),
        ({"failure": {"metric": "toy.modes_covered"}}, "exactly one of below: or above:"),
        ({"failure": {"metric": "fd_oracle", "above": 1}}, "add it to metrics:"),
        ({"steps": 5, "overrides": {"schedule.steps": 6}}, "conflicts with steps:"),
        ({"axes": {"model.g_width": [8]}, "baseline": {"model.d_width": 8}}, "is not an axis"),
    ],
)
def test_bad_spec_gives_one_clear_message(fields, message):
    with pytest.raises(ConfigError, match="invalid sweep spec") as info:
        spec(**fields)
    assert message in str(info.value)


def test_spec_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_spec(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_spec(str(bad))


def test_invalid_trials_are_all_reported_before_anything_runs(tmp_path):
    s = spec(axes={"model.norm_position": ["before", "middle", "sideways"]})
    with pytest.raises(ConfigError) as info:
        build_plan(s, tmp_path, 1)
    text = str(info.value)
    assert "4 of 6 trials have an invalid config, so nothing was run" in text
    for value in ("middle", "sideways"):
        for seed in (0, 1):
            assert f"model.norm_position={value}__seed={seed}: model.norm_position=" in text
    assert "model.norm_position=before__seed" not in text
    assert not (tmp_path / "t").exists()


def test_plan_checks_metrics_baseline_and_base(tmp_path):
    with pytest.raises(
        ConfigError, match=re.escape("metric 'classes' does not apply to data.source=ring")
    ):
        build_plan(spec(metrics=["classes"]), tmp_path, 1)
    with pytest.raises(
        ConfigError, match=re.escape("baseline model.g_width=9 is not one of the cells")
    ):
        build_plan(spec(axes={"model.g_width": [8]}, baseline={"model.g_width": 9}), tmp_path, 1)
    with pytest.raises(ConfigError, match="no recipe or config file named 'nope'"):
        build_plan(spec(base="nope"), tmp_path, 1)
    one_class = spec(base="shapes-dcgan", overrides={"data.classes": ["happy"]}, axes={},
                     metrics=["validity"])  # fmt: skip
    with pytest.raises(ConfigError, match=r"the base trains on one class \(happy\)"):
        build_plan(one_class, tmp_path, 1)


def test_trial_config_is_what_train_resolves(tmp_path):
    s = spec(overrides={"optimiser.d_lr": 1.0e-5}, axes={"optimiser.g_lr": [2e-3]}, steps=7)
    (task,) = build_plan(s, tmp_path, 3).tasks[:1]
    cfg = task.config
    assert cfg["optimiser"]["d_lr"] == 1e-5 and cfg["optimiser"]["g_lr"] == 2e-3
    assert cfg["schedule"]["steps"] == 7 and task.steps == 7 and cfg["seed"] == 0
    assert cfg["threads"] == 3 and cfg["logging"]["progress"] is False
    assert Path(task.run_dir) == (tmp_path / "t" / task.name).resolve()
    assert cfg["logging"]["root"] == str((tmp_path / "t").resolve())


def test_the_readme_example_spec_is_valid(tmp_path):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = readme.split("# my-sweep.yaml", 1)[1].split("\n", 1)[1].split("```", 1)[0]
    plan = build_plan(parse_spec({"name": "my-sweep", **yaml.safe_load(block)}), tmp_path, 1)
    assert len(plan.tasks) == 10 and plan.baseline.settings == {"model.norm_position": "before"}


SHIPPED = sorted((recipes_dir() / "experiments").glob("*.yaml"))


def test_experiments_are_not_recipes():
    assert len(SHIPPED) >= 9
    assert not set(available_recipes()) & {p.stem for p in SHIPPED}


SEED000 = [p for p in SHIPPED if p.stem.startswith("seed000-")]


@pytest.mark.parametrize("path", SEED000, ids=lambda p: p.stem)
def test_seed000_specs_expand_and_validate_at_a_small_budget(path, tmp_path):
    s = load_spec(str(path))
    plan = build_plan(s, tmp_path, 1)
    assert len(plan.tasks) == len(plan.cells) * len(s.seeds) and len(s.seeds) >= 5
    assert len(plan.cells) >= 2 and s.failure is not None
    for task in plan.tasks:
        assert task.config["data"]["image_size"] == 32 and task.steps <= 1500
        assert task.config["model"]["g_width"] <= 32
    assert load_spec(path.stem).name == s.name  # a shipped spec by name


def test_default_recipe_spec_scores_the_default_over_three_seeds(tmp_path):
    s = load_spec("default-recipe")
    plan = build_plan(s, tmp_path, 1)
    assert len(plan.cells) == 1 and len(plan.tasks) == 3 and s.eval_n == 2000
    assert plan.tasks[0].config["recipe"] == "shapes-dcgan"
    assert s.failure is not None and s.failure.below == 0.95


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_spec_expands_into_valid_trials(path, tmp_path):
    s = load_spec(str(path))
    plan = build_plan(s, tmp_path, 1)
    assert len(plan.tasks) == len(plan.cells) * len(s.seeds) >= 3
    assert len({t.name for t in plan.tasks}) == len(plan.tasks)


def test_a_base_axis_compares_whole_recipes_with_the_same_overrides(tmp_path):
    (tmp_path / "wide-ring.yaml").write_text("base: ring-gan\nmodel:\n  mlp_hidden: 64\n")
    path = tmp_path / "recipes.yaml"
    path.write_text(
        "axes:\n  base: [ring-gan, wide-ring.yaml]\noverrides:\n  schedule.batch_size: 32\n"
        + "metrics: [toy]\nseeds: [0]\n"
    )
    plan = build_plan(load_spec(str(path)), tmp_path, 1)
    assert [task.name for task in plan.tasks] == [
        "base=ring-gan__seed=0",
        "base=wide-ring.yaml__seed=0",  # as written, whatever the working folder
    ]
    first, second = (task.config for task in plan.tasks)
    assert [first["recipe"], second["recipe"]] == ["ring-gan", "wide-ring"]
    assert second["model"]["mlp_hidden"] == 64 != first["model"]["mlp_hidden"]
    assert first["schedule"]["batch_size"] == second["schedule"]["batch_size"] == 32
    assert plan.tasks[0].digest != plan.tasks[1].digest
    with pytest.raises(ConfigError, match="base: is given twice"):
        spec(axes={"base": ["ring-gan", "grid-gan"]})

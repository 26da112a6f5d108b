"""Sweeps that train: resume without repeating work, failures recorded, the wall-time cap,
executors agreeing, the command line, and a broken setting found "worse" on the 2D ring.

Every trial is a tiny ring GAN (MLPs, a few dozen steps, one thread, about a second)."""

import contextlib
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from ganbench.cli import main
from ganbench.sweeps.executors import InlineExecutor
from ganbench.sweeps.plan import build_plan
from ganbench.sweeps.records import read_attempts, read_record
from ganbench.sweeps.runner import run_sweep
from ganbench.sweeps.spec import parse_spec
from ganbench.training.rundir import RunDir

# The ring at radius 1 with sigma 0.1, so that a few hundred steps reach the modes; the
# ring-gan recipe's model and loss pinned, so that these tests do not move with the recipe.
RING = {
    "data.radius": 1.0,
    "data.mode_std": 0.1,
    "data.stream": True,
    "model.latent_dim": 16,
    "model.g_activation": "relu",
    "model.init": "default",
    "objective.loss": "non_saturating",
    "optimiser.beta1": 0.5,
    "model.mlp_hidden": 32,
    "model.mlp_layers": 1,
    "optimiser.d_lr": 0.003,
    "optimiser.lr_decay": "none",
    "schedule.batch_size": 64,
    "logging.tensorboard": False,
    "logging.samples_every": 100000,
    "logging.log_every": 10,
    "logging.checkpoint_every": 20,
}


def ring_spec(name="ring", overrides=None, **fields):
    tree = {
        "name": name,
        "base": "ring-gan",
        "overrides": {**RING, **(overrides or {})},
        "axes": {"optimiser.g_lr": [0.003]},
        "seeds": [0],
        "steps": 40,
        "metrics": ["toy", "wall_time"],
        "eval_n": 500,
        **fields,
    }
    return parse_spec(tree)


def sweep(spec, root, **kwargs):
    return run_sweep(build_plan(spec, root, threads=1), InlineExecutor(), **kwargs)


def test_resume_after_an_interruption_runs_nothing_twice(tmp_path):
    spec = ring_spec(seeds=[0, 1])
    first = sweep(spec, tmp_path, write=False)
    names = first.ran
    assert len(names) == 2 and not first.interrupted
    runs = [tmp_path / "ring" / n for n in names]
    stamps = [(r / "trial.json").stat().st_mtime_ns for r in runs]

    again = sweep(spec, tmp_path, write=False)
    assert again.ran == [] and again.skipped == names

    # as if killed after the checkpoint at step 20: no done marker, no step-40 checkpoint
    (runs[1] / "trial.json").unlink()
    for stale in (runs[1] / "checkpoints").glob("step-0000040.*"):
        stale.unlink()
    resumed = sweep(spec, tmp_path)
    assert resumed.ran == [names[1]] and resumed.skipped == [names[0]]
    assert (runs[0] / "trial.json").stat().st_mtime_ns == stamps[0]
    assert read_attempts(runs[1])[-1] | {"seconds": 0} == {
        "start_step": 20,
        "end_step": 40,
        "seconds": 0,
    }
    steps = [r["step"] for r in RunDir(runs[1]).read_metrics()]
    assert steps == [10, 20, 30, 40]  # resumed at 20: nothing logged twice
    record = read_record(runs[1])
    assert record["status"] == "done" and record["steps"] == 40
    assert resumed.report["counts"] == {"total": 2, "done": 2, "failed": 0, "pending": 0}


class _StopAfter(dict):
    """A stop flag that turns on after ``n`` looks: Ctrl-C during step n, deterministically."""

    def __init__(self, n):
        super().__init__(stop=False)
        self.n = n

    def __getitem__(self, key):
        self.n -= 1
        return self.n < 0


def test_ctrl_c_stops_the_sweep_and_the_next_run_resumes_it(tmp_path, monkeypatch):
    from ganbench.training import trainer

    spec = ring_spec(seeds=[0, 1])
    with monkeypatch.context() as patch:
        patch.setattr(trainer, "stop_requests", lambda: contextlib.nullcontext(_StopAfter(25)))
        stopped = sweep(spec, tmp_path)
    assert stopped.interrupted and stopped.report is None
    first = tmp_path / "ring" / stopped.ran[0]
    assert stopped.ran == [first.name] and read_record(first) is None  # seed 1 never started
    assert RunDir(first).checkpoint_steps()[-1] == 25  # written on the way out

    resumed = sweep(spec, tmp_path)
    assert not resumed.interrupted and len(resumed.ran) == 2
    assert [(a["start_step"], a["end_step"]) for a in read_attempts(first)] == [(0, 25), (25, 40)]
    record = read_record(first)
    assert record["steps"] == 40 and record["wall_time"] == pytest.approx(
        sum(a["seconds"] for a in read_attempts(first))
    )


def test_a_crashed_trial_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    spec = ring_spec(axes={"optimiser.g_lr": [0.003, 1e30]})
    result = sweep(spec, tmp_path, write=False)
    assert len(result.ran) == 2
    bad = read_record(tmp_path / "ring" / result.ran[1])
    assert bad["status"] == "failed" and "became nan" in bad["error"]
    assert "Traceback" in (tmp_path / "ring" / result.ran[1] / "trial.log").read_text()
    assert read_record(tmp_path / "ring" / result.ran[0])["status"] == "done"
    err = capsys.readouterr().err
    assert "failed  optimiser.g_lr=1e+30" in err and "1/2 done, 0 running, 1 failed" in err

    assert sweep(spec, tmp_path, write=False).ran == []  # failed stays failed ...
    retried = sweep(spec, tmp_path, write=False, retry_failed=True)  # ... unless retried
    assert retried.ran == [result.ran[1]]


def test_a_trial_another_process_holds_is_left_to_it(tmp_path, capsys):
    from ganbench.sweeps.trial import trial_lock

    spec = ring_spec(axes={"optimiser.g_lr": [0.003, 0.001]})
    plan = build_plan(spec, tmp_path, threads=1)
    held = Path(plan.tasks[0].run_dir)
    held.mkdir(parents=True)
    with trial_lock(held) as mine:
        assert mine
        with trial_lock(held) as second:
            assert not second  # the lock excludes even this process's second opener
        result = run_sweep(plan, InlineExecutor(), write=False)
    assert result.ran == [t.name for t in plan.tasks]
    assert read_record(held) is None  # nothing written into the held trial
    assert read_record(Path(plan.tasks[1].run_dir))["status"] == "done"
    assert f"skipped {plan.tasks[0].name}: another process is running it" in capsys.readouterr().err


def test_wall_time_cap_stops_cleanly_and_counts_as_done(tmp_path):
    spec = ring_spec(steps=1_000_000, max_minutes=0.03)
    result = sweep(spec, tmp_path, write=False)
    record = read_record(tmp_path / "ring" / result.ran[0])
    assert record["status"] == "done" and record["capped"]
    assert 0 < record["steps"] < 1_000_000 and record["metrics"]["toy.samples"] == 500
    run = RunDir(tmp_path / "ring" / result.ran[0])
    assert run.checkpoint_steps()[-1] == record["steps"]  # a checkpoint at the stop
    assert sweep(spec, tmp_path, write=False).ran == []  # done with the steps it reached


def _metrics(root, name):
    """Every trial's metrics but its wall time, by trial name."""
    return {
        run.name: {k: v for k, v in read_record(run)["metrics"].items() if k != "wall_time"}
        for run in Path(root, name).iterdir()
        if run.is_dir()
    }


def test_cli_sweep_end_to_end_with_a_process_pool(tmp_path, capsys):
    spec_file = tmp_path / "tiny.yaml"
    tree = ring_spec(name="ignored").model_dump(mode="json", exclude={"name"})
    spec_file.write_text(yaml.safe_dump({**tree, "seeds": [0, 1]}))
    root = tmp_path / "sweeps"
    args = ["sweep", str(spec_file), "--root", str(root), "--threads", "1"]
    assert main([*args, "--workers", "2"]) == 0
    captured = capsys.readouterr()
    assert "sweep tiny: 2 trials" in captured.out and "toy.high_quality" in captured.out
    assert "2/2 done, 0 running, 0 failed, 0 pending" in captured.err
    assert (root / "tiny" / "report.html").is_file()
    report = json.loads((root / "tiny" / "report.json").read_text())
    assert report["counts"]["done"] == 2
    markdown = (root / "tiny" / "report.md").read_text()
    assert "| cell | n | mean [95% CI] |" in markdown and "**toy.high_quality**" in markdown
    assert markdown.count("(baseline) | 2 |") == len(report["metrics"])

    # the same trials in this process give the same numbers: results come from the files
    assert main([*args, "--root", str(tmp_path / "inline"), "--executor", "inline"]) == 0
    assert _metrics(tmp_path / "inline", "tiny") == _metrics(root, "tiny")
    capsys.readouterr()

    assert main([*args, "--list"]) == 0
    assert "optimiser.g_lr=0.003__seed=1" in capsys.readouterr().out
    assert main([*args, "--report"]) == 0
    assert "sweep tiny: 2 trials (2 done" in capsys.readouterr().out

    spec_file.write_text("base: ring-gan\naxes: {model.normposition: [a]}\n")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not a config key" in err and "Traceback" not in err
    if importlib.util.find_spec("ray") is None:
        assert main([*args, "--executor", "ray"]) == 2
        assert "pip install 'ganbench[ray]'" in capsys.readouterr().err


def test_ray_executor_gives_the_same_results(tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'ganbench[ray]'")
    from ganbench.sweeps.executors import RayExecutor

    spec = ring_spec(seeds=[0, 1])
    ray_run = run_sweep(build_plan(spec, tmp_path / "ray", 1), RayExecutor(1), write=False)
    inline = sweep(spec, tmp_path / "inline", write=False)
    assert sorted(ray_run.ran) == sorted(inline.ran)
    assert _metrics(tmp_path / "ray", "ring") == _metrics(tmp_path / "inline", "ring")


@pytest.mark.slow
def test_broken_setting_is_worse_and_identical_cells_are_not_told_apart(tmp_path):
    """Cells: a working ring GAN (baseline), the same keeping more checkpoints (the
    same training), and G's rate at 1e-7 (G never moves). Six seeds each."""
    spec = ring_spec(
        overrides={"model.mlp_hidden": 64, "model.mlp_layers": 2, "schedule.batch_size": 128},
        axes={"optimiser.g_lr": [0.003, 0.003, 1e-7], "logging.keep_checkpoints": [3, 5, 3]},
        mode="zip",
        seeds=[0, 1, 2, 3, 4, 5],
        steps=300,
        metrics=["toy"],
    )
    report = sweep(spec, tmp_path).report
    verdicts = {(c["cell"], c["metric"]): c["verdict"] for c in report["comparisons"]}
    broken, same = (
        "optimiser.g_lr=1e-07 logging.keep_checkpoints=3",
        "optimiser.g_lr=0.003 logging.keep_checkpoints=5",
    )
    assert verdicts[(broken, "toy.high_quality")] == "worse"
    assert verdicts[(broken, "toy.modes_covered")] == "worse"
    for metric in ("toy.high_quality", "toy.modes_covered", "toy.reverse_kl"):
        assert verdicts[(same, metric)] == "no detectable difference at n=6 seeds"

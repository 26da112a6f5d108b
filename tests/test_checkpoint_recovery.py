"""Damaged checkpoints: the newest intact one is used, with a warning; resume --step N;
metadata without its keys; half-pruned files cleaned; overrides after options."""

import json
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.errors import CheckpointError
from ganbench.training.rundir import RunDir


def _trained(tiny, steps=6):
    """A tiny run with checkpoints at steps 2, 4 and 6."""
    assert main(["train", *tiny, f"schedule.steps={steps}", "logging.checkpoint_every=2"]) == 0
    root = next(o.split("=", 1)[1] for o in tiny if o.startswith("logging.root="))
    return RunDir.open(f"{root}/tiny")


def test_a_truncated_newest_checkpoint_falls_back_to_the_intact_one(tiny, capsys):
    run = _trained(tiny)
    weights = run.checkpoint_stem(6).with_suffix(".safetensors")
    weights.write_bytes(weights.read_bytes()[:100])
    capsys.readouterr()
    _, meta = run.load_checkpoint()
    assert meta["step"] == 4
    err = capsys.readouterr().err
    assert "skipping damaged checkpoint step-0000006" in err and "step-0000004" in err
    assert main(["resume", str(run.path), "--steps", "8"]) == 0
    assert run.checkpoint_steps()[-1] == 8


def test_metadata_without_its_keys_is_a_clear_error(tiny):
    run = _trained(tiny)
    for step in run.checkpoint_steps():
        run.checkpoint_stem(step).with_suffix(".json").write_text(
            json.dumps({"format": "ganbench-checkpoint/1"})
        )
    with pytest.raises(CheckpointError, match="lacks step"):
        run.load_checkpoint(run.checkpoint_stem(6))
    with pytest.raises(CheckpointError, match="no intact checkpoint"):
        run.load_checkpoint()
    assert main(["generate", str(run.path), "--out", str(run.path / "g.png")]) == 2


def test_resume_from_an_older_step_drops_the_later_checkpoints(tiny, capsys):
    run = _trained(tiny)
    assert main(["resume", str(run.path), "--step", "2", "--steps", "4"]) == 0
    assert "removed the later checkpoints [4, 6]" in capsys.readouterr().out
    assert run.checkpoint_steps() == [2, 4]
    assert max(r["step"] for r in run.read_metrics()) == 4
    assert main(["resume", str(run.path), "--step", "3", "--steps", "8"]) == 2
    assert "no checkpoint of step 3; kept: 2, 4" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: "--step: must be 0 or more"
        main(["generate", str(run.path), "--step", "-1"])


def test_half_pruned_checkpoints_are_cleaned_on_the_next_save(tiny):
    run = _trained(tiny)
    orphan = run.checkpoint_stem(1).with_suffix(".json")
    orphan.write_text("{}")
    weights_only = run.checkpoint_stem(3).with_suffix(".safetensors")
    weights_only.write_bytes(b"x")
    assert main(["resume", str(run.path), "--steps", "8"]) == 0
    assert not orphan.exists() and not weights_only.exists()


def test_overrides_may_follow_options_and_unknown_words_are_refused(tiny, capsys):
    run = _trained(tiny, steps=2)
    assert main(["resume", str(run.path), "--steps", "4", "logging.log_every=1"]) == 0
    assert run.read_config().logging.log_every == 1
    with pytest.raises(SystemExit):
        main(["resume", str(run.path), "--steps", "6", "notanoverride"])


def test_generate_refuses_a_folder_as_output(tiny, tmp_path):
    run = _trained(tiny, steps=2)
    assert main(["generate", str(run.path), "--out", str(tmp_path)]) == 2


def test_run_directories_are_claimed_atomically_and_bad_roots_refused(tiny, tmp_path):
    from ganbench.config import load_config
    from ganbench.errors import ConfigError

    cfg = load_config("shapes-conv", tiny)
    first, second = RunDir.create(cfg), RunDir.create(cfg)
    assert first.path != second.path and second.path.name == "tiny-2"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="is not a folder"):
        RunDir.create(load_config("shapes-conv", [*tiny, f"logging.root={blocker}"]))
    with pytest.raises(ConfigError, match="cannot create the run directory"):
        RunDir.create(load_config("shapes-conv", [*tiny, f"logging.root={blocker}/below"]))


def test_a_start_that_fails_leaves_no_run_directory(tiny, tmp_path, monkeypatch):
    import ganbench.training.trainer as trainer_module

    def broken(*args, **kwargs):
        raise CheckpointError("cannot start")

    monkeypatch.setattr(trainer_module.Trainer, "__init__", broken)
    assert main(["train", *tiny]) == 2
    root = next(o.split("=", 1)[1] for o in tiny if o.startswith("logging.root="))
    assert not any(p.is_dir() for p in Path(root).glob("*"))


def test_a_full_disk_during_a_checkpoint_names_the_intact_one(tiny, monkeypatch, capsys):
    import errno

    import ganbench.training.checkpoint as checkpoint_module

    run = _trained(tiny)

    def disk_full(tensors, path):
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint_module, "save_file", disk_full)
    assert main(["resume", str(run.path), "--steps", "8"]) == 2
    err = capsys.readouterr().err
    assert "could not write checkpoint step 8" in err and "No space left" in err
    assert "checkpoint step 6 is intact" in err
    assert not list(run.checkpoints_dir.glob("*.tmp"))
    _, meta = run.load_checkpoint()
    assert meta["step"] == 6

"""Runs that survive what the operating system does to them: SIGKILL at random moments
(inside checkpoint writes and pruning too) followed by resumes ends on the same weights as an
uninterrupted run; a real full disk (a small tmpfs) during a checkpoint is one message that
names the intact checkpoint."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

from ganbench.cli import main
from ganbench.training.rundir import RunDir

TINY = [
    "data.image_size=32", "data.size=64", "model.g_width=4", "model.d_width=4",
    "model.latent_dim=10", "schedule.batch_size=8", "logging.log_every=5",
    "logging.progress=false", "logging.tensorboard=false", "logging.report=false", "threads=1",
]  # fmt: skip
STEPS = 200
KILLS = 6
# A checkpoint every step: re-estimating the EMA generator's batch-norm statistics (64 batches
# of 8 at each save) would be most of the run; copying them keeps saves cheap, and the
# recomputed statistics' own resume is tests/test_ema_statistics.py's.
EVERY_STEP = ["logging.checkpoint_every=1", "schedule.ema_batch_norm=copy"]


def _final_tensors(run: Path) -> dict:
    stem = RunDir.open(run).latest_checkpoint()
    return load_file(str(stem.with_suffix(".safetensors")))


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_is_bit_exact(tmp_path: Path) -> None:
    common = [*TINY, f"schedule.steps={STEPS}", *EVERY_STEP]
    # saving does not touch the training state: the reference saves only at its end
    assert (
        main(
            [
                "train",
                "shapes-conv",
                *common,
                f"logging.checkpoint_every={STEPS}",
                f"logging.root={tmp_path}",
                "logging.name=whole",
            ]
        )
        == 0
    )
    # the killed run starts with one uninterrupted step, then is killed again and again
    assert (
        main(
            [
                "train",
                "shapes-conv",
                *common,
                "schedule.steps=1",
                f"logging.root={tmp_path}",
                "logging.name=killed",
            ]
        )
        == 0
    )
    run = tmp_path / "killed"
    rng = random.Random(0)
    kills, started = 0, time.time()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    while True:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ganbench", "resume", str(run), "--steps", str(STEPS)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        if kills < KILLS:
            try:
                proc.wait(timeout=rng.uniform(1.5, 3.5))  # past the imports, into training
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                kills += 1
                continue
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        if RunDir.open(run).checkpoint_steps()[-1] == STEPS:
            break
    assert kills == KILLS
    assert time.time() - started < 300  # a hang, not a slow machine
    whole, killed = _final_tensors(tmp_path / "whole"), _final_tensors(run)
    assert whole.keys() == killed.keys()
    unequal = [k for k in whole if not (whole[k] == killed[k]).all()]
    assert unequal == [], f"{len(unequal)} of {len(whole)} tensors differ after {kills} kills"
    assert not list(run.rglob("*.tmp"))


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: the real full-disk test did not run")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): full-disk test skipped")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_real_full_disk_during_a_checkpoint(small_disk: Path, capsys) -> None:
    overrides = [
        *TINY,
        "data.image_size=32",
        "model.g_width=8",
        "model.d_width=8",
        "model.latent_dim=16",
        "schedule.steps=8",
        "logging.checkpoint_every=4",
        f"logging.root={small_disk}",
        "logging.name=full",
    ]
    assert main(["train", *overrides]) == 2
    err = capsys.readouterr().err
    assert "could not write checkpoint step 8" in err and "No space left" in err
    assert "checkpoint step 4 is intact" in err and "Traceback" not in err
    run = RunDir.open(small_disk / "full")
    _, meta = run.load_checkpoint()
    assert meta["step"] == 4
    assert not list(run.path.rglob("*.tmp"))

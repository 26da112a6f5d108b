"""The GPU path, on a machine with a CUDA GPU (skipped elsewhere, as in CI): the default
recipe trains, resumes and draws samples on the GPU through the command line, and the run
then evaluates and continues on the CPU. Each command runs in a process that sees the
machine's devices (the rest of the suite runs on the CPU: tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RUN = [
    "data.image_size=32",
    "data.size=256",
    "schedule.batch_size=32",
    "logging.checkpoint_every=10",
    "logging.progress=false",
    "logging.tensorboard=false",
    "logging.report=false",
]


def _gpu_env() -> dict[str, str]:
    env = dict(os.environ)
    saved = env.get("GANBENCH_TEST_CUDA_DEVICES", "<unset>")
    if saved == "<unset>":
        env.pop("CUDA_VISIBLE_DEVICES", None)
    else:
        env["CUDA_VISIBLE_DEVICES"] = saved
    return env


def _has_gpu() -> bool:
    if shutil.which("nvidia-smi") is None:
        return False
    probe = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.cuda.is_available())"],
        env=_gpu_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return probe.stdout.strip() == "True"


pytestmark = pytest.mark.skipif(not _has_gpu(), reason="no CUDA GPU on this machine")


def _ganbench(*args: str, gpu: bool) -> None:
    env = _gpu_env() if gpu else dict(os.environ)
    done = subprocess.run(
        [sys.executable, "-m", "ganbench", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"ganbench {' '.join(args)}:\n{done.stderr[-3000:]}"


def _steps(run: Path) -> list[int]:
    return sorted(int(p.name.split("-")[1].split(".")[0]) for p in run.glob("checkpoints/*.json"))


def test_a_gpu_run_trains_resumes_and_continues_on_the_cpu(tmp_path):
    run = tmp_path / "gpu"
    where = [f"logging.root={tmp_path}", "logging.name=gpu"]
    _ganbench("train", "device=cuda", "schedule.steps=20", *RUN, *where, gpu=True)
    config = (run / "config.yaml").read_text()
    assert "device: cuda" in config
    _ganbench("resume", str(run), "--steps", "30", gpu=True)
    assert _steps(run)[-1] == 30
    _ganbench("generate", str(run), "--n", "16", "--out", str(tmp_path / "g.png"), gpu=True)
    assert (tmp_path / "g.png").stat().st_size > 0
    # the same run on a machine without a GPU: scored, then trained further on the CPU
    _ganbench("evaluate", str(run), "--n", "200", gpu=False)
    scores = json.loads((run / "eval.json").read_text())["metrics"]
    assert 0.0 <= scores["conditional_accuracy"] <= 1.0
    _ganbench("resume", str(run), "--steps", "40", "device=cpu", gpu=False)
    assert _steps(run)[-1] == 40

"""Several processes training one run (torchrun, gloo on the CPU): every rank holds the same
weights, N ranks with B/N images each train what one process trains with B, only rank 0
writes, a resumed run continues exactly, and bad launches or a dying rank give a message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganbench.errors import ConfigError
from ganbench.training.distributed import Distributed, Shard, weights_checksum
from ganbench.training.rundir import RunDir

QUIET = ["logging.progress=false", "logging.tensorboard=false", "logging.report=false"]
TINY_IMAGES = [
    "data.image_size=32", "data.size=64", "model.g_width=4", "model.d_width=4",
    "model.latent_dim=10", "schedule.batch_size=8", "logging.log_every=2", "threads=1", *QUIET,
]  # fmt: skip
RING = ["ring-gan", "threads=1", *QUIET]


def _ganbench(args: list[str], nproc: int = 1, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}
    command = [sys.executable, "-m", "ganbench", *args]
    if nproc > 1:
        command.append(f"--nproc={nproc}")
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def _weights(run: Path) -> dict[str, torch.Tensor]:
    stem = RunDir.open(run).latest_checkpoint()
    tensors = load_file(str(stem.with_suffix(".safetensors")))
    return {k: v for k, v in tensors.items() if k.startswith("module.")}


def _largest_relative_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    worst = 0.0
    for key in a:
        if a[key].is_floating_point():
            scale = a[key].abs().max().item() + 1e-12
            worst = max(worst, (a[key] - b[key]).abs().max().item() / scale)
    return worst


# one process: the shard is the whole batch and nothing collective happens -------------------
def test_a_shard_takes_its_slice_of_the_global_batch():
    batch = torch.arange(12)
    assert torch.equal(Shard().take(batch), batch)
    assert torch.equal(Shard(0, 3).take(batch), torch.arange(4))
    assert torch.equal(Shard(2, 3).take(batch), torch.arange(8, 12))
    assert Shard().salt == () and Shard(1, 2).salt == (1,)
    assert Shard(0, 2).writer and not Shard(1, 2).writer


def test_one_process_needs_no_process_group():
    d = Distributed(batch_size=7, device=torch.device("cpu"), shard=Shard())
    sums = {"loss": torch.tensor(2.0)}
    assert d.mean(sums) is sums and d.any(True) and not d.any(False)


def test_a_batch_that_cannot_be_split_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match="batch_size=6 cannot be split over 4 processes"):
        Distributed(batch_size=6, device=torch.device("cpu"), shard=Shard(0, 4))


def test_the_checksum_sees_one_changed_weight():
    net = torch.nn.Linear(3, 2)
    before = weights_checksum([net])
    with torch.no_grad():
        net.weight[0, 0] += 1e-7
    assert weights_checksum([net]) != before


# two processes --------------------------------------------------------------------------------
@pytest.mark.slow
def test_two_ranks_with_half_batches_train_what_one_process_trains(tmp_path: Path):
    """Batch-norm-free (the ring's MLPs): the same global batches and latents, gradients
    averaged, so the weights agree to float rounding (GAN dynamics amplify rounding over
    hundreds of steps, so 20 steps are compared)."""
    args = [*RING, "schedule.steps=20", f"logging.root={tmp_path}"]
    two = _ganbench(["train", *args, "logging.name=two"], nproc=2)
    assert two.returncode == 0, two.stderr[-2000:]
    one = _ganbench(["train", *args, "logging.name=one"])
    assert one.returncode == 0, one.stderr[-2000:]
    assert (
        _largest_relative_difference(_weights(tmp_path / "one"), _weights(tmp_path / "two")) < 1e-4
    )
    # only rank 0 wrote: one run directory each, and rank 0 reported the agreement
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]
    record = json.loads((tmp_path / "two" / "distributed.json").read_text())
    assert record["world_size"] == 2 and record["batch_per_process"] == 128
    assert record["checks"] and all(c["ranks_agree"] for c in record["checks"])
    assert two.stdout.count("run directory:") == 2  # printed once at the start, once at the end


@pytest.mark.slow
def test_a_resumed_two_rank_run_with_batch_norm_continues_exactly(tmp_path: Path):
    """The DCGAN with batch norm: rank 0's running statistics are taken by every rank at
    each checkpoint, so stopping and resuming changes nothing."""
    common = [*TINY_IMAGES, f"logging.root={tmp_path}", "logging.checkpoint_every=6"]
    common.append("objective.d_blur=0")  # the blur fades over half of schedule.steps
    common = ["shapes-conv", *common]  # the pixel DCGAN: batch norm in its convolutions
    whole = _ganbench(["train", *common, "schedule.steps=12", "logging.name=whole"], nproc=2)
    assert whole.returncode == 0, whole.stderr[-2000:]
    half = _ganbench(["train", *common, "schedule.steps=6", "logging.name=half"], nproc=2)
    assert half.returncode == 0, half.stderr[-2000:]
    resumed = _ganbench(["resume", str(tmp_path / "half"), "--steps", "12"], nproc=2)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a, b = _weights(tmp_path / "whole"), _weights(tmp_path / "half")
    assert all(torch.equal(a[k], b[k]) for k in a), "the resumed run drifted"
    steps = [json.loads(line)["step"] for line in (tmp_path / "half/metrics.jsonl").open()]
    assert steps == sorted(set(steps)) and steps[-1] == 12  # one line per step, no duplicates


@pytest.mark.slow
@pytest.mark.parametrize(
    "recipe",
    [
        pytest.param(["digits-sgan", "model.g_width=8", "model.d_width=8"], id="sgan"),
        pytest.param(["shapes-cyclegan", "data.size=64", "cyclegan.ngf=4"], id="cyclegan"),
    ],
)
def test_every_family_trains_under_two_processes(tmp_path: Path, recipe: list[str]):
    args = [*recipe, "threads=1", *QUIET, "schedule.steps=4", "logging.checkpoint_every=2"]
    result = _ganbench(["train", *args, f"logging.root={tmp_path}", "logging.name=f"], nproc=2)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((tmp_path / "f" / "distributed.json").read_text())
    assert [c["step"] for c in record["checks"]] == [2, 4]
    assert all(c["ranks_agree"] for c in record["checks"])


@pytest.mark.slow
def test_more_processes_than_the_batch_holds_is_one_message(tmp_path: Path):
    result = _ganbench(
        ["train", *RING, "schedule.batch_size=3", "schedule.steps=2", f"logging.root={tmp_path}"],
        nproc=2,
    )
    assert result.returncode != 0
    assert "schedule.batch_size=3 cannot be split over 2 processes" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # refused before any process started


@pytest.mark.slow
def test_a_rank_that_dies_stops_the_run_and_leaves_the_checkpoint_intact(tmp_path: Path):
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo"}
    args = [*RING, "schedule.steps=100000", "logging.checkpoint_every=50"]
    command = [sys.executable, "-m", "ganbench", "train", *args, f"logging.root={tmp_path}"]
    launcher = subprocess.Popen(
        [*command, "logging.name=dies", "--nproc=2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    run = tmp_path / "dies"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(run.glob("checkpoints/*.safetensors")):
            time.sleep(0.5)
        assert list(run.glob("checkpoints/*.safetensors")), "no checkpoint was written"
        victim = _rank_pid(launcher.pid, rank=1)
        os.kill(victim, signal.SIGKILL)
        _, stderr = launcher.communicate(timeout=120)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    assert launcher.returncode != 0
    assert "rank" in stderr.lower() or "failed" in stderr.lower()
    tensors, meta = RunDir.open(run).load_checkpoint()  # the newest checkpoint loads
    assert meta["step"] % 50 == 0 and tensors


def _rank_pid(launcher_pid: int, rank: int) -> int:
    """The pid of the worker with RANK=rank among the launcher's descendants."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"RANK={rank}".encode() in environ and b"LOCAL_RANK" in b"".join(environ):
                parent = int(status.split("PPid:")[1].split()[0])
                if _descends_from(parent, launcher_pid):
                    return int(entry.name)
        time.sleep(0.2)
    raise AssertionError(f"no worker with RANK={rank} found")


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False
        pid = int(status.split("PPid:")[1].split()[0])
    return False

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Under `pytest -n N` each worker takes one core: one torch thread, its subprocesses too.
# A test that asks for two threads then shares a core with the other worker: its idle
# thread must sleep, not spin (a spinning OpenMP wait made such a run 2.7x slower).
PARALLEL_WORKER = bool(os.environ.get("PYTEST_XDIST_WORKER"))
if PARALLEL_WORKER:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The suite tests the CPU path, the one CI has, also on a machine with a GPU: bit-exact
# resume is a property of deterministic kernels, and CUDA's (atomic adds in backward passes)
# make two GPU runs differ in the last bits. tests/test_cuda.py drives the GPU through
# processes that see the machine's devices again.
os.environ.setdefault(
    "GANBENCH_TEST_CUDA_DEVICES", os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>")
)
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import torch  # noqa: E402  (after OMP_NUM_THREADS, which torch reads once)

torch.set_num_threads(1 if PARALLEL_WORKER else 2)

# The learning runs take minutes each; started first, they spread over the workers and the
# short tests fill in around them, instead of one long run starting last on its own.
LONGEST_FIRST = ("test_parallel_learning.py", "test_toy_learning.py", "test_learning.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        if item.path.name in LONGEST_FIRST:
            return LONGEST_FIRST.index(item.path.name)
        return len(LONGEST_FIRST) + (item.get_closest_marker("slow") is None)

    items.sort(key=rank)  # stable: each file keeps its own order


TINY = [
    "data.image_size=32",
    "data.size=64",
    "model.g_width=8",
    "model.d_width=8",
    "model.latent_dim=16",
    "schedule.batch_size=16",
    "schedule.steps=6",
    "logging.log_every=2",
    "logging.checkpoint_every=4",
    "logging.progress=false",
]


@pytest.fixture
def tiny(tmp_path: Path) -> list[str]:
    """Overrides for a model small enough to train a few steps in well under a second."""
    return [*TINY, f"logging.root={tmp_path / 'runs'}", "logging.name=tiny"]

"""Every benchmark's --quick mode runs to the end, so none can rot unnoticed."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# one thread, as every test worker has: its default of two shares a core with the other worker
OPTIONS = {"train_speed.py": ["--threads", "1"]}


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("*.py")))
def test_benchmark_quick_mode_runs(script, tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", *OPTIONS.get(script, [])],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), f"{script} --quick printed nothing"

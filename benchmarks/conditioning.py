"""Every way the class enters the networks, at equal training wall time, over seeds.

Runs the sweeps ``configs/experiments/conditioning-shapes.yaml`` and
``conditioning-digits.yaml`` (additive label, embedding, class-conditional batch norm with a
projection D, with AC-GAN's head, with TAC-GAN's twin head; two minutes of training each,
seeds 0-2) and prints each sweep's table: conditional accuracy, within-class MS-SSIM against
the real floor, FD in the oracle's feature space (and shape validity), each with its 95%
bootstrap interval and the verdict against the first cell (seed 000's additive label). The
runs stay under ``--root`` (default ``sweeps/``): a second call resumes and only reports.

    .venv/bin/python benchmarks/conditioning.py                 # both sources, 2 workers
    .venv/bin/python benchmarks/conditioning.py --source digits --workers 1
    .venv/bin/python benchmarks/conditioning.py --quick         # smoke run: digits, 2 steps a trial
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

EXPERIMENTS = Path(__file__).resolve().parents[1] / "configs" / "experiments"
QUICK_OVERRIDES = {
    "data.size": 64,
    "model.g_width": 4,
    "model.d_width": 4,
    "schedule.batch_size": 16,
}


def quick_spec(source: Path, folder: Path) -> Path:
    """The first two cells on a tiny model for a few steps, one seed, few evaluation samples."""
    spec = yaml.safe_load(source.read_text())
    overrides = dict(spec.get("overrides") or {})
    overrides.pop("schedule.steps", None)
    tiny = {key: value for key, value in QUICK_OVERRIDES.items() if key != "data.size"}
    overrides.update(QUICK_OVERRIDES if "shapes" in source.name else tiny)  # digits: fixed set
    axes = {key: values[:2] for key, values in (spec.get("axes") or {}).items()}  # two cells
    spec.update(
        overrides=overrides,
        axes=axes,
        steps=2,
        seeds=[0],
        eval_n=40,
        metrics=["classes", "wall_time"],
    )
    spec.pop("max_minutes", None)
    path = folder / source.name
    path.write_text(yaml.safe_dump(spec))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", choices=("shapes", "digits", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--root", default="sweeps")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sources = ["shapes", "digits"] if args.source == "both" else [args.source]
    if args.quick and args.source == "both":
        sources = ["digits"]  # a smoke run: one sweep shows the machinery works
    if args.quick:
        args.workers = 1  # the test suite gives each test one core
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "sweeps" if args.quick else Path(args.root)
        for source in sources:
            spec = EXPERIMENTS / f"conditioning-{source}.yaml"
            if args.quick:
                spec = quick_spec(spec, Path(folder))
            command = [sys.executable, "-m", "ganbench", "sweep", str(spec)]
            command += ["--workers", str(args.workers), "--root", str(root)]
            print(f"== {source}: {' '.join(command[2:])}", flush=True)
            if subprocess.call(command) != 0:
                raise SystemExit(f"the {source} sweep failed")
            if subprocess.call([*command, "--report"]) != 0:
                raise SystemExit(f"the {source} report failed")


if __name__ == "__main__":
    main()

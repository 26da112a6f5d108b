"""The run directory: the only code that reads or writes one.

runs/<name>/
  config.yaml     the resolved config
  metrics.jsonl   one JSON object per logged step
  samples/        sample grids from one fixed latent batch
  events/         TensorBoard
  plots/          loss and accuracy curves (PNG)
  checkpoints/    step-N.safetensors + step-N.json, and `latest` naming the newest
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from safetensors import SafetensorError

from ganbench.atomic import atomic_write_text
from ganbench.config import Config, validate
from ganbench.errors import CheckpointError, ConfigError
from ganbench.training import checkpoint

_STEP_NAME = re.compile(r"step-(\d+)$")


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def create(cls, cfg: Config) -> RunDir:
        root = Path(cfg.logging.root)
        name = cfg.logging.name or f"{cfg.recipe}-{time.strftime('%Y%m%d-%H%M%S')}"
        path, n = root / name, 1
        if root.exists() and not root.is_dir():
            raise ConfigError(f"logging.root={cfg.logging.root} is not a folder; choose a folder")
        try:
            root.mkdir(parents=True, exist_ok=True)
            while True:  # mkdir is atomic: two runs started at once never share a folder
                try:
                    path.mkdir()
                    break
                except FileExistsError:
                    n += 1
                    path = root / f"{name}-{n}"
        except OSError as exc:
            raise ConfigError(
                f"logging.root={cfg.logging.root}: cannot create the run directory there "
                f"({exc.strerror or exc}); choose a writable folder"
            ) from None
        run = cls(path)
        for sub in ("checkpoints", "samples", "plots"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        run.write_config(cfg)
        return run

    def remove_if_unused(self) -> None:
        """Delete the directory of a run that never trained (no checkpoint, no metrics)."""
        if (
            not self.checkpoint_steps()
            and not self.metrics_path.exists()
            and not (self.path / "rollbacks.jsonl").exists()  # a divergence to diagnose
        ):
            shutil.rmtree(self.path, ignore_errors=True)

    @classmethod
    def open(cls, path: str | Path) -> RunDir:
        run = cls(path)
        if not (run.path / "config.yaml").is_file():
            raise CheckpointError(
                f"{run.path} is not a ganbench run directory (no config.yaml); "
                "give the folder that `ganbench train` printed"
            )
        return run

    # config -----------------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.path / "config.yaml"

    def write_config(self, cfg: Config) -> None:
        atomic_write_text(self.config_path, cfg.to_yaml())

    def read_config(self) -> Config:
        try:
            tree = yaml.safe_load(self.config_path.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.config_path} is not valid YAML: {exc}") from None
        return validate(tree or {})

    # paths ------------------------------------------------------------------------------
    @property
    def samples_dir(self) -> Path:
        return self.path / "samples"

    @property
    def plots_dir(self) -> Path:
        return self.path / "plots"

    @property
    def events_dir(self) -> Path:
        return self.path / "events"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    # metrics ----------------------------------------------------------------------------
    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    def append_metrics(self, record: dict[str, Any]) -> None:
        with open(self.metrics_path, "a") as handle:
            handle.write(json.dumps(record) + "\n")

    def read_metrics(self) -> list[dict[str, Any]]:
        return list(self.iter_metrics())

    def iter_metrics(self) -> Iterator[dict[str, Any]]:
        if not self.metrics_path.is_file():
            return
        with open(self.metrics_path) as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash

    def truncate_metrics(self, after_step: int) -> None:
        """Drop records logged after ``after_step`` (written past the checkpoint we resume)."""
        kept = [r for r in self.iter_metrics() if r.get("step", 0) <= after_step]
        atomic_write_text(self.metrics_path, "".join(json.dumps(r) + "\n" for r in kept))

    # checkpoints ------------------------------------------------------------------------
    def checkpoint_stem(self, step: int) -> Path:
        return self.checkpoints_dir / f"step-{step:07d}"

    def save_checkpoint(self, step: int, tensors: dict, meta: dict, keep: int) -> Path:
        stem = self.checkpoint_stem(step)
        try:
            checkpoint.save(stem, tensors, meta)
        except (OSError, SafetensorError) as exc:
            for leftover in self.checkpoints_dir.glob(f"{stem.name}.*.tmp"):
                leftover.unlink(missing_ok=True)
            steps = [s for s in self.checkpoint_steps() if s != step]
            kept = f"checkpoint step {steps[-1]} is intact" if steps else "no earlier checkpoint"
            raise CheckpointError(
                f"could not write checkpoint step {step} in {self.checkpoints_dir} ({exc}); "
                f"{kept}. Free disk space, then resume"
            ) from None
        atomic_write_text(self.checkpoints_dir / "latest", stem.name + "\n")
        for old in self.checkpoint_steps()[:-keep]:
            # metadata first: a kill in between leaves weights without metadata, never a
            # checkpoint that lists weights it no longer has
            for suffix in (".json", ".safetensors"):
                self.checkpoint_stem(old).with_suffix(suffix).unlink(missing_ok=True)
        self._remove_orphans(step)
        return stem

    def _remove_orphans(self, newest: int) -> None:
        """Half-pruned checkpoints left by a kill: one of the two files, older than the
        checkpoint just written (a newer half may be another process's save in flight)."""
        for path in [
            *self.checkpoints_dir.glob("step-*.json"),
            *self.checkpoints_dir.glob("step-*.safetensors"),
        ]:
            match = _STEP_NAME.match(path.stem)
            partner = ".safetensors" if path.suffix == ".json" else ".json"
            if match and int(match.group(1)) < newest and not path.with_suffix(partner).exists():
                path.unlink(missing_ok=True)

    def checkpoint_steps(self) -> list[int]:
        steps = []
        for meta in self.checkpoints_dir.glob("step-*.json"):
            match = _STEP_NAME.match(meta.stem)
            if match and meta.with_suffix(".safetensors").is_file():
                steps.append(int(match.group(1)))
        return sorted(steps)

    def latest_checkpoint(self) -> Path:
        pointer = self.checkpoints_dir / "latest"
        if pointer.is_file():
            stem = self.checkpoints_dir / pointer.read_text().strip()
            if stem.with_suffix(".json").is_file():
                return stem
        steps = self.checkpoint_steps()
        if not steps:
            raise CheckpointError(
                f"{self.path} has no checkpoint yet; train longer than "
                "logging.checkpoint_every steps, or stop the run with Ctrl-C to write one"
            )
        return self.checkpoint_stem(steps[-1])

    def load_checkpoint(self, stem: Path | None = None) -> tuple[dict, dict]:
        """The given checkpoint, or the newest intact one: a damaged newest checkpoint is
        skipped with a warning naming it, and the next older one is used."""
        if stem is not None:
            return checkpoint.load(stem)
        newest = self.latest_checkpoint()
        candidates = [newest] + [
            self.checkpoint_stem(s) for s in reversed(self.checkpoint_steps())
            if self.checkpoint_stem(s) != newest
        ]  # fmt: skip
        first_error: CheckpointError | None = None
        for candidate in candidates:
            try:
                loaded = checkpoint.load(candidate)
            except CheckpointError as exc:
                first_error = first_error or exc
                print(f"warning: skipping damaged checkpoint {candidate.name}: {exc}",
                      file=sys.stderr)  # fmt: skip
                continue
            if candidate != newest:
                print(f"warning: using the newest intact checkpoint, {candidate.name}",
                      file=sys.stderr)  # fmt: skip
            return loaded
        assert first_error is not None
        raise CheckpointError(f"no intact checkpoint in {self.checkpoints_dir}: {first_error}")

    def drop_checkpoints_after(self, step: int) -> list[int]:
        """Delete the checkpoints newer than ``step`` (a run resumed from an older one
        rewrites that future); returns their steps."""
        dropped = [s for s in self.checkpoint_steps() if s > step]
        for old in dropped:
            for suffix in (".json", ".safetensors"):
                self.checkpoint_stem(old).with_suffix(suffix).unlink(missing_ok=True)
        if dropped:
            atomic_write_text(
                self.checkpoints_dir / "latest", self.checkpoint_stem(step).name + "\n"
            )
        return dropped

    def stem_for_step(self, step: int) -> Path:
        """The checkpoint of ``step``, or an error listing the steps there are."""
        stem = self.checkpoint_stem(step)
        if step < 0 or not stem.with_suffix(".json").is_file():
            kept = ", ".join(map(str, self.checkpoint_steps())) or "none"
            raise CheckpointError(f"{self.path} has no checkpoint of step {step}; kept: {kept}")
        return stem

"""The training loop: batch -> step -> log -> samples -> checkpoint.

The only place that orders steps.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench import __version__
from ganbench.config import Config, config_differences
from ganbench.data.build import build_dataset, build_unpaired
from ganbench.errors import CheckpointError, ConfigError, TrainingDiverged
from ganbench.families.build import build_family, family_class
from ganbench.report.grid import grid_array, save_grid
from ganbench.report.plots import write_curves
from ganbench.report.scatter import png_array, save_scatter, scatter_png
from ganbench.sampling import fixed_grid_latents, generate, latent_batch
from ganbench.seeding import derive_seed
from ganbench.training import checkpoint
from ganbench.training.distributed import Distributed
from ganbench.training.divergence import (
    ROLLBACK_LOG,
    check_finite,
    log_rollback,
    refuse_non_finite,
)
from ganbench.training.logger import RunLogger
from ganbench.training.memory import check_memory
from ganbench.training.rundir import RunDir
from ganbench.training.runtime import (
    available_cores,
    lr_factor,
    progress_bar,
    resolve_device,
    stop_requests,
)


@dataclass
class FitResult:
    start_step: int
    end_step: int
    interrupted: bool
    seconds: float
    images_per_second: float
    checkpoint: Path | None
    time_capped: bool = False


class Trainer:
    def __init__(self, cfg: Config, run: RunDir):
        self.cfg, self.run = cfg, run
        self.device = resolve_device(cfg.device)
        self.dist = Distributed(cfg.schedule.batch_size, self.device)
        self.writer = self.dist.shard.writer  # only rank 0 writes the run directory
        if cfg.threads or self.dist.active:
            torch.set_num_threads(cfg.threads or max(1, available_cores() // self.dist.shard.world))
        check_memory(cfg)  # before the data and the networks are allocated
        if family_class(cfg.family).layout == "unpaired":
            self.data = build_unpaired(cfg.data, cfg.seed)
        else:
            self.data = build_dataset(cfg.data, cfg.seed)
        for note in self.data.notes:
            print(f"data: {note}", file=sys.stderr)
        for note in cfg.advisories():
            print(f"config: {note}", file=sys.stderr)
        self.family = build_family(cfg, self.device, self.data)
        self.dist.attach(self.family)
        # Data batches per epoch; each step consumes the batches its family asks for.
        self.batches_per_epoch = self.data.steps_per_epoch(cfg.schedule.batch_size)
        per_step = self.family.data_needs(0).batches_per_step
        self.steps_per_epoch = max(1, self.batches_per_epoch // per_step)
        self.step = 0
        self.lr_scale = 1.0  # lowered by each rollback after a divergence
        self.rollbacks_done = 0
        self.grid_z, self.grid_labels = fixed_grid_latents(cfg)
        self.real_points: torch.Tensor | None = None
        self._evaluation_failed = False
        self._oracle = None
        noise = self.family.samples_from_noise
        if cfg.evaluation.every and cfg.data.kind == "image" and noise and self.writer:
            from ganbench.metrics.oracle import load_oracle

            self._oracle = load_oracle(cfg.data)  # once per run; a weak oracle is refused here
        self.live = None
        if cfg.diagnose.live and self.writer:
            from tqdm.auto import tqdm

            from ganbench.diagnosis.live import LiveDiagnosis

            self.live = LiveDiagnosis(cfg, tqdm.write)
        torch.manual_seed(cfg.seed)

    # checkpoints ------------------------------------------------------------------------
    def save_checkpoint(self) -> Path:
        self.dist.before_checkpoint(self.family, self.step)
        tensors, family_meta = checkpoint.family_tensors(self.family)
        tensors["rng.torch"] = torch.get_rng_state()
        refuse_non_finite(tensors, self.step, self.run)  # on every rank: all roll back together
        if not self.writer:
            return self.run.checkpoint_stem(self.step)
        meta = {
            "step": self.step,
            "epoch": self.epoch,
            "config_digest": self.cfg.digest(),
            "lr_scale": self.lr_scale,
            **family_meta,
            "config": self.cfg.to_dict(),
            "ganbench_version": __version__,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        return self.run.save_checkpoint(self.step, tensors, meta, self.cfg.logging.keep_checkpoints)

    def restore(self, stem: Path | None = None, force: bool = False) -> int:
        """Load the newest (or given) checkpoint; returns its step."""
        tensors, meta = self.run.load_checkpoint(stem)
        if not force:
            differences = _config_differences(meta["config"], self.cfg)
            if differences:
                raise CheckpointError(
                    "the config differs from the one this checkpoint was trained with:\n  "
                    + "\n  ".join(differences)
                    + "\nresume with the original settings, or pass --force to continue anyway"
                )
        try:
            checkpoint.restore_family(self.family, tensors, meta)
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise CheckpointError(
                f"the checkpoint does not fit the model built from the config: {exc}"
            ) from None
        torch.set_rng_state(tensors["rng.torch"])
        self.lr_scale = float(meta.get("lr_scale", 1.0))
        self.step = int(meta["step"])
        if self.writer:
            self.run.truncate_metrics(self.step)
        return self.step

    # outputs ----------------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        per_step = self.family.data_needs(self.step).batches_per_step
        return self.step * per_step // self.batches_per_epoch

    @property
    def sampling_generator(self) -> torch.nn.Module:
        """The network samples and evaluation come from (the family's averaged one if kept)."""
        return self.family.sampler()

    def set_learning_rates(self) -> None:
        """Linear decay to zero by the last step, from ``lr_decay_start`` (seed 004), of
        every optimiser the family has."""
        opt = self.cfg.optimiser
        factor = lr_factor(self.step, opt.lr_decay, opt.lr_decay_start, self.cfg.schedule.steps)
        for name, optimiser in self.family.optimisers.items():
            for group in optimiser.param_groups:
                group["lr"] = self.family.base_lrs[name] * factor * self.lr_scale

    def write_samples(self, logger: RunLogger) -> Path | None:
        if not self.writer:
            return None
        images, per_row = self.family.grid_images(self.grid_z, self.grid_labels)
        epoch = self.epoch
        stem = self.run.samples_dir / f"step-{self.step:07d}-epoch-{epoch:03d}.png"
        if self.cfg.data.kind == "points":
            if self.real_points is None:
                n = min(len(images), len(self.data))
                self.real_points, _ = self.data.batch(0, n, self.cfg.seed + 1)
            title = f"step {self.step}"
            png = scatter_png(images, self.real_points, self.data.centres, title)
            logger.image("samples", png_array(png), self.step)
            return save_scatter(png, stem)
        path = save_grid(images, stem, per_row)
        logger.image("samples", grid_array(images, per_row), self.step)
        return path

    def evaluate(self, logger: RunLogger) -> None:
        """Score the sampling generator with the cheap metrics; a failure warns once and
        switches in-training evaluation off, never stopping training."""
        from ganbench.metrics.evaluate import evaluate, flatten

        if not self.writer:
            return
        ev = self.cfg.evaluation
        classes = len(self.cfg.data.class_names)

        def draw(n: int):
            labels = torch.arange(n) % classes if self.cfg.conditional else None
            z, labels = latent_batch(self.cfg, n, derive_seed(self.cfg.seed, "eval"), labels)
            return generate(self.sampling_generator, z, labels), labels

        try:
            result = evaluate(draw, self.cfg.data, ev.metrics, ev.samples, oracle=self._oracle)
        except Exception as exc:  # evaluation must never end a training run
            print(f"evaluation: off for the rest of this run: {exc}", file=sys.stderr)
            self._evaluation_failed = True
            return
        record = {"step": self.step, "epoch": self.epoch}
        for key, value in flatten(result["metrics"]).items():
            if ".per_class" not in key and ".histogram" not in key and key.count(".") <= 1:
                record["eval_" + key.replace(".", "_")] = value
        logger.scalars(record)

    def _record(self, sums: dict[str, torch.Tensor], count: int, seconds: float) -> dict:
        record: dict = {"step": self.step, "epoch": self.epoch}
        sums = self.dist.mean(sums)  # every rank's statistics (identical records everywhere)
        for key, value in sums.items():  # a vector (a histogram) is logged as a list
            record[key] = value.item() / count if value.dim() == 0 else (value / count).tolist()
        record.update(self.family.status())
        for name, optimiser in self.family.optimisers.items():
            record[f"lr_{name}"] = optimiser.param_groups[0]["lr"]
        record["images_per_s"] = count * self.cfg.schedule.batch_size / max(seconds, 1e-9)
        record["time"] = time.time()
        return record

    def _check_finite(self, record: dict) -> None:
        check_finite(record, self.family.headline(), self.run, self.cfg.schedule.loss_limit)

    def _roll_back(self, diverged: TrainingDiverged) -> bool:
        """After a divergence: reload the newest checkpoint (every saved one is finite) and
        lower the learning rates, at most ``schedule.rollbacks`` times. False: give up."""
        sched = self.cfg.schedule
        if self.rollbacks_done >= sched.rollbacks or not self.run.checkpoint_steps():
            return False
        self.rollbacks_done += 1
        failed_at, scale = self.step, self.lr_scale
        step = self.restore(force=True)  # the checkpoint's own scale is not lower than ours
        self.lr_scale = scale * sched.rollback_lr_factor
        note = {
            "step": failed_at,
            "rolled_back_to": step,
            "lr_scale": self.lr_scale,
            "rollback": self.rollbacks_done,
            "of": sched.rollbacks,
            "reason": str(diverged).split("; ")[0],
            "time": time.time(),
        }
        if self.writer:
            log_rollback(self.run, note)
            print(
                f"\ndivergence by step {failed_at} ({note['reason']}): rolled back to step "
                f"{step}, learning rates x{self.lr_scale:g} (rollback {self.rollbacks_done} of "
                f"{sched.rollbacks}; logged in {ROLLBACK_LOG})",
                file=sys.stderr,
            )
        return True

    def _postfix(self, record: dict) -> str:
        return (
            f"ep {record['epoch']} {self.family.progress(record)} "
            f"{record['images_per_s']:.0f} img/s"
        )

    # the loop ---------------------------------------------------------------------------
    def fit(self, until_step: int, max_seconds: float | None = None) -> FitResult:
        """Train to ``until_step``; with ``max_seconds`` stop cleanly (as on Ctrl-C) once that
        much time has passed since the call."""
        cfg, log_cfg = self.cfg, self.cfg.logging
        batch_size = cfg.schedule.batch_size
        samples_every = log_cfg.samples_every or self.steps_per_epoch
        logger = RunLogger(self.run, log_cfg.tensorboard, enabled=self.writer)
        start_step, started = self.step, time.perf_counter()
        sums: dict[str, torch.Tensor] = {}
        count, window_start = 0, time.perf_counter()
        last_saved: Path | None = None
        bar = progress_bar(start_step, until_step, log_cfg.progress and self.writer)
        interrupted = time_capped = False
        batches = None
        try:
            with stop_requests() as stop:
                if self.step == 0:
                    self.write_samples(logger)
                per_step = self.family.data_needs(self.step).batches_per_step
                batches = self.data.batches(self.step * per_step, batch_size, cfg.seed)
                while self.step < until_step and not self.dist.any(stop["stop"]):
                    try:
                        self.set_learning_rates()
                        needs = self.family.data_needs(self.step)
                        real_batches = [
                            tuple(t.to(self.device) for t in self.dist.batch(next(batches)))
                            for _ in range(needs.batches_per_step)
                        ]
                        stats = self.family.train_step(real_batches, self.step)
                        self.step += 1
                        last_saved = None
                        for key, value in stats.items():
                            sums[key] = sums[key] + value if key in sums else value.clone()
                        count += 1
                        if self.step % log_cfg.log_every == 0 or self.step == until_step:
                            record = self._record(sums, count, time.perf_counter() - window_start)
                            self._check_finite(record)
                            logger.scalars(record)
                            if self.live is not None:
                                self.live.observe(record)
                            bar.set_postfix_str(self._postfix(record), refresh=False)
                            sums, count, window_start = {}, 0, time.perf_counter()
                        if self.step % samples_every == 0:
                            self.write_samples(logger)
                        every = cfg.evaluation.every
                        if (
                            every
                            and self.step % every == 0
                            and not self._evaluation_failed
                            and self.family.samples_from_noise
                        ):
                            self.evaluate(logger)
                        if self.step % log_cfg.checkpoint_every == 0:
                            if count:  # every step since the last metrics line, not only this one
                                self._check_finite(self._record(sums, count, 1.0))
                            last_saved = self.save_checkpoint()
                        bar.update(1)
                        if max_seconds is not None and self.dist.any(
                            time.perf_counter() - started >= max_seconds
                        ):
                            time_capped = True
                            break
                    except TrainingDiverged as diverged:
                        if not self._roll_back(diverged):
                            reason = str(diverged).split("; ")[0]
                            if self.writer:
                                log_rollback(
                                    self.run,
                                    {
                                        "step": self.step,
                                        "reason": reason,
                                        "gave_up": True,
                                        "time": time.time(),
                                    },
                                )
                            if self.rollbacks_done:
                                raise TrainingDiverged(
                                    f"{diverged} (gave up after {self.rollbacks_done} "
                                    f"rollbacks, learning rates x{self.lr_scale:g})"
                                ) from None
                            raise
                        batches.close()
                        per_step = self.family.data_needs(self.step).batches_per_step
                        batches = self.data.batches(self.step * per_step, batch_size, cfg.seed)
                        sums, count, window_start = {}, 0, time.perf_counter()
                        last_saved = None
                        bar.n = self.step
                        bar.refresh()
                interrupted = self.dist.any(stop["stop"]) or time_capped
            # Only a loop that ended between steps leaves a state worth saving; after a crash
            # the last periodic checkpoint stands.
            if last_saved is None and self.step > start_step:
                last_saved = self.save_checkpoint()
            if self.step % samples_every != 0:
                self.write_samples(logger)
        finally:
            if batches is not None:
                batches.close()
            bar.close()
            logger.close()
            if self.writer:
                write_run_outputs(self.run, cfg.logging.report)
                self.dist.write_record(self.run.path)
        seconds = time.perf_counter() - started
        images = (self.step - start_step) * batch_size
        return FitResult(
            start_step,
            self.step,
            interrupted,
            seconds,
            images / max(seconds, 1e-9),
            last_saved,
            time_capped and self.step < until_step,
        )


def write_run_outputs(run: RunDir, report: bool) -> None:
    """The curves and report.html; a failure to write them (a full disk) warns and never
    hides why training ended."""
    from ganbench.report.page import write_report

    try:
        write_curves(run.read_metrics(), run.plots_dir)
        if report:
            write_report([run.path], reuse_plots=True)
    except Exception as exc:
        print(f"plots and report: not written: {exc}", file=sys.stderr)


EXECUTION_KEYS = ("device", "threads")


def _config_differences(saved: dict, current: Config) -> list[str]:
    """What differs between a checkpoint's config and the current one in what shapes the
    weights, the device and thread count aside; the saved config is read with today's
    defaults for keys it predates."""
    from ganbench.config import validate

    try:
        old = validate(saved)
    except ConfigError as exc:
        raise CheckpointError(
            f"the checkpoint's config is no longer valid ({exc}); start a new run"
        ) from None
    # where and on how many threads it runs may change: a run trained on a GPU continues on a
    # CPU (exact up to the kernels' rounding, as any change of kernels)
    moved = current.model_copy(update={key: getattr(old, key) for key in EXECUTION_KEYS})
    return [] if old.digest() == moved.digest() else config_differences(old, moved)

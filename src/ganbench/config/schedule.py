"""The sections of how a run proceeds: optimiser, schedule, sampling, evaluation, logging."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ganbench.config.base import _Section


class OptimiserConfig(_Section):
    """Adam for both networks."""

    g_lr: float = Field(2e-4, gt=0)
    d_lr: float = Field(2e-4, gt=0)
    beta1: float = Field(0.5, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    lr_decay: Literal["none", "linear"] = Field(
        "none", description="linear: both rates fall linearly to 0 by the last step (seed 004)"
    )
    lr_decay_start: int = Field(0, ge=0, description="step at which the decay begins")


class ScheduleConfig(_Section):
    """How long and how each step runs."""

    steps: int = Field(700, ge=1, description="generator updates in the whole run")
    batch_size: int = Field(64, ge=1)
    precision: Literal["fp32", "bf16"] = "fp32"
    d_steps: int = Field(
        1, ge=1, le=100, description="D updates per G update (WGAN's n_critic, at most 100)"
    )
    ema: float = Field(
        0.0, ge=0, lt=1, description="decay of an EMA copy of G used for samples (0: off)"
    )
    ema_start: int = Field(0, ge=0, description="step from which the EMA averages (copy before)")
    ema_rampup: float | None = Field(
        None,
        gt=0,
        description="StyleGAN2-ADA's EMA ramp-up: the average's half-life is at most this share "
        "of the steps done, so early averages do not keep the random initial weights",
    )
    ema_batch_norm: Literal["recompute", "copy"] = Field(
        "recompute",
        description="the EMA generator's batch-norm statistics: recomputed for its averaged "
        "weights on fixed latents before it is sampled or saved, or copied from G",
    )
    rollbacks: int = Field(
        2,
        ge=0,
        description="on divergence, reload the last checkpoint and go on with lower learning "
        "rates this many times before stopping (0: stop at once)",
    )
    rollback_lr_factor: float = Field(
        0.5, gt=0, lt=1, description="learning rates are multiplied by this at each rollback"
    )
    loss_limit: float = Field(
        1e8, gt=0, description="a headline loss beyond +-this counts as divergence, as NaN does"
    )


class SamplingConfig(_Section):
    """How samples are drawn after training (generate, evaluate)."""

    truncation: float | None = Field(
        None, gt=0, description="BigGAN truncation: latent entries beyond +-t are redrawn"
    )


class EvaluationConfig(_Section):
    """Evaluation during training (``ganbench evaluate`` scores a finished run)."""

    every: int | None = Field(
        None, ge=1, description="steps between evaluations during training (default: off)"
    )
    samples: int = Field(500, ge=10, description="generated samples per evaluation")
    metrics: list[str] | None = Field(
        None, description="default: class metrics, FD and KID in oracle space; toy metrics for 2D"
    )


class LoggingConfig(_Section):
    """What the run directory receives, and how often."""

    root: str = "runs"
    name: str | None = Field(
        None, description="run directory name (no path separators); default: recipe-time"
    )
    log_every: int = Field(10, ge=1, description="steps between metrics.jsonl lines")
    samples_every: int | None = Field(
        None, ge=1, description="steps between sample grids; default: once per epoch"
    )
    checkpoint_every: int = Field(250, ge=1)
    keep_checkpoints: int = Field(3, ge=1)
    tensorboard: bool = True
    progress: bool = True
    report: bool = Field(True, description="write report.html (ganbench report) when training ends")

    @model_validator(mode="after")
    def _name_is_one_folder(self) -> LoggingConfig:
        name = self.name
        if name is not None and (name in ("", ".", "..") or "/" in name or "\\" in name):
            raise ValueError(
                f"logging.name={name!r} must name one folder inside logging.root, without "
                "path separators; move the run elsewhere with logging.root"
            )
        return self

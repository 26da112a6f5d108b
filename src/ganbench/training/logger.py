"""Where logged values go: metrics.jsonl (the source of truth), TensorBoard and the progress bar."""

from __future__ import annotations

from typing import Any

import numpy as np

from ganbench.training.rundir import RunDir


class RunLogger:
    def __init__(self, run: RunDir, tensorboard: bool, enabled: bool = True):
        """``enabled=False``: log nothing (the ranks of a multi-process run but rank 0)."""
        self.run, self.enabled = run, enabled
        self.writer = None
        if tensorboard and enabled:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(log_dir=str(run.events_dir))

    def scalars(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self.run.append_metrics(record)
        if self.writer is not None:
            step = record["step"]
            for key, value in record.items():
                if key not in ("step", "epoch", "time") and isinstance(value, int | float):
                    group = (
                        "eval" if key.startswith("eval_") else "loss" if "loss" in key else "train"
                    )
                    self.writer.add_scalar(f"{group}/{key}", value, step)

    def image(self, tag: str, grid: np.ndarray, step: int) -> None:
        if self.writer is not None:
            self.writer.add_image(tag, grid, step, dataformats="HWC")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()

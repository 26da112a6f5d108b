"""How much memory a run will take, estimated before anything big is allocated.

The networks are built on PyTorch's ``meta`` device (shapes only, no storage) to count their
parameters; each takes its weight, its gradient and Adam's two moments (16 bytes in fp32),
plus one more copy for an EMA generator. A stored synthetic or bundled image set takes one
byte per pixel and channel. Activations are not counted: the estimate is a floor, and a run
whose floor exceeds the memory the machine has available is refused with the numbers.
"""

from __future__ import annotations

import os

import torch

from ganbench.config import Config
from ganbench.data.catalogue import SOURCES
from ganbench.errors import ConfigError

BYTES_PER_PARAMETER = 16  # fp32 weight, gradient, Adam's exp_avg and exp_avg_sq
BUNDLED_DIGITS = 1797  # scikit-learn's digits


def parameter_count(cfg: Config) -> tuple[int, int]:
    """(all parameters, parameters of the sampling network) of the family ``cfg`` builds."""
    from ganbench.families.build import build_family

    with torch.device("meta"):
        family = build_family(cfg, torch.device("meta"))
    total = sum(p.numel() for m in family.modules.values() for p in m.parameters())
    return total, sum(p.numel() for p in family.sampler().parameters())


def data_bytes(cfg: Config) -> int:
    """Bytes of the stored training set (0 when streamed or read from files whose number is
    not known before reading them)."""
    data = cfg.data
    if data.kind != "image" or data.stream:
        return 0
    if SOURCES[data.source].synthetic or data.source == "stacked_digits":
        count = data.synthetic_size
    elif data.source == "digits":
        count = min(data.size or BUNDLED_DIGITS, BUNDLED_DIGITS)
    else:
        return 0
    side = data.image_size + data.crop_margin
    domains = 2 if data.translation != "none" else 1
    return domains * count * data.channels * side * side


def available_bytes() -> int | None:
    """Memory available to a new allocation (Linux: MemAvailable), None when unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"


def check_memory(cfg: Config, available: int | None = None) -> int:
    """The estimated bytes; refuses the run (ConfigError) when they exceed ``available``
    (default: what the machine has free now)."""
    total, sampling = parameter_count(cfg)
    averaged = sampling if cfg.schedule.ema > 0 else 0
    networks = total * BYTES_PER_PARAMETER + averaged * 4
    images = data_bytes(cfg)
    needed = networks + images
    available = available_bytes() if available is None else available
    if available is not None and needed > available:
        parts = [
            f"networks {_size(networks)} ({total:,} parameters; lower model.latent_dim, "
            "the widths or the image size)",
            f"data {_size(images)} (lower data.size, or data.stream=true for synthetic shapes)",
        ]
        parts.sort(key=lambda part: -(networks if part.startswith("networks") else images))
        raise ConfigError(
            f"this run needs at least {_size(needed)} of memory but {_size(available)} is "
            f"available: {'; '.join(parts)}"
        )
    return needed

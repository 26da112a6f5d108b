"""Independent, reproducible seeds derived from the run seed and a purpose."""

from __future__ import annotations

import zlib

import numpy as np
import torch


def derive_seed(seed: int, *parts: int | str) -> int:
    """A 63-bit seed for (seed, parts...): stable across processes, unlike ``hash``."""
    words = [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF]
    words += [zlib.crc32(p.encode()) if isinstance(p, str) else p & 0xFFFFFFFF for p in parts]
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 31 ^ int(state[1])


def torch_generator(seed: int, *parts: int | str) -> torch.Generator:
    return torch.Generator().manual_seed(derive_seed(seed, *parts))

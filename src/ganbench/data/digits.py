"""Real data that ships with scikit-learn: the 8x8 digits and the stacked-digits set.

The 1797 digits are split once, by a fixed permutation, into 1497 for training and 300
held out (``split=test``). Stacked digits follow the Stacked-MNIST protocol of PacGAN and
VEEGAN on these bundled digits: three digits drawn independently into the R, G and B
channels, so 1000 modes, each image labelled with its triple (100*r + 10*g + b).
"""

from __future__ import annotations

import numpy as np
import torch

HELD_OUT = 300


def load_digits(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 1, 8, 8) uint8 (white ink on black, 0..16 stretched to 0..255) and digit labels."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = np.rint(bunch.images * (255 / 16)).clip(0, 255).astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    keep = order[HELD_OUT:] if split == "train" else order[:HELD_OUT]
    keep = np.sort(keep)
    return torch.from_numpy(images[keep, None]), torch.from_numpy(
        bunch.target[keep].astype(np.int64)
    )


def stack_digits(
    images: torch.Tensor, labels: torch.Tensor, n: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, list[tuple[int, int, int]]]:
    """``n`` three-channel images from random digit triples: images, mode index, triples."""
    rng = np.random.default_rng((seed, 3))
    picks = torch.from_numpy(rng.integers(0, len(images), size=(n, 3)))
    stacked = images[picks, 0]  # (n, 3, H, W): one digit per channel
    triples = labels[picks]
    modes = triples[:, 0] * 100 + triples[:, 1] * 10 + triples[:, 2]
    truth = [tuple(int(v) for v in t) for t in triples.tolist()]
    return stacked, modes, truth

"""MNIST, Fashion-MNIST and CIFAR-10 through torchvision, from local files only.

Nothing is ever downloaded: ``download=False`` always, and missing files give one error
naming the folder and the files to put there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganbench.errors import DataError

EXPECTED = {
    "mnist": ("MNIST/raw", "train-images-idx3-ubyte, train-labels-idx1-ubyte, "
              "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (unzipped)"),
    "fashion_mnist": ("FashionMNIST/raw", "the same four idx files as MNIST (unzipped)"),
    "cifar10": ("cifar-10-batches-py", "data_batch_1..5, test_batch, batches.meta "
                "(the python version of CIFAR-10)"),
}  # fmt: skip


def load_torchvision_set(source: str, root: str, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, C, H, W) uint8 images and labels of a torchvision set stored under ``root``."""
    from torchvision import datasets

    classes = {
        "mnist": datasets.MNIST,
        "fashion_mnist": datasets.FashionMNIST,
        "cifar10": datasets.CIFAR10,
    }
    folder, files = EXPECTED[source]
    try:
        dataset = classes[source](root, train=split == "train", download=False)
    except (RuntimeError, OSError, ValueError) as exc:
        raise DataError(
            f"{source} not found under {Path(root).resolve()}: expected {files} in "
            f"{Path(root).resolve() / folder} (nothing is downloaded; copy the files there "
            f"or set data.root){_detail(exc)}"
        ) from None
    data = dataset.data
    images = torch.as_tensor(np.asarray(data))
    images = images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)
    labels = torch.as_tensor(np.asarray(dataset.targets), dtype=torch.int64)
    return images.contiguous(), labels


def _detail(exc: Exception) -> str:
    """torchvision's own message, unless it only suggests downloading."""
    text = str(exc)
    return "" if "download=True" in text or not text else f". Details: {text}"

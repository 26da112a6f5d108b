"""A history of generated images for the discriminator (Shrivastava et al. 2017, "Learning
from Simulated and Unsupervised Images through Adversarial Training", section 2.3), in the
per-image form CycleGAN uses (Zhu et al. 2017) and seed 004 section 2.2.3 describes: a pool of
50 past fakes, about half of each batch swapped for stored ones."""

from __future__ import annotations

from typing import Any

import torch


class ImagePool:
    """Buffer of up to ``size`` past generated images.

    :meth:`query` passes a batch through the pool, image by image: while the pool is not full
    the image is stored and returned; once full, with probability 1/2 a uniformly chosen
    stored image is returned in its place and the new image takes its slot, otherwise the
    new image is returned unchanged. ``size`` = 0 passes batches through untouched. Stored
    images are detached copies. Draws come from ``generator`` (a CPU generator; seeded with
    0 when none is given).
    """

    def __init__(self, size: int = 50, generator: torch.Generator | None = None):
        if size < 0:
            raise ValueError(f"ImagePool size must be >= 0, got {size}")
        self.size = size
        self.generator = generator if generator is not None else torch.Generator().manual_seed(0)
        self.count = 0
        self._images: torch.Tensor | None = None  # (size, *image_shape) once the first batch came

    def __len__(self) -> int:
        return self.count

    @property
    def images(self) -> torch.Tensor | None:
        """The stored images, shape (count, ...), or None while empty."""
        return None if self._images is None else self._images[: self.count]

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """The batch D should see in place of ``images`` (same shape)."""
        if self.size == 0 or len(images) == 0:
            return images
        self._ensure_buffer(images)
        assert self._images is not None
        n = len(images)
        swap = (torch.rand(n, generator=self.generator) < 0.5).tolist()
        slots = torch.randint(0, self.size, (n,), generator=self.generator).tolist()
        new = images.detach()
        out: list[torch.Tensor] = []
        for i in range(n):
            if self.count < self.size:
                self._images[self.count] = new[i]
                self.count += 1
                out.append(images[i])
            elif swap[i]:
                out.append(self._images[slots[i]].clone())
                self._images[slots[i]] = new[i]
            else:
                out.append(images[i])
        return torch.stack(out)

    def _ensure_buffer(self, images: torch.Tensor) -> None:
        shape = tuple(images.shape[1:])
        if self._images is None:
            self._images = images.new_zeros((self.size, *shape))
            return
        if tuple(self._images.shape[1:]) != shape:
            raise ValueError(
                f"ImagePool holds images of shape {tuple(self._images.shape[1:])}, "
                f"got a batch of {shape}"
            )
        if self._images.device != images.device or self._images.dtype != images.dtype:
            self._images = self._images.to(device=images.device, dtype=images.dtype)

    # checkpoints -----------------------------------------------------------------------
    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """(tensors, meta) for a checkpoint: the stored images and the generator state as
        CPU tensors (safetensors-ready), the size and fill count as JSON-ready ints."""
        tensors = {"rng": self.generator.get_state()}
        if self._images is not None and self.count:
            tensors["images"] = self._images[: self.count].detach().cpu().contiguous()
        return tensors, {"size": self.size, "count": self.count}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Restore what :meth:`state` returned; the pool size must match."""
        size, count = int(meta["size"]), int(meta["count"])
        if size != self.size:
            raise ValueError(
                f"ImagePool: checkpoint pool holds {size} images, this one {self.size}"
            )
        if count > size:
            raise ValueError(f"ImagePool: checkpoint count {count} exceeds its size {size}")
        if count:
            stored = tensors["images"]
            if len(stored) != count:
                raise ValueError(f"ImagePool: {len(stored)} stored images, meta says {count}")
            buffer = stored.new_zeros((size, *stored.shape[1:]))
            buffer[:count] = stored
            self._images = buffer
        else:
            self._images = None
        self.count = count
        self.generator.set_state(tensors["rng"])

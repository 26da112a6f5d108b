"""How smoothly images change along latent paths, measured in the oracle's feature space.

- **path-length ratio** of one interpolation: the summed feature distance between
  consecutive frames over the distance between its ends (1: the images change at a steady
  rate in one direction; large: detours, or sudden jumps in between);
- **path length** (the perceptual-path-length idea of Karras et al. 2019, with the source's
  oracle in place of VGG features, which would need downloading): the mean of
  ||f(G(slerp(z1, z2, t))) - f(G(slerp(z1, z2, t + eps)))||^2 / eps^2 over random pairs and
  t, the top and bottom 1% dropped as in StyleGAN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ganbench.latent.paths import slerp


def path_length_ratio(features: torch.Tensor) -> float:
    """Summed consecutive distances over the end-to-end distance of (steps, F) features."""
    f = features.double()
    along = (f[1:] - f[:-1]).norm(dim=1).sum()
    direct = (f[-1] - f[0]).norm()
    return float(along / direct) if direct > 0 else float("inf")


def path_length(
    images_of: Callable[[torch.Tensor], torch.Tensor],
    features_of: Callable[[torch.Tensor], torch.Tensor],
    z1: torch.Tensor,
    z2: torch.Tensor,
    generator: torch.Generator,
    eps: float = 1e-4,
) -> float:
    """Mean squared feature change per unit of t (see the module), over the rows of z1, z2."""
    t = torch.rand(len(z1), generator=generator)
    a = torch.stack([slerp(x, y, torch.tensor([s]))[0] for x, y, s in zip(z1, z2, t, strict=True)])
    b = torch.stack(
        [slerp(x, y, torch.tensor([s + eps]))[0] for x, y, s in zip(z1, z2, t, strict=True)]
    )
    fa, fb = features_of(images_of(a)), features_of(images_of(b))
    d = ((fa - fb).double().pow(2).sum(1) / eps**2).numpy()
    low, high = np.percentile(d, [1, 99])
    kept = d[(d >= low) & (d <= high)]
    return float(kept.mean()) if len(kept) else float(d.mean())

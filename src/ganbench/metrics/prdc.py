"""Manifold metrics on feature sets: improved precision/recall and density/coverage.

Each point's neighbourhood radius is the distance to its k-th nearest neighbour in its own set
(the point itself excluded). Precision/recall (Kynkäänniemi et al. 2019, k=3) test membership
with ``<=``; density/coverage (Naeem et al. 2020, k=5) with ``<`` as in the ``prdc`` package.

Distances are computed in float64 in row chunks of 2^24 entries, so 10k x 10k sets need a few
hundred MB at a time, never the full matrix (about 5 s for 64-d features on two CPU cores).
Inputs on a CUDA device are processed there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike

CHUNK_ELEMENTS = 2**24
"""Distance-matrix entries computed at once (128 MiB in float64)."""


def _features(x: ArrayLike | torch.Tensor, device: torch.device | None = None) -> torch.Tensor:
    t = x.detach() if isinstance(x, torch.Tensor) else torch.from_numpy(np.asarray(x))
    t = t.to(device=device or t.device, dtype=torch.float64)
    if t.ndim != 2:
        raise ValueError(f"features must be (N, D), got shape {tuple(t.shape)}")
    return t


def _pair(real, fake) -> tuple[torch.Tensor, torch.Tensor]:
    r = _features(real)
    f = _features(fake, r.device)
    if r.shape[1] != f.shape[1]:
        raise ValueError(f"feature dimensions differ: {r.shape[1]} and {f.shape[1]}")
    # centring both on the real mean makes |a|^2 + |b|^2 - 2ab lose less to cancellation (the
    # real set's centre, so that a PrdcReference gives the same numbers bit for bit)
    centre = r.mean(0)
    return r - centre, f - centre


def _chunks(rows: int, cols: int):
    step = max(1, CHUNK_ELEMENTS // max(cols, 1))
    for start in range(0, rows, step):
        yield slice(start, min(rows, start + step))


def _sq_distances(a: torch.Tensor, b: torch.Tensor, b_sq: torch.Tensor) -> torch.Tensor:
    norms = (a * a).sum(1, keepdim=True) + b_sq[None, :]
    return torch.addmm(norms, a, b.T, alpha=-2).clamp_min_(0)


def knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    """Squared distance from each row to its k-th nearest other row, shape (N,)."""
    return _knn_radii(x, (k,))[k]


def _knn_radii(x: torch.Tensor, ks: tuple[int, ...]) -> dict[int, torch.Tensor]:
    """:func:`knn_radii` for several k with one sweep."""
    n = x.shape[0]
    for k in ks:
        if not 1 <= k < n:
            raise ValueError(f"k must be between 1 and the set size - 1 ({n - 1}), got {k}")
    x_sq = (x * x).sum(1)
    out = {k: torch.empty(n, dtype=x.dtype, device=x.device) for k in ks}
    for rows in _chunks(n, n):
        # the row itself is at distance ~0 and is the first of the k + 1 smallest
        d = _sq_distances(x[rows], x, x_sq)
        nearest = d.topk(max(ks) + 1, dim=1, largest=False, sorted=True).values
        for k in ks:
            out[k][rows] = nearest[:, k]
    return out


def _cross_pass(
    real: torch.Tensor,
    fake: torch.Tensor,
    k_pr: int | None,
    k_dc: int | None,
    real_radii: dict[int, torch.Tensor] | None = None,
) -> dict[str, float]:
    """One chunked sweep over fake x real distances, collecting what each metric needs
    (``real_radii``: the real set's k-NN radii, when already known)."""
    n_real, n_fake = real.shape[0], fake.shape[0]
    r_sq = (real * real).sum(1)
    out: dict[str, float] = {}
    ks = tuple(k for k in (k_pr, k_dc) if k is not None)
    if real_radii is None:
        real_radii = _knn_radii(real, ks)
    if k_pr is not None:
        real_r_pr, fake_r_pr = real_radii[k_pr], knn_radii(fake, k_pr)
        precise = torch.zeros(n_fake, dtype=torch.bool, device=real.device)
        recalled = torch.zeros(n_real, dtype=torch.bool, device=real.device)
    if k_dc is not None:
        real_r_dc = real_radii[k_dc]
        inside = torch.zeros((), dtype=torch.float64, device=real.device)
        nearest = torch.full((n_real,), torch.inf, dtype=torch.float64, device=real.device)
    for rows in _chunks(n_fake, n_real):
        d = _sq_distances(fake[rows], real, r_sq)  # (chunk, n_real)
        if k_pr is not None:
            precise[rows] = (d <= real_r_pr[None, :]).any(1)
            recalled |= (d <= fake_r_pr[rows, None]).any(0)
        if k_dc is not None:
            inside += (d < real_r_dc[None, :]).sum()
            nearest = torch.minimum(nearest, d.min(0).values)
    if k_pr is not None:
        out["precision"] = precise.double().mean().item()
        out["recall"] = recalled.double().mean().item()
    if k_dc is not None:
        out["density"] = inside.item() / (k_dc * n_fake)
        out["coverage"] = (nearest < real_r_dc).double().mean().item()
    return out


def precision_recall(
    real: ArrayLike | torch.Tensor, fake: ArrayLike | torch.Tensor, k: int = 3
) -> dict[str, Any]:
    """Improved precision (share of fakes inside the real manifold) and recall (share of reals
    inside the fake manifold)."""
    r, f = _pair(real, fake)
    return {**_cross_pass(r, f, k, None), "k": k}


def density_coverage(
    real: ArrayLike | torch.Tensor, fake: ArrayLike | torch.Tensor, k: int = 5
) -> dict[str, Any]:
    """Density (mean count of real neighbourhoods containing each fake, / k; ~1 when the sets
    match) and coverage (share of real neighbourhoods containing at least one fake)."""
    r, f = _pair(real, fake)
    return {**_cross_pass(r, f, None, k), "k": k}


def prdc(
    real: ArrayLike | torch.Tensor, fake: ArrayLike | torch.Tensor, k_pr: int = 3, k_dc: int = 5
) -> dict[str, Any]:
    """All four metrics with one sweep over the real-fake distances."""
    r, f = _pair(real, fake)
    return {**_cross_pass(r, f, k_pr, k_dc), "k_pr": k_pr, "k_dc": k_dc}


class PrdcReference:
    """A real feature set with its k-NN radii, computed once and scored against several other
    sets (an evaluation's generated sample, its second real sample and its noise); the same
    numbers as :func:`prdc`."""

    def __init__(
        self,
        real: ArrayLike | torch.Tensor,
        k_pr: int = 3,
        k_dc: int = 5,
        radii: dict[int, torch.Tensor] | None = None,
    ) -> None:
        """``radii``: the set's k-NN radii for ``k_pr`` and ``k_dc`` (float64, one per point),
        as :attr:`radii` gave them for the same features earlier; computed when absent."""
        features = _features(real)
        self.centre = features.mean(0)
        self.real, self.k_pr, self.k_dc = features - self.centre, k_pr, k_dc
        if radii is not None:
            wanted = {k_pr, k_dc}
            if set(radii) != wanted or any(r.shape != (len(features),) for r in radii.values()):
                raise ValueError(f"radii must hold one value per point for k in {sorted(wanted)}")
            radii = {
                k: r.to(device=self.real.device, dtype=torch.float64) for k, r in radii.items()
            }
        self._radii = radii

    @property
    def radii(self) -> dict[int, torch.Tensor]:
        """Squared k-th nearest neighbour distance of every real point, for k_pr and k_dc."""
        if self._radii is None:
            self._radii = _knn_radii(self.real, (self.k_pr, self.k_dc))
        return self._radii

    def score(self, fake: ArrayLike | torch.Tensor) -> dict[str, Any]:
        f = _features(fake, self.real.device)
        if f.shape[1] != self.real.shape[1]:
            raise ValueError(f"feature dimensions differ: {self.real.shape[1]} and {f.shape[1]}")
        out = _cross_pass(self.real, f - self.centre, self.k_pr, self.k_dc, self.radii)
        return {**out, "k_pr": self.k_pr, "k_dc": self.k_dc}

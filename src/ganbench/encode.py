"""``ganbench encode``: a BiGAN run's encoder over images or points.

Input is a folder of images (resized and centre-cropped to the run's image size), a
``.npy`` or ``.csv`` file of points for a point run, or ``held-out``: data of the run's
source it did not train on. Writes ``codes`` (N x latent_dim; a stochastic encoder's
mean), ``reconstructions`` G(E(x)) and the input ``names`` to one ``.npz`` file, and for
images a PNG beside it with each row of inputs above its reconstructions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganbench.data.dataset import to_float
from ganbench.errors import GanbenchError
from ganbench.report.grid import save_grid
from ganbench.sampling import load_run_family
from ganbench.training.rundir import RunDir


def _points(path: Path) -> np.ndarray:
    try:
        if path.suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            array = np.loadtxt(path, delimiter=",", ndmin=2)
    except (OSError, ValueError) as exc:
        raise GanbenchError(f"--input {path} could not be read as points: {exc}") from None
    return np.asarray(array, dtype=np.float32)


def _inputs(cfg, source: str, n: int) -> tuple[torch.Tensor, list[str]]:
    """Float inputs as the networks take them ([-1, 1] images, or points) and their names."""
    if source == "held-out":
        from ganbench.families.bigan_probe import held_set

        data = held_set(cfg, n)
        x = data.data[:n]
        x = to_float(x) if cfg.data.kind == "image" else x.float()
        return x, [f"{k:05d}" for k in range(len(x))]
    path = Path(source)
    if cfg.data.kind == "points":
        if not path.is_file() or path.suffix not in (".npy", ".csv"):
            raise GanbenchError(
                f"--input {source}: give a .npy or .csv file of points, or held-out"
            )
        points = _points(path)[:n]
        if points.ndim != 2 or points.shape[1] != cfg.data.point_dim:
            raise GanbenchError(
                f"--input {source} holds points of shape {points.shape}; the run encodes "
                f"(N, {cfg.data.point_dim})"
            )
        return torch.from_numpy(points), [f"{k:05d}" for k in range(len(points))]
    if not path.is_dir():
        raise GanbenchError(f"--input {source} is neither a folder of images nor 'held-out'")
    from ganbench.data.folder import load_folder

    loaded = load_folder(path, cfg.image_size, cfg.data.channels == 1)
    for note in loaded.notes:
        print(f"data: {note}")
    return to_float(loaded.images[:n]), [f"{k:05d}" for k in range(min(n, len(loaded.images)))]


def encode_run(run_dir: str, source: str, out: str, n: int, step: int | None = None) -> Path:
    run = RunDir.open(run_dir)
    family, cfg, meta = load_run_family(run, step)
    if not hasattr(family, "encode"):
        raise GanbenchError(
            f"{run.path} trained family {family.name}, which has no encoder; train family=bigan"
        )
    x, names = _inputs(cfg, source, n)
    codes = family.encode(x)
    rebuilt = family.reconstruct(x)
    target = Path(out)
    if target.is_dir():
        raise GanbenchError(f"--out {out} is a folder; name the .npz file to write")
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        target,
        codes=codes.numpy(),
        reconstructions=rebuilt.numpy(),
        names=np.array(names),
    )
    written = [str(target)]
    if cfg.data.kind == "image" and len(x):
        rows = []
        for start in range(0, min(len(x), 32), 8):
            rows += [x[start : start + 8], rebuilt[start : start + 8]]
        png = target.with_suffix(".png")
        save_grid(torch.cat(rows), png, columns=8)
        written.append(f"{png} (inputs above their reconstructions)")
    print(
        f"encoded {len(x)} inputs with the encoder at step {meta['step']} of {run.path}: "
        + ", ".join(written)
    )
    return target

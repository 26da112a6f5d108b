"""``ganbench translate``: run a translation family's generator over images.

Input is a folder of images (any size; resized and centre-cropped to the run's image size)
or ``synthetic``: held-out images of the run's synthetic domain, never seen in training.
Every translated image is written as a PNG named after its source, plus ``grid.png`` with
each input above its translation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganbench.data.dataset import to_float, to_uint8
from ganbench.errors import GanbenchError
from ganbench.report.grid import save_grid
from ganbench.sampling import load_run_family
from ganbench.training.rundir import RunDir

BATCH = 64


def _inputs(cfg, source: str, direction: str, n: int) -> tuple[torch.Tensor, list[str]]:
    """uint8 (N, C, H, W) images to translate and a name for each."""
    if source == "synthetic":
        from ganbench.data.domains import counterparts, held_out_seed

        if cfg.data.source != "shapes" or cfg.data.translation == "none":
            raise GanbenchError(
                "--input synthetic needs a run trained on synthetic domains (data.translation); "
                "give a folder of images instead"
            )
        a, b = counterparts(cfg.data, n, held_out_seed(cfg.seed))
        images = a if direction == "a2b" else b
        return images, [f"{k:05d}" for k in range(len(images))]
    from ganbench.data.folder import load_folder

    folder = Path(source)
    if not folder.is_dir():
        raise GanbenchError(f"--input {source} is neither a folder of images nor 'synthetic'")
    loaded = load_folder(folder, cfg.image_size, cfg.data.channels == 1)
    for note in loaded.notes:
        print(f"data: {note}")
    images = loaded.images[:n]
    return images, [f"{k:05d}" for k in range(len(images))]


def translate_run(
    run_dir: str, source: str, direction: str, out: str, n: int, step: int | None = None
) -> Path:
    run = RunDir.open(run_dir)
    family, cfg, meta = load_run_family(run, step)
    translator = getattr(family, "translator", None)
    if translator is None:
        raise GanbenchError(
            f"{run.path} trained family {family.name}, which does not translate images; "
            "use ganbench generate"
        )
    net = translator(direction).eval()
    images, names = _inputs(cfg, source, direction, n)
    if images.shape[1] != cfg.data.channels:
        raise GanbenchError(
            f"the run translates {cfg.data.channels}-channel images; the input has "
            f"{images.shape[1]} channels"
        )
    with torch.no_grad():
        made = torch.cat([net(to_float(part)).clamp(-1, 1) for part in images.split(BATCH)])
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise GanbenchError(f"--out {out} is a file; name a folder to write the images into")
    out_dir.mkdir(parents=True, exist_ok=True)
    pixels = to_uint8(made).numpy().transpose(0, 2, 3, 1)
    for name, array in zip(names, pixels, strict=True):
        Image.fromarray(np.squeeze(array, -1) if array.shape[-1] == 1 else array).save(
            out_dir / f"{name}.png"
        )
    shown = min(8, len(images))
    pair = torch.cat([to_float(images[:shown]), made[:shown]])
    save_grid(pair, out_dir / "grid.png", columns=shown)
    print(
        f"translated {len(images)} images {direction} with step {meta['step']} of {run.path} "
        f"into {out_dir} (grid.png: inputs above, translations below)"
    )
    return out_dir

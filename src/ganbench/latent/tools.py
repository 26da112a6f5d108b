"""``ganbench latent RUN interpolate|arithmetic|walk|truncation``: pictures of a trained
generator's latent space, written to RUN/latent/ (the run report shows them).

Latents are named by seed: seed s is the latent ``ganbench generate --seed s --n 1`` draws.
A concept or an endpoint can also be a class: for an unconditional run, latents whose images
the source's oracle assigns to that class (Radford et al. pick them by eye); a conditional
run takes the class as its label input instead.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganbench.errors import GanbenchError
from ganbench.latent.paths import closed_walk, interpolate
from ganbench.latent.smoothness import path_length, path_length_ratio
from ganbench.sampling import generate, latent_batch, load_run_generator
from ganbench.training.rundir import RunDir

SEARCH = 2048  # latents drawn to find images of a class
ARITHMETIC_NOISE = 0.25  # std of the noise added to the result latent (Radford et al.)


class LatentError(GanbenchError):
    pass


@dataclass
class Session:
    run: RunDir
    generator: torch.nn.Module
    cfg: Any
    meta: dict
    out: Path
    _oracle: Any = None

    @classmethod
    def open(cls, run_dir: str | Path, out: str | Path | None, step: int | None) -> Session:
        run = RunDir.open(run_dir)
        generator, cfg, meta = load_run_generator(run, step)
        if cfg.data.kind != "image" or not getattr(_family(cfg), "samples_from_noise", True):
            raise LatentError(
                f"{run.path} does not draw images from noise ({cfg.family}, {cfg.data.kind}): "
                "the latent tools need an image GAN"
            )
        target = Path(out) if out else run.path / "latent"
        target.mkdir(parents=True, exist_ok=True)
        return cls(run, generator, cfg, meta, target)

    @property
    def oracle(self):
        if self._oracle is None:
            from ganbench.metrics.oracle import load_oracle

            self._oracle = load_oracle(self.cfg.data)
        return self._oracle

    def latent(self, seed: int) -> torch.Tensor:
        return latent_batch(self.cfg, 1, seed, torch.zeros(1, dtype=torch.long))[0][0]

    def label(self, name: str | None) -> int:
        names = self.cfg.data.class_names
        if name is None:
            return 0
        if name not in names:
            raise LatentError(f"class {name!r} is not one of this run's: {', '.join(names)}")
        return names.index(name)

    def images(self, z: torch.Tensor, label: int = 0) -> torch.Tensor:
        labels = torch.full((len(z),), label, dtype=torch.long) if self.cfg.conditional else None
        return generate(self.generator, z, labels)

    def class_latents(self, name: str, count: int, seed: int) -> torch.Tensor:
        """``count`` latents whose images the oracle assigns to class ``name`` (unconditional)."""
        if self.cfg.conditional:
            raise LatentError(
                "this run is conditional: the class is an input, not a region of the latent "
                "space; give seeds and --class instead"
            )
        k = self.label(name)
        z, _ = latent_batch(self.cfg, SEARCH, seed)
        found = z[self.oracle.predict(self.images(z)) == k]
        if len(found) < count:
            raise LatentError(
                f"only {len(found)} of {SEARCH} samples look like {name!r} to the oracle; "
                "the generator rarely draws it, so it cannot be a concept"
            )
        return found[:count]

    def save(self, images: torch.Tensor, name: str, columns: int) -> Path:
        from ganbench.report.grid import save_grid

        return save_grid(images, self.out / name, columns=columns)

    def save_json(self, name: str, record: dict) -> Path:
        path = self.out / name
        path.write_text(json.dumps(record, indent=2))
        return path


def _family(cfg):
    from ganbench.families.build import family_class

    return family_class(cfg.family)


def run_interpolate(
    s: Session,
    seeds: list[int],
    classes: list[str] | None,
    steps: int,
    method: str,
    label: str | None,
) -> list[Path]:
    """One row per consecutive pair of endpoints (seeds, or the oracle's classes)."""
    if classes:
        ends = [s.class_latents(c, 1, 0)[0] for c in classes]
    else:
        ends = [s.latent(seed) for seed in seeds]
    if len(ends) < 2:
        raise LatentError("an interpolation needs two endpoints: give --seeds A B or --classes")
    k = s.label(label)
    rows = [interpolate(a, b, steps, method) for a, b in itertools.pairwise(ends)]
    images = torch.cat([s.images(row, k) for row in rows])
    ratios = [path_length_ratio(s.oracle.features(s.images(row, k))) for row in rows]
    z1 = torch.stack([s.latent(1000 + i) for i in range(64)])
    z2 = torch.stack([s.latent(2000 + i) for i in range(64)])
    ppl = path_length(
        lambda z: s.images(z, k), s.oracle.features, z1, z2, torch.Generator().manual_seed(0)
    )
    grid = s.save(images, f"interpolate-{method}.png", steps)
    record = {
        "method": method,
        "steps": steps,
        "endpoints": classes or seeds,
        "path_length_ratio": ratios,
        "path_length": ppl,
        "label": label,
    }
    return [grid, s.save_json(f"interpolate-{method}.json", record)]


def _concept(s: Session, spec: str) -> torch.Tensor:
    """``seed:1,2,3`` or ``class:NAME``: three latents."""
    kind, _, value = spec.partition(":")
    if kind == "seed":
        try:
            seeds = [int(v) for v in value.split(",") if v]
        except ValueError:
            raise LatentError(f"concept {spec!r}: seeds are integers, e.g. seed:1,2,3") from None
        if not seeds:
            raise LatentError(f"concept {spec!r} names no seed")
        return torch.stack([s.latent(x) for x in seeds])
    if kind == "class":
        return s.class_latents(value, 3, 0)
    raise LatentError(f"concept {spec!r}: write seed:1,2,3 or class:NAME")


def run_arithmetic(
    s: Session, concepts: list[str], label: str | None, variants: int = 8
) -> list[Path]:
    """A - B + C (Radford et al. 2015): each concept the mean of its latents; rows: each
    concept's images and its mean, then the result with small noise."""
    if len(concepts) != 3:
        raise LatentError("arithmetic takes three concepts: A B C for A - B + C")
    k = s.label(label)
    groups = [_concept(s, c) for c in concepts]
    means = [g.mean(0) for g in groups]
    result = means[0] - means[1] + means[2]
    noise = torch.randn(variants - 1, len(result), generator=torch.Generator().manual_seed(0))
    outcome = torch.cat([result[None], result[None] + ARITHMETIC_NOISE * noise])
    width = max(variants, *(len(g) + 1 for g in groups))
    rows = []
    for g, m in zip(groups, means, strict=True):
        row = torch.cat([g, m[None]])
        rows.append(torch.cat([row, row[-1:].expand(width - len(row), -1)]))
    rows.append(torch.cat([outcome, outcome[-1:].expand(width - len(outcome), -1)]))
    images = torch.cat([s.images(r, k) for r in rows])
    grid = s.save(images, "arithmetic.png", width)
    return [grid, s.save_json("arithmetic.json", {"concepts": concepts, "label": label})]


def run_walk(
    s: Session, seeds: list[int], frames: int, method: str, label: str | None, fps: int = 12
) -> list[Path]:
    """A closed loop through the keypoints, as an animated GIF (and MP4 with ffmpeg)."""
    from PIL import Image

    from ganbench.report.grid import grid_array

    if len(seeds) < 2:
        raise LatentError(f"a walk needs at least 2 keypoints, got {len(seeds)}: pass --seeds")
    path = closed_walk(torch.stack([s.latent(x) for x in seeds]), frames, method)
    images = s.images(path, s.label(label))
    pictures = [Image.fromarray(grid_array(img[None], 1)) for img in images]
    gif = s.out / "walk.gif"
    pictures[0].save(gif, save_all=True, append_images=pictures[1:], duration=1000 // fps, loop=0)
    written = [gif, s.save(images[:: max(1, frames // 2)], "walk.png", 2 * len(seeds))]
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        with tempfile.TemporaryDirectory() as tmp:
            for i, p in enumerate(pictures):
                p.resize((p.width * 4, p.height * 4), Image.NEAREST).save(f"{tmp}/{i:05d}.png")
            mp4 = s.out / "walk.mp4"
            subprocess.run(
                [
                    ffmpeg,
                    "-y",
                    "-loglevel",
                    "error",
                    "-framerate",
                    str(fps),
                    "-i",
                    f"{tmp}/%05d.png",
                    "-pix_fmt",
                    "yuv420p",
                    str(mp4),
                ],
                check=True,
            )
            written.append(mp4)
    return written


def run_truncation(
    s: Session, values: list[float | None], columns: int, n: int, seed: int
) -> list[Path]:
    """Rows of the same latents at each truncation (None: none), and precision, recall and
    classes covered against truncation from the evaluation (n samples each)."""
    from ganbench.metrics.evaluate import evaluate
    from ganbench.models.truncation import truncate_latent
    from ganbench.report.plots import curve_png

    if s.cfg.model.latent_distribution != "gaussian":
        raise LatentError("truncation applies to runs with a gaussian latent")
    names = s.cfg.data.class_names

    def latents(count: int, t: float | None) -> tuple[torch.Tensor, torch.Tensor]:
        labels = torch.arange(count) % len(names)
        z, labels = latent_batch(s.cfg, count, seed, labels)
        if t is not None:
            z = truncate_latent(z, t, torch.Generator().manual_seed(seed))
        return z, labels

    rows, curve = [], {"precision": [], "recall": [], "modes_covered": []}
    for t in values:
        z, labels = latents(columns, t)
        rows.append(generate(s.generator, z, labels if s.cfg.conditional else None))

        def draw(count: int, t=t):
            z, labels = latents(count, t)
            labels = labels if s.cfg.conditional else None
            return generate(s.generator, z, labels), labels

        result = evaluate(draw, s.cfg.data, ["prdc", "classes"], n, oracle=s.oracle)["metrics"]
        prdc = result.get("prdc_oracle", {})
        curve["precision"].append(prdc.get("precision"))
        curve["recall"].append(prdc.get("recall"))
        curve["modes_covered"].append(result.get("classes", {}).get("modes_covered"))
    grid = s.save(torch.cat(rows), "truncation.png", columns)
    xs = [t if t is not None else max(v for v in values if v is not None) * 1.5 for t in values]
    series = {
        k: (xs, [float(v) if v is not None else float("nan") for v in vals])
        for k, vals in curve.items()
        if k != "modes_covered"
    }
    png = curve_png(series, "Precision and recall against truncation (none: right end)", 1)
    plot = s.out / "truncation-curve.png"
    plot.write_bytes(png)
    record = {"values": values, **curve, "n": n}
    return [grid, plot, s.save_json("truncation.json", record)]

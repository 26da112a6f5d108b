"""Seed 000's discriminator sanity check: before any GAN is trained, train the recipe's D
alone to tell real images from uniform noise, then score it per class on fresh images.

A D that cannot separate one class from noise will not teach G that class; one that
separates every class at once says the architecture and the data pipeline can at least see
the images. The check uses the recipe's D, loss, optimiser settings and data, and nothing of
the objective's tricks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganbench.config import Config
from ganbench.errors import ConfigError

PASS_ACCURACY = 0.9  # per class, real judged real; and noise judged fake
EVAL_PER_CLASS = 64
EVAL_NOISE = 256


@dataclass
class CheckResult:
    steps: int
    losses: list[float]
    per_class: dict[str, dict[str, float]]
    noise: dict[str, float]
    passed: bool
    weak: list[str] = field(default_factory=list)  # classes D judges fake too often

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "per_class": self.per_class,
            "noise": self.noise,
            "passed": self.passed,
            "weak": self.weak,
            "pass_accuracy": PASS_ACCURACY,
            "losses": self.losses,
        }


def _noise_like(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(images.shape, generator=generator) * 2 - 1


def check_discriminator(cfg: Config, steps: int = 300, seed: int = 0) -> CheckResult:
    """Train D on real vs noise for ``steps`` batches; score it per class on unseen images."""
    from ganbench.data.build import build_dataset
    from ganbench.models import build_models
    from ganbench.objectives import build_loss
    from ganbench.seeding import torch_generator

    if cfg.data.kind != "image":
        raise ConfigError(
            f"check-d needs image data; {cfg.data.source} gives {cfg.data.kind}: check a recipe "
            "on shapes, digits or an image folder"
        )
    torch.manual_seed(seed)
    _, discriminator = build_models(cfg)
    obj, opt = cfg.objective, cfg.optimiser
    loss = build_loss(obj.loss, a=obj.ls_a, b=obj.ls_b, c=obj.ls_c, clip=obj.clip)
    optimiser = torch.optim.Adam(
        discriminator.parameters(), lr=opt.d_lr, betas=(opt.beta1, opt.beta2)
    )
    data = build_dataset(cfg.data, cfg.seed)
    classes = len(cfg.data.class_names)
    noise_rng = torch_generator(seed, "check-d", "noise")
    label_rng = torch_generator(seed, "check-d", "labels")
    batches = data.batches(0, cfg.schedule.batch_size, cfg.seed)
    losses = []
    discriminator.train()
    for _ in range(steps):
        real, labels = next(batches)
        y = labels if cfg.conditional else None
        noise = _noise_like(real, noise_rng)
        y_noise = (
            torch.randint(classes, (len(real),), generator=label_rng) if y is not None else None
        )
        optimiser.zero_grad(set_to_none=True)
        total = loss.d_real(discriminator(real, y)) + loss.d_fake(discriminator(noise, y_noise))
        total.backward()
        optimiser.step()
        loss.after_d_step(discriminator)
        losses.append(float(total.detach()))
    return _score(cfg, discriminator, loss, data, steps, losses, seed)


@torch.no_grad()
def _score(cfg, discriminator, loss, data, steps, losses, seed) -> CheckResult:
    """Per class: share of unseen real images D calls real and its mean output; and the
    share of fresh noise it calls fake. D is scored as it was trained: batch norm on batch
    statistics, real batches that mix the classes, noise batches alone."""
    from ganbench.seeding import torch_generator

    names = cfg.data.class_names
    held_out = data.batches(10**6, cfg.schedule.batch_size, cfg.seed + 1)  # unseen images
    outputs: dict[int, list[torch.Tensor]] = {k: [] for k in range(len(names))}
    while any(sum(len(x) for x in v) < EVAL_PER_CLASS for v in outputs.values()):
        real, labels = next(held_out)
        out = discriminator(real, labels if cfg.conditional else None).float()
        for k in outputs:
            outputs[k].append(out[labels == k])
    per_class = {}
    for k, name in enumerate(names):
        out = torch.cat(outputs[k])
        per_class[name] = {
            "accuracy": float((out > loss.threshold).float().mean()),
            "mean_output": float(loss.readable(out).mean()),
        }
    noise_rng = torch_generator(seed, "check-d", "eval-noise")
    scores = []
    for _ in range(max(1, EVAL_NOISE // len(real))):
        noise = _noise_like(real, noise_rng)
        y = torch.randint(len(names), (len(real),), generator=noise_rng)
        scores.append(discriminator(noise, y if cfg.conditional else None).float())
    out = torch.cat(scores)
    noise_score = {
        "accuracy": float((out <= loss.threshold).float().mean()),
        "mean_output": float(loss.readable(out).mean()),
    }
    weak = [n for n, s in per_class.items() if s["accuracy"] < PASS_ACCURACY]
    noise_ok = noise_score["accuracy"] >= PASS_ACCURACY
    return CheckResult(steps, losses, per_class, noise_score, not weak and noise_ok, weak)


def format_check(result: CheckResult) -> str:
    lines = [f"{'':12} {'judged right':>12} {'mean D':>8}"]
    for name, s in result.per_class.items():
        lines.append(f"{name:12} {s['accuracy']:12.3f} {s['mean_output']:8.3f}")
    lines.append(
        f"{'noise':12} {result.noise['accuracy']:12.3f} {result.noise['mean_output']:8.3f}"
    )
    if result.passed:
        lines.append(
            f"D tells every class from noise (>= {PASS_ACCURACY:g} right on unseen images)"
        )
    else:
        lines.append(
            f"D does NOT tell {', '.join(result.weak)} from noise after {result.steps} steps: "
            "check the data (ganbench data preview) and D's architecture before training a GAN"
        )
    return "\n".join(lines)


def write_check(result: CheckResult, out_dir: str | Path) -> list[Path]:
    """``check-d.json`` and ``check-d-loss.png`` (the loss curve) in ``out_dir``."""
    import json

    from ganbench.atomic import atomic_write_bytes, atomic_write_text
    from ganbench.report.plots import curve_png

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = list(range(1, len(result.losses) + 1))
    png = curve_png({"d_loss": (steps, result.losses)}, "D on real vs noise", window=20)
    atomic_write_bytes(out / "check-d-loss.png", png)
    atomic_write_text(out / "check-d.json", json.dumps(result.to_dict(), indent=2))
    return [out / "check-d.json", out / "check-d-loss.png"]

"""One rule per failure: each reads one stretch of a run's metrics lines and returns a
finding with the numbers that triggered it, or None. Thresholds: :mod:`.thresholds`."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ganbench.diagnosis import thresholds as th
from ganbench.diagnosis.thresholds import LossScale

#: Verdicts from most to least severe; a stretch's verdict is its most severe finding.
VERDICTS = (
    "diverged",
    "exploding gradients",
    "vanishing gradients",
    "convergence failure",
    "mode collapse",
    "mode hopping",
    "oscillation",
    "D overfitting",
    "stable",
)

ADVICE = {
    "diverged": [
        "lower optimiser.g_lr and optimiser.d_lr (halve them)",
        "keep precision=fp32; add objective.r1_gamma or spectral norm to bound D",
    ],
    "exploding gradients": [
        "lower the learning rates by 10x",
        "bound D: objective.r1_gamma=1, model.spectral_norm=true or objective.loss=wgan_gp",
    ],
    "vanishing gradients": [
        "use objective.loss=non_saturating (G maximises log D(G(z)))",
        "weaken D: lower optimiser.d_lr, schedule.d_steps=1",
    ],
    "convergence failure": [
        "weaken D: lower optimiser.d_lr or model.d_width, or add objective.r1_gamma",
        "make D's task harder: objective.soft_labels, objective.instance_noise, "
        "objective.diffaugment",
    ],
    "mode collapse": [
        "objective.mode_seeking=1 or model.minibatch_std=true",
        "conditional images: model.g_conditioning=cbn model.d_conditioning=projection",
    ],
    "mode hopping": [
        "lower optimiser.g_lr, or average G: schedule.ema=0.999",
        "larger batches (schedule.batch_size) let D see every mode at once",
    ],
    "oscillation": [
        "lower both learning rates; optimiser.beta1=0.5 or 0",
        "schedule.ema=0.999 smooths what is sampled",
    ],
    "D overfitting": [
        "more data (data.size) or data.stream=true",
        "objective.diffaugment=translation,cutout or objective.r1_gamma",
    ],
}


@dataclass
class Context:
    """What the rules know beyond the metrics lines."""

    scale: LossScale
    modes: int | None = None  # K of a 2D mixture
    finite_data: bool = False
    steps_per_epoch: int | None = None


@dataclass
class Stretch:
    start: int  # first step covered (exclusive of the line before)
    end: int  # last logged step
    records: list[dict[str, Any]]
    evals: list[dict[str, Any]] = field(default_factory=list)
    divergences: list[dict[str, Any]] = field(default_factory=list)

    def values(self, key: str) -> np.ndarray:
        return np.array(
            [float(r[key]) for r in self.records if isinstance(r.get(key), int | float)], float
        )

    def median(self, key: str) -> float | None:
        v = self.values(key)
        v = v[np.isfinite(v)]
        return float(np.median(v)) if len(v) else None


@dataclass
class Finding:
    verdict: str
    steps: tuple[int, int]
    evidence: list[str]
    advice: list[str] = field(default_factory=list)
    grid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "steps": list(self.steps),
            "evidence": self.evidence,
            "advice": self.advice,
            "grid": self.grid,
        }


def _g(x: float) -> str:
    return f"{x:.3g}"


def diverged(s: Stretch, ctx: Context) -> list[str]:
    evidence = [
        f"step {d.get('step')}: {d.get('reason')}"
        + (" (training stopped)" if d.get("gave_up") else "")
        for d in s.divergences
        if "passed" not in str(d.get("reason", ""))
    ]
    for key in ("d_loss", "g_loss"):
        v = s.values(key)
        if len(v) and not np.isfinite(v).all():
            evidence.append(f"{key} is not finite in the metrics (healthy: finite)")
    return evidence


def exploding(s: Stretch, ctx: Context) -> list[str]:
    evidence = [
        f"step {d.get('step')}: {d.get('reason')}"
        + (" (training stopped)" if d.get("gave_up") else "")
        for d in s.divergences
        if "passed" in str(d.get("reason", ""))
    ]
    for key in ("g_grad_norm", "d_grad_norm"):
        m = s.median(key)
        if m is not None and m > th.EXPLODING_GRADIENT_NORM:
            evidence.append(
                f"median {key} {_g(m)} (trouble above {th.EXPLODING_GRADIENT_NORM:g}, ganhacks)"
            )
    balance = ctx.scale.d_balance
    m = s.median("d_loss")
    if balance and m is not None and abs(m) > th.EXPLODING_LOSS_FACTOR * balance:
        evidence.append(f"median d_loss {_g(m)} (balance {_g(balance)})")
    return evidence


def _d_wins(s: Stretch, ctx: Context) -> tuple[float, list[str]]:
    """The share of lines in which D wins, and the medians that show it."""
    real, fake = s.values("d_acc_real"), s.values("d_acc_fake")
    n = min(len(real), len(fake))
    if n == 0:
        return 0.0, []
    wins = (real[:n] >= th.D_WINS_ACCURACY) & (fake[:n] >= th.D_WINS_ACCURACY)
    balance = ctx.scale.d_balance
    loss = s.values("d_loss")
    if balance and len(loss) >= n:
        wins &= loss[:n] <= th.D_WINS_LOSS_SHARE * balance
    share = float(wins.mean())
    evidence = [
        f"D wins in {share:.0%} of lines: accuracy real {_g(np.median(real))}, "
        f"fake {_g(np.median(fake))} (winning: both >= {th.D_WINS_ACCURACY:g}; healthy ~0.7-0.8)"
    ]
    if balance and len(loss):
        evidence.append(
            f"median d_loss {_g(float(np.median(loss)))} (balance {_g(balance)} for "
            f"{ctx.scale.loss}; winning: below {_g(th.D_WINS_LOSS_SHARE * balance)})"
        )
    g = s.median("g_loss")
    if g is not None and ctx.scale.g_balance is not None:
        evidence.append(f"median g_loss {_g(g)} (balance {_g(ctx.scale.g_balance)})")
    return share, evidence


def vanishing(s: Stretch, ctx: Context) -> list[str]:
    norm = s.median("g_grad_norm")
    if norm is None or norm >= th.VANISHING_GRADIENT_NORM:
        return []
    share, evidence = _d_wins(s, ctx)
    if share < th.SUSTAINED:
        return []
    return [
        f"median g_grad_norm {_g(norm)} (vanishing below {th.VANISHING_GRADIENT_NORM:g})",
        *evidence,
    ]


def convergence_failure(s: Stretch, ctx: Context) -> list[str]:
    share, evidence = _d_wins(s, ctx)
    return evidence if share >= th.SUSTAINED else []


def _mode_shares(s: Stretch) -> np.ndarray | None:
    hists = [r["fake_modes"] for r in s.records if isinstance(r.get("fake_modes"), list)]
    if not hists:
        return None
    total = np.sum(np.array(hists, float), 0)
    return total / total.sum() if total.sum() > 0 else None


def mode_collapse(s: Stretch, ctx: Context) -> list[str]:
    evidence = []
    fake, real = s.median("diversity_fake"), s.median("diversity_real")
    if fake is not None and real:
        ratio = fake / real
        if ratio < th.COLLAPSED_DIVERSITY:
            evidence.append(
                f"fakes of one class differ {_g(ratio)}x as much as reals (median diversity "
                f"{_g(fake)} against {_g(real)}; collapsed below {th.COLLAPSED_DIVERSITY:g}x)"
            )
    shares = _mode_shares(s)
    if shares is not None and ctx.modes:
        hit = int((shares >= th.MODE_HIT_SHARE / ctx.modes).sum())
        if hit < ctx.modes / 2:
            evidence.append(
                f"fakes near {hit} of {ctx.modes} modes (healthy: all; collapsed: below half)"
            )
    for e in s.evals:
        covered, total = e.get("eval_toy_modes_covered"), e.get("eval_toy_modes_total")
        if covered is not None and total and covered < total / 2:
            evidence.append(f"evaluation at step {e['step']}: {covered} of {total} modes covered")
    return evidence


def mode_hopping(s: Stretch, ctx: Context) -> list[str]:
    if not ctx.modes:
        return []
    lines = [np.array(r["fake_modes"], float) for r in s.records if r.get("fake_modes")]
    lines = [h / h.sum() for h in lines if h.sum() > 0]
    if len(lines) < 4:
        return []
    per_line = [int((h >= th.MODE_HIT_SHARE / ctx.modes).sum()) for h in lines]
    favourites = [int(h.argmax()) for h in lines]
    changes = sum(a != b for a, b in itertools.pairwise(favourites))
    union = len(set(favourites))
    few = float(np.median(per_line))
    if few <= ctx.modes / 4 and union >= max(3, ctx.modes / 2) and changes >= 3:
        return [
            f"each metrics line's fakes sit near {few:g} of {ctx.modes} modes (median), but the "
            f"favourite mode changed {changes} times and {union} modes took turns"
        ]
    return []


def oscillation(s: Stretch, ctx: Context) -> list[str]:
    series = s.values("d_acc_fake")
    low, high = th.OSCILLATION_BAND
    swings, side = 0, None
    for v in series:
        now = "low" if v < low else "high" if v > high else side
        if side is not None and now != side:
            swings += 1
        side = now
    if swings >= th.OSCILLATION_SWINGS:
        return [
            f"D's accuracy on fakes swung {swings} times between below {low:g} and above "
            f"{high:g} (healthy: steady near 0.7-0.8)"
        ]
    return []


def overfitting(s: Stretch, ctx: Context) -> list[str]:
    sign = s.median("d_sign_real")
    if sign is None or sign < th.OVERFITTING_SIGN or not ctx.finite_data:
        return []
    fake = s.median("d_acc_fake")
    if fake is not None and fake >= th.D_WINS_ACCURACY:
        return []  # sure of reals because it wins outright: a convergence failure's symptom
    epochs = s.records[-1].get("epoch", 0) if s.records else 0
    if epochs < 2:
        return []
    return [
        f"median r_t = E[sign D(real)] {_g(sign)} after {epochs} epochs over a finite data set "
        f"(StyleGAN2-ADA's target 0.6; memorising above {th.OVERFITTING_SIGN:g})"
    ]


RULES: dict[str, Callable[[Stretch, Context], list[str]]] = {
    "diverged": diverged,
    "exploding gradients": exploding,
    "vanishing gradients": vanishing,
    "convergence failure": convergence_failure,
    "mode collapse": mode_collapse,
    "mode hopping": mode_hopping,
    "oscillation": oscillation,
    "D overfitting": overfitting,
}


def findings(s: Stretch, ctx: Context) -> list[Finding]:
    """Every rule that fires on the stretch, most severe first."""
    out = []
    for verdict, rule in RULES.items():
        evidence = rule(s, ctx)
        if evidence:
            out.append(Finding(verdict, (s.start, s.end), evidence, ADVICE[verdict]))
    return out

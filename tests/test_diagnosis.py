"""The diagnosis rules on hand-made metrics lines, the signals a step logs, and
``ganbench diagnose`` on a tiny run. The broken recipes are trained in
test_diagnosis_recipes.py (slow)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.diagnosis.diagnose import diagnose_records
from ganbench.diagnosis.live import WINDOW, LiveDiagnosis
from ganbench.diagnosis.rules import Context, Stretch, findings
from ganbench.diagnosis.signals import (
    batch_diversity,
    gradient_norm,
    mode_histogram,
    sign_on_real,
)
from ganbench.diagnosis.thresholds import loss_scale

NS = Context(scale=loss_scale("non_saturating"))


def healthy_line(step: int, **changes: float) -> dict:
    line = {
        "step": step,
        "epoch": 0,
        "d_loss": 1.1,
        "g_loss": 1.2,
        "d_acc_real": 0.75,
        "d_acc_fake": 0.78,
        "d_sign_real": 0.5,
        "g_grad_norm": 2.0,
        "d_grad_norm": 1.0,
        "diversity_real": 0.5,
        "diversity_fake": 0.45,
    }
    line.update(changes)
    return line


def verdicts(lines: list[dict], ctx: Context = NS) -> set[str]:
    stretch = Stretch(lines[0]["step"], lines[-1]["step"], lines)
    return {f.verdict for f in findings(stretch, ctx)}


def test_balance_points_follow_each_loss() -> None:
    assert loss_scale("non_saturating").d_balance == pytest.approx(2 * math.log(2))
    assert loss_scale("minimax").g_balance == pytest.approx(-math.log(2))
    assert loss_scale("hinge").d_balance == 2.0
    assert loss_scale("least_squares").d_balance == pytest.approx(0.25)
    assert loss_scale("least_squares", a=-1, b=1, c=0).d_balance == pytest.approx(1.0)
    assert loss_scale("wgan_gp").d_balance is None


def test_healthy_lines_get_no_finding() -> None:
    assert verdicts([healthy_line(10 * k) for k in range(1, 11)]) == set()


def test_d_winning_is_a_convergence_failure_only_when_sustained() -> None:
    wins = {"d_acc_real": 1.0, "d_acc_fake": 0.99, "d_loss": 0.01, "g_loss": 8.0}
    assert "convergence failure" in verdicts([healthy_line(k, **wins) for k in range(10)])
    mixed = [healthy_line(k, **(wins if k < 5 else {})) for k in range(10)]
    assert "convergence failure" not in verdicts(mixed)
    # a D loss far from ~0 is not a win, however accurate D is
    near_balance = {**wins, "d_loss": 0.9}
    assert "convergence failure" not in verdicts(
        [healthy_line(k, **near_balance) for k in range(10)]
    )
    # hinge's balance is 2: 0.1 is a win there too
    hinge = Context(scale=loss_scale("hinge"))
    assert "convergence failure" in verdicts(
        [healthy_line(k, **{**wins, "d_loss": 0.1}) for k in range(10)], hinge
    )


def test_vanishing_gradients_need_a_starved_g_and_a_winning_d() -> None:
    starved = {"d_acc_real": 1.0, "d_acc_fake": 1.0, "d_loss": 1e-6, "g_grad_norm": 1e-7}
    found = verdicts([healthy_line(k, **starved) for k in range(10)])
    assert {"vanishing gradients", "convergence failure"} <= found
    assert "vanishing gradients" not in verdicts(
        [healthy_line(k, g_grad_norm=1e-7) for k in range(10)]
    )


def test_exploding_gradients_from_norms_and_from_the_divergence_log() -> None:
    assert "exploding gradients" in verdicts([healthy_line(k, d_grad_norm=900.0) for k in range(6)])
    stretch = Stretch(1, 10, [], divergences=[{"step": 10, "reason": "d_loss passed +-1e+08"}])
    assert [f.verdict for f in findings(stretch, NS)] == ["exploding gradients"]
    nan = Stretch(1, 10, [], divergences=[{"step": 10, "reason": "d_loss became nan"}])
    assert [f.verdict for f in findings(nan, NS)] == ["diverged"]


def test_mode_collapse_from_diversity_and_from_modes() -> None:
    assert "mode collapse" in verdicts([healthy_line(k, diversity_fake=0.01) for k in range(6)])
    ring = Context(scale=NS.scale, modes=8)
    one_mode = [healthy_line(k, fake_modes=[0, 0, 250.0, 0, 0, 0, 6.0, 0]) for k in range(6)]
    assert "mode collapse" in verdicts(one_mode, ring)
    spread = [healthy_line(k, fake_modes=[32.0] * 8) for k in range(6)]
    assert verdicts(spread, ring) == set()


def test_mode_hopping_needs_few_modes_at_a_time_that_change() -> None:
    ring = Context(scale=NS.scale, modes=8)
    hop = [
        healthy_line(k, fake_modes=[256.0 if m == k % 8 else 0.0 for m in range(8)])
        for k in range(8)
    ]
    assert "mode hopping" in verdicts(hop, ring)
    stuck = [
        healthy_line(k, fake_modes=[256.0 if m == 3 else 0.0 for m in range(8)]) for k in range(8)
    ]
    assert "mode hopping" not in verdicts(stuck, ring)


def test_oscillation_counts_swings_of_d_on_fakes() -> None:
    swings = [healthy_line(k, d_acc_fake=0.1 if k % 2 else 0.9) for k in range(8)]
    assert "oscillation" in verdicts(swings)
    assert "oscillation" not in verdicts([healthy_line(k, d_acc_fake=0.5) for k in range(8)])


def test_overfitting_needs_a_finite_set_seen_several_times() -> None:
    sure = [healthy_line(k, d_sign_real=0.98, epoch=5) for k in range(6)]
    assert "D overfitting" in verdicts(sure, Context(scale=NS.scale, finite_data=True))
    assert "D overfitting" not in verdicts(sure, Context(scale=NS.scale, finite_data=False))


def test_the_warm_up_stretch_does_not_decide_the_run() -> None:
    cfg = load_config("ring-gan", [])
    early_win = {"d_acc_real": 1.0, "d_acc_fake": 1.0, "d_loss": 0.01}
    lines = [healthy_line(10 * k, **(early_win if k < 4 else {})) for k in range(1, 21)]
    d = diagnose_records(lines, cfg)
    assert d.stretches[0]["verdict"] == "convergence failure"
    assert d.verdict == "stable"
    late = [healthy_line(10 * k, **(early_win if k > 12 else {})) for k in range(1, 21)]
    assert diagnose_records(late, cfg).verdict == "convergence failure"


def test_live_diagnosis_says_each_verdict_once_after_warm_up() -> None:
    cfg = load_config("ring-gan", ["schedule.steps=1000"])
    said: list[str] = []
    live = LiveDiagnosis(cfg, said.append)
    wins = {"d_acc_real": 1.0, "d_acc_fake": 1.0, "d_loss": 0.01}
    for k in range(1, 10):  # within the first tenth: silent
        live.observe(healthy_line(10 * k, **wins))
    assert said == []
    for k in range(10, 10 + 3 * WINDOW):
        live.observe(healthy_line(10 * k, **wins))
    assert len(said) == 1 and "convergence failure" in said[0] and "try" in said[0]


def test_signals() -> None:
    net = torch.nn.Linear(3, 2)
    net(torch.ones(4, 3)).sum().backward()
    manual = torch.sqrt(sum((p.grad**2).sum() for p in net.parameters()))
    assert gradient_norm(net).item() == pytest.approx(manual.item())
    assert sign_on_real(torch.tensor([1.0, 2.0, -1.0, 3.0]), 0.0).item() == pytest.approx(0.5)
    same_per_class = torch.cat([torch.zeros(4, 3, 8, 8), torch.ones(4, 3, 8, 8)])
    labels = torch.tensor([0] * 4 + [1] * 4)
    assert batch_diversity(same_per_class, labels).item() == 0.0
    assert batch_diversity(same_per_class).item() > 0.0  # across classes they differ
    centres = torch.tensor([[0.0, 0.0], [5.0, 0.0]])
    points = torch.tensor([[0.1, 0.0], [4.9, 0.1], [5.2, 0.0]])
    assert mode_histogram(points, centres).tolist() == [1.0, 2.0]


def test_a_step_logs_the_signals(tiny: list[str], tmp_path: Path) -> None:
    assert main(["train", *tiny]) == 0
    run = tmp_path / "runs" / "tiny"
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    for key in ("g_grad_norm", "d_grad_norm", "d_sign_real", "diversity_real", "diversity_fake"):
        assert key in lines[-1] and math.isfinite(lines[-1][key])
    assert lines[-1]["diversity_real"] > 0


def test_diagnose_command(tiny: list[str], tmp_path: Path, capsys) -> None:
    assert main(["train", *tiny]) == 0
    run = tmp_path / "runs" / "tiny"
    capsys.readouterr()
    assert main(["diagnose", str(run)]) == 0
    out = capsys.readouterr().out
    saved = json.loads((run / "diagnosis.json").read_text())
    assert saved["verdict"].upper() in out and saved["stretches"]


def test_diagnose_refuses_a_run_without_metrics(tmp_path: Path, capsys) -> None:
    assert main(["diagnose", str(tmp_path)]) == 2
    assert "not a ganbench run directory" in capsys.readouterr().err
    (tmp_path / "config.yaml").write_text("recipe: shapes-dcgan\n")
    assert main(["diagnose", str(tmp_path)]) == 2
    assert "no metrics yet" in capsys.readouterr().err

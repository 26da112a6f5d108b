"""Sweep statistics, checked against numbers computed by hand, and the report built from
hand-written run directories (no training)."""

import itertools
import json
import math
from html.parser import HTMLParser
from pathlib import Path

import pytest
from scipy.stats import t as student_t

from ganbench.errors import ConfigError
from ganbench.sweeps import stats
from ganbench.sweeps.aggregate import aggregate
from ganbench.sweeps.plan import build_plan
from ganbench.sweeps.report import write_report
from ganbench.sweeps.spec import parse_spec


def test_wilson_interval_matches_the_formula_and_tables():
    # 1 of 8 and 2 of 8, as tabulated (Newcombe 1998, method 3): 0.0224-0.4709, 0.0715-0.5907
    for k, low, high in ((1, 0.02242, 0.47089), (2, 0.07148, 0.59072)):
        w = stats.wilson_interval(k, 8)
        assert w.low == pytest.approx(low, abs=1e-4) and w.high == pytest.approx(high, abs=1e-4)
    zero = stats.wilson_interval(0, 5)  # 0 of n: from 0, upper z^2 / (n + z^2)
    assert zero.low == 0 and zero.high == pytest.approx(1.96**2 / (5 + 1.96**2), abs=1e-3)
    assert stats.wilson_interval(0, 0).low is None


def test_mean_interval_methods():
    eight = stats.mean_interval([1, 2, 3, 4, 5, 6, 7, 20])
    assert eight.method == "bootstrap BCa" and eight.low < 6 < eight.high
    three = stats.mean_interval([1.0, 2.0, 4.0])
    assert three.method == "bootstrap percentile" and 1 <= three.low < three.high <= 4
    same = stats.mean_interval([3.0] * 6)
    assert (same.low, same.high, same.method) == (3.0, 3.0, "all values equal")
    assert stats.mean_interval([3.0]).low is None
    assert stats.mean_interval([1.0, math.inf]).method == "none (non-finite values)"


def test_holm_and_verdicts():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> monotone
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert stats.verdict(0.01, 0.9, 5, 5) == "better"
    assert stats.verdict(0.01, 0.1, 5, 5) == "worse"
    assert stats.verdict(0.2, 0.1, 5, 5) == "no detectable difference at n=5 seeds"
    assert stats.verdict(0.2, 0.9, 4, 5) == "no detectable difference at n=4 vs 5 seeds"


def test_mann_whitney_exact_and_constant_samples():
    # complete separation of 5 and 5: two of the C(10, 5) = 252 orderings are as extreme
    assert stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    assert stats.mann_whitney_p([2, 2, 2], [2, 2]) == 1.0
    assert stats.probability_of_improvement([1, 2], [2, 3], higher_is_better=True) == 0.125
    assert stats.probability_of_improvement([1, 2], [2, 3], higher_is_better=False) == 0.875
    assert stats.welch_p([1, 1], [2, 2]) is None  # no variance: undefined, not 0


# Baseline cell (g_lr=0.001) and the other cell (g_lr=0.002), seeds 0..7; seed 3 of the
# other cell crashed. The failure rule fails seeds covering fewer than 5 modes.
BASE = {
    "toy.high_quality": [0.10, 0.20, 0.30, 0.35, 0.40, 0.48, 0.50, 0.90],
    "toy.modes_covered": [8, 8, 7, 3, 8, 4, 8, 8],
    "toy.reverse_kl": [0.5, 0.4, 0.3, 0.32, 0.2, 0.6, 0.1, 0.7],
}
OTHER = {  # seeds 0, 1, 2, 4, 5, 6, 7
    "toy.high_quality": [0.91, 0.92, 0.93, 0.95, 0.96, 0.97, 0.98],
    "toy.modes_covered": [8, 8, 8, 8, 8, 8, 8],
    "toy.reverse_kl": [0.21, 0.31, 0.25, 0.35, 0.33, 0.22, 0.41],
}


def _exact_two_sided(x, y):
    """Mann-Whitney by enumerating every split of the pooled values (no ties)."""
    pooled, n = [*x, *y], len(x)

    def u(first):
        return sum(a > b for a in first for b in pooled if b not in first)

    observed, mean = u(x), len(x) * len(y) / 2
    splits = list(itertools.combinations(pooled, n))
    extreme = sum(abs(u(s) - mean) >= abs(observed - mean) - 1e-12 for s in splits)
    return extreme / len(splits)


@pytest.fixture
def hand_made(tmp_path):
    spec = parse_spec(
        {
            "name": "hand",
            "base": "ring-gan",
            "axes": {"optimiser.g_lr": [0.001, 0.002]},
            "seeds": list(range(8)),
            "metrics": ["toy"],
            "failure": {"metric": "toy.modes_covered", "below": 5},
            "curves": ["g_loss", "eval_toy_high_quality", "never_logged"],
        }
    )
    plan = build_plan(spec, tmp_path, 1)
    for task in plan.tasks:
        run = Path(task.run_dir)
        run.mkdir(parents=True)
        record = {
            "format": "ganbench-sweep-trial/1",
            "digest": task.digest,
            "budget": {"steps": task.steps, "max_minutes": None},
            "cell": task.settings,
            "seed": task.seed,
            "steps": task.steps,
        }
        if task.cell_index == 1 and task.seed == 3:
            record.update(status="failed", error="TrainingDiverged: g_loss became nan")
        else:
            values = BASE if task.cell_index == 0 else OTHER
            i = task.seed if task.cell_index == 0 else [0, 1, 2, 4, 5, 6, 7].index(task.seed)
            record.update(status="done", metrics={k: v[i] for k, v in values.items()})
        (run / "trial.json").write_text(json.dumps(record))
        lines = [{"step": s, "g_loss": 1 + task.seed / 10 + s / 100} for s in (10, 20, 30)]
        lines.append({"step": 30, "eval_toy_high_quality": 0.5})
        (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    return plan


def test_aggregation_of_hand_made_run_directories(hand_made):
    report = aggregate(hand_made)
    assert report["counts"] == {"total": 16, "done": 13, "failed": 3, "pending": 0}
    base, other = report["cells"]
    assert base["baseline"] and base["label"] == "optimiser.g_lr=0.001"

    hq = base["metrics"]["toy.high_quality"]
    assert hq["n"] == 8 and hq["mean"] == pytest.approx(3.23 / 8)
    assert hq["median"] == pytest.approx((0.35 + 0.40) / 2)
    assert hq["iqm"] == pytest.approx((0.30 + 0.35 + 0.40 + 0.48) / 4)  # middle 4 of 8
    assert hq["ci_method"] == "bootstrap BCa" and hq["ci_low"] < hq["mean"] < hq["ci_high"]
    hq = other["metrics"]["toy.high_quality"]
    assert hq["n"] == 7 and hq["mean"] == pytest.approx(6.62 / 7)
    assert hq["iqm"] == pytest.approx((0.92 + 0.93 + 0.95 + 0.96 + 0.97) / 5)  # 1 cut per end
    modes = other["metrics"]["toy.modes_covered"]
    assert (modes["ci_low"], modes["ci_high"], modes["ci_method"]) == (8, 8, "all values equal")

    assert base["failures"] == 2 and set(base["failed_seeds"]) == {"3", "5"}
    assert base["failure_ci"] == pytest.approx([0.07148, 0.59072], abs=1e-4)
    assert other["failures"] == 1 and "nan" in other["failed_seeds"]["3"]
    assert other["failure_ci"] == pytest.approx([0.02242, 0.47089], abs=1e-4)

    got = {c["metric"]: c for c in report["comparisons"]}
    # high-quality share: the other cell beats every baseline seed; exact p = 2 / C(15, 7)
    hq = got["toy.high_quality"]
    assert hq["probability_of_improvement"] == 1.0
    assert hq["mann_whitney_p"] == pytest.approx(2 / math.comb(15, 7))
    x, y = OTHER["toy.high_quality"], BASE["toy.high_quality"]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    vx = sum((v - mx) ** 2 for v in x) / (len(x) - 1) / len(x)
    vy = sum((v - my) ** 2 for v in y) / (len(y) - 1) / len(y)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    welch = 2 * student_t.sf(abs(mx - my) / math.sqrt(vx + vy), df)
    assert hq["welch_p"] == pytest.approx(welch)
    # modes: ties. U = 7 x (3 wins + 5 ties / 2) = 38.5 of 56; normal approximation with the
    # tie correction (twelve 8s) and continuity correction
    modes = got["toy.modes_covered"]
    assert modes["probability_of_improvement"] == pytest.approx(38.5 / 56)
    sd = math.sqrt(7 * 8 / 12 * (16 - (12**3 - 12) / (15 * 14)))
    assert modes["mann_whitney_p"] == pytest.approx(math.erfc((38.5 - 28 - 0.5) / sd / 2**0.5))
    # reverse KL, lower is better: count the pairs where the other cell is lower
    rkl = got["toy.reverse_kl"]
    x, y = OTHER["toy.reverse_kl"], BASE["toy.reverse_kl"]
    assert rkl["probability_of_improvement"] == pytest.approx(sum(a < b for a in x for b in y) / 56)
    assert rkl["mann_whitney_p"] == pytest.approx(_exact_two_sided(x, y))
    # Holm over the three comparisons: smallest p x 3, next x 2, largest x 1, kept monotone
    ps = sorted((c["mann_whitney_p"], m) for m, c in got.items())
    expected, running = {}, 0.0
    for factor, (p, metric) in zip((3, 2, 1), ps, strict=True):
        running = max(running, min(1.0, factor * p))
        expected[metric] = running
    assert {m: c["holm_p"] for m, c in got.items()} == pytest.approx(expected)
    assert hq["verdict"] == "better"
    assert modes["verdict"] == "no detectable difference at n=7 vs 8 seeds"


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.images, self.tags = [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "img":
            self.images.append(attrs["src"])


def test_report_files(hand_made, capsys):
    report = write_report(hand_made)
    out = capsys.readouterr().out
    assert "toy.high_quality (higher is better)" in out and "better" in out
    assert "optimiser.g_lr=0.001 *" in out  # the baseline, marked
    saved = json.loads((hand_made.sweep_dir / "report.json").read_text())
    assert saved["comparisons"][0]["verdict"] == report["comparisons"][0]["verdict"]
    html = (hand_made.sweep_dir / "report.html").read_text()
    parser = _Html()
    parser.feed(html)
    assert parser.sections == [
        "summary",
        "comparisons",
        "cells",
        "metric-plots",
        "curves",
        "trials",
        "method",
    ]
    # one figure per compared metric (3) and per logged curve (g_loss, eval_...; not the third)
    assert len(parser.images) == 3 + 2
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert "http://" not in html and "https://" not in html and "script" not in parser.tags


def test_primary_metrics_are_corrected_as_their_own_family(hand_made):
    """Naming one primary metric: its comparison alone carries the primary correction (Holm
    over one test leaves p as it is); the other two are corrected between themselves."""
    whole = {c["metric"]: c for c in aggregate(hand_made)["comparisons"]}
    hand_made.spec.primary = ["toy.high_quality"]
    got = {c["metric"]: c for c in aggregate(hand_made)["comparisons"]}
    assert got["toy.high_quality"]["primary"] and not got["toy.reverse_kl"]["primary"]
    assert got["toy.high_quality"]["holm_p"] == got["toy.high_quality"]["mann_whitney_p"]
    assert got["toy.high_quality"]["holm_p"] < whole["toy.high_quality"]["holm_p"]
    secondary = sorted(got[m]["mann_whitney_p"] for m in ("toy.modes_covered", "toy.reverse_kl"))
    assert min(got[m]["holm_p"] for m in ("toy.modes_covered", "toy.reverse_kl")) == (
        pytest.approx(min(1.0, 2 * secondary[0]))
    )
    report = aggregate(hand_made)
    from ganbench.sweeps.markdown import markdown_table

    text = markdown_table({**report, "spec": {**report["spec"], "primary": ["toy.high_quality"]}})
    assert "a centre) [primary]" in text
    assert "[secondary]" in text


def test_primary_names_known_collected_metrics():
    with pytest.raises(ConfigError, match=r"primary: unknown metric 'toy\.nope'"):
        parse_spec({"name": "x", "base": "ring-gan", "metrics": ["toy"], "primary": ["toy.nope"]})
    with pytest.raises(ConfigError, match=r"primary: 'fd_oracle' comes from the 'fd' metric"):
        parse_spec({"name": "x", "base": "ring-gan", "metrics": ["toy"], "primary": ["fd_oracle"]})

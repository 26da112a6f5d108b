"""A run's verdict: its metrics lines cut into stretches, every rule run on each, the worst
finding of each stretch and of the run, with the sample grid each refers to.

The first stretch is warm-up: D wins easily while G still draws noise, so its findings are
reported but do not decide the run's verdict (unless it is the only stretch). Divergence is
read from ``rollbacks.jsonl``, which the trainer writes at every rollback and when it gives up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganbench.config import Config
from ganbench.diagnosis.rules import VERDICTS, Context, Finding, Stretch, findings
from ganbench.diagnosis.thresholds import loss_scale
from ganbench.jsonlines import read_json_lines
from ganbench.training.divergence import ROLLBACK_LOG
from ganbench.training.rundir import RunDir

MAX_STRETCHES = 5
LINES_PER_STRETCH = 3  # at least this many metrics lines make a stretch
SIGNALS = {
    "gradient norms": "g_grad_norm",
    "D's sign on real": "d_sign_real",
    "within-batch diversity": "diversity_fake",
}
DIAGNOSIS_FILE = "diagnosis.json"


@dataclass
class Diagnosis:
    run: str
    verdict: str
    stretches: list[dict[str, Any]]
    findings: list[Finding]
    missing: list[str] = field(default_factory=list)
    steps: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "verdict": self.verdict,
            "steps": self.steps,
            "stretches": self.stretches,
            "findings": [f.to_dict() for f in self.findings],
            "missing": self.missing,
        }


def context_for(cfg: Config) -> Context:
    obj = cfg.objective
    scale = loss_scale(obj.loss, obj.ls_a, obj.ls_b, obj.ls_c)
    modes = None
    if cfg.data.kind == "points" and cfg.data.source in ("ring", "grid"):
        modes = cfg.data.modes if cfg.data.source == "ring" else cfg.data.grid_side**2
    finite = not getattr(cfg.data, "stream", False)
    return Context(scale=scale, modes=modes, finite_data=finite)


def split_stretches(
    records: list[dict[str, Any]],
    evals: list[dict[str, Any]],
    divergences: list[dict[str, Any]],
) -> list[Stretch]:
    """Consecutive, equal-count groups of training lines; evaluations and divergence events
    go to the stretch whose steps hold them (a divergence past the last line to the last)."""
    n = min(MAX_STRETCHES, max(1, len(records) // LINES_PER_STRETCH)) if records else 0
    stretches: list[Stretch] = []
    previous_end = 0
    for k in range(n):
        part = records[k * len(records) // n : (k + 1) * len(records) // n]
        stretches.append(Stretch(previous_end + 1, int(part[-1]["step"]), part))
        previous_end = int(part[-1]["step"])
    if not stretches:
        last = max([int(d.get("step", 0)) for d in divergences] or [0])
        stretches.append(Stretch(1, last, []))
    for e in evals:
        _owner(stretches, int(e["step"])).evals.append(e)
    for d in divergences:
        _owner(stretches, int(d.get("step", 0))).divergences.append(d)
    return stretches


def _owner(stretches: list[Stretch], step: int) -> Stretch:
    for s in stretches:
        if step <= s.end:
            return s
    return stretches[-1]


def _grid_for(run: RunDir, step: int) -> str | None:
    """The first sample grid at or after ``step`` (else the last), relative to the run."""
    grids = sorted(run.samples_dir.glob("step-*.png"))
    if not grids:
        return None
    for path in grids:
        if int(path.name.split("-")[1]) >= step:
            return str(path.relative_to(run.path))
    return str(grids[-1].relative_to(run.path))


def read_divergences(run: RunDir) -> list[dict[str, Any]]:
    return read_json_lines(run.path / ROLLBACK_LOG)


def _is_training_line(record: dict[str, Any]) -> bool:
    return any(k in record for k in ("d_loss", "g_loss", "loss"))


def worst(verdicts: list[str]) -> str:
    return min(verdicts, key=VERDICTS.index) if verdicts else "stable"


def diagnose_records(
    records: list[dict[str, Any]],
    cfg: Config,
    divergences: list[dict[str, Any]] | None = None,
    run: RunDir | None = None,
) -> Diagnosis:
    training = [r for r in records if _is_training_line(r)]
    evals = [r for r in records if not _is_training_line(r) and "step" in r]
    ctx = context_for(cfg)
    stretches = split_stretches(training, evals, divergences or [])
    summary, all_findings = [], []
    for k, s in enumerate(stretches):
        found = findings(s, ctx)
        for f in found:
            f.grid = _grid_for(run, s.end) if run is not None else None
        summary.append(
            {
                "steps": [s.start, s.end],
                "verdict": worst([f.verdict for f in found]),
                "warm_up": k == 0 and len(stretches) > 1,
                "findings": [f.verdict for f in found],
            }
        )
        all_findings.extend(found)
    deciding = [
        f.verdict
        for f, s in _with_stretch(all_findings, stretches)
        if s is not stretches[0] or len(stretches) == 1 or f.verdict in VERDICTS[:2]
    ]
    missing = [
        name for name, key in SIGNALS.items() if training and not any(key in r for r in training)
    ]
    last = max([int(r["step"]) for r in [*records, *(divergences or [])] if "step" in r] or [0])
    return Diagnosis(
        run=str(run.path) if run is not None else "",
        verdict=worst(deciding),
        stretches=summary,
        findings=all_findings,
        missing=missing,
        steps=last,
    )


def _with_stretch(found: list[Finding], stretches: list[Stretch]):
    for f in found:
        owner = next(s for s in stretches if (s.start, s.end) == f.steps)
        yield f, owner


def diagnose_run(path: str | Path, write: bool = True) -> Diagnosis:
    """Diagnose a run directory (training or finished); writes ``diagnosis.json`` into it."""
    from ganbench.errors import EvaluationError

    run = RunDir.open(path)
    cfg = run.read_config()
    records = run.read_metrics()
    divergences = read_divergences(run)
    if not records and not divergences:
        raise EvaluationError(
            f"{run.path} has no metrics yet (no metrics.jsonl lines): train it first, or wait "
            f"for its first {cfg.logging.log_every} steps"
        )
    result = diagnose_records(records, cfg, divergences, run)
    if write:
        from ganbench.atomic import atomic_write_text

        atomic_write_text(run.path / DIAGNOSIS_FILE, json.dumps(result.to_dict(), indent=2))
    return result


def format_diagnosis(d: Diagnosis) -> str:
    lines = [f"{d.run}: {d.verdict.upper()} (steps 1-{d.steps})", ""]
    lines.append("stretch            verdict               also")
    for s in d.stretches:
        steps = f"{s['steps'][0]}-{s['steps'][1]}" + (" (warm-up)" if s["warm_up"] else "")
        also = ", ".join(v for v in s["findings"] if v != s["verdict"])
        lines.append(f"{steps:<18} {s['verdict']:<21} {also}")
    for f in d.findings:
        lines += ["", f"{f.verdict} at steps {f.steps[0]}-{f.steps[1]}:"]
        lines += [f"  - {e}" for e in f.evidence]
        if f.grid:
            lines.append(f"  samples: {f.grid}")
        lines += [f"  try: {a}" for a in f.advice]
    if d.missing:
        lines += [
            "",
            "not logged by this run (older version or another family): " + ", ".join(d.missing),
        ]
    return "\n".join(lines)

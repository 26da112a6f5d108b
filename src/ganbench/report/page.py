"""``ganbench report``: one self-contained HTML page per run, or several runs side by side.

Everything a reader needs to judge a run without the run directory: config and provenance,
the diagnosis with its evidence, the training curves, the sample grids as a filmstrip, the
evaluation beside its real-vs-real floors. What a run does not have yet (no evaluation, no
checkpoint, still training) is said in place of the section, never an error.
"""

from __future__ import annotations

import json
import platform
import time
from html import escape
from pathlib import Path
from typing import Any

from ganbench.atomic import atomic_write_text
from ganbench.errors import GanbenchError
from ganbench.report.html import image, page, table
from ganbench.training.rundir import RunDir

FILMSTRIP_FRAMES = 10
REPORT_FILE = "report.html"
SECTIONS = ("provenance", "verdict", "curves", "samples", "evaluation", "latent", "config")
EXTRA_STYLE = """
.filmstrip { display: flex; flex-wrap: wrap; gap: 0.5em; }
.filmstrip figure { margin: 0; } .filmstrip img { max-width: 16em; }
.side { display: flex; gap: 1em; } .side > div { flex: 1; min-width: 0; }
img { max-width: 100%; image-rendering: pixelated; }
.curves { display: grid; grid-template-columns: repeat(auto-fill, minmax(30em, 1fr)); }
.facts td, .verdicts td { text-align: left; } .missing { color: #a60; }
.verdict { font-size: 1.3em; font-weight: bold; }
"""


class ReportError(GanbenchError):
    pass


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _missing(text: str) -> str:
    return f'<p class="missing">{escape(text)}</p>'


def _provenance(run: RunDir, records: list[dict[str, Any]]) -> str:
    import torch

    from ganbench import __version__

    cfg = run.read_config()
    steps = run.checkpoint_steps()
    last = max([int(r["step"]) for r in records if "step" in r] or [0])
    rows = [
        ["run", str(run.path)],
        ["recipe", cfg.recipe],
        ["family", cfg.family],
        ["data", f"{cfg.data.source} ({cfg.data.kind})"],
        ["steps logged", f"{last} of {cfg.schedule.steps}"],
        ["checkpoints", ", ".join(map(str, steps)) or "none yet"],
        ["config digest", cfg.digest()],
        ["report written", time.strftime("%Y-%m-%d %H:%M:%S")],
        ["by", f"ganbench {__version__}, torch {torch.__version__}, {platform.machine()}"],
    ]
    state = "finished" if last >= cfg.schedule.steps else "partial (training or stopped early)"
    rows.insert(4, ["state", state])
    return table(["", "value"], rows).replace("<table>", '<table class="facts">', 1)


def _verdict(run: RunDir, records: list[dict[str, Any]]) -> str:
    from ganbench.diagnosis.diagnose import diagnose_records, read_divergences

    divergences = read_divergences(run)
    if not records and not divergences:
        return _missing("No metrics yet: nothing to diagnose.")
    d = diagnose_records(records, run.read_config(), divergences, run)
    parts = [f'<p class="verdict">{escape(d.verdict)}</p>']
    rows = [
        [
            f"{s['steps'][0]}-{s['steps'][1]}" + (" (warm-up)" if s["warm_up"] else ""),
            s["verdict"],
            ", ".join(v for v in s["findings"] if v != s["verdict"]),
        ]
        for s in d.stretches
    ]
    parts.append(
        table(["steps", "verdict", "also"], rows).replace("<table>", '<table class="verdicts">', 1)
    )
    for f in d.findings:
        items = "".join(f"<li>{escape(e)}</li>" for e in f.evidence)
        tries = "".join(f"<li>try {escape(a)}</li>" for a in f.advice)
        grid = f" (samples: {escape(f.grid)})" if f.grid else ""
        parts.append(
            f"<h3>{escape(f.verdict)}, steps {f.steps[0]}-{f.steps[1]}{grid}</h3>"
            f"<ul>{items}{tries}</ul>"
        )
    if d.missing:
        parts.append(_missing("Not logged by this run: " + ", ".join(d.missing)))
    parts.append(_check_d(run))
    return "\n".join(parts)


def _check_d(run: RunDir) -> str:
    """The discriminator sanity check, when the run made one (diagnose.check_d)."""
    result = _read_json(run.path / "check-d.json")
    if result is None:
        return ""
    rows = [
        [n, f"{s['accuracy']:.3f}", f"{s['mean_output']:.3f}"]
        for n, s in {**result["per_class"], "noise": result["noise"]}.items()
    ]
    curve = run.path / "check-d-loss.png"
    picture = image(curve.read_bytes(), "check-d loss") if curve.is_file() else ""
    failed = [*result["weak"], *(["noise"] if result["noise"]["accuracy"] < 0.9 else [])]
    state = "passed" if result["passed"] else "FAILED for " + ", ".join(failed)
    return (
        f"<h3>D on real vs noise before training: {escape(state)}</h3>"
        + table(["", "judged right", "mean D"], rows)
        + picture
    )


def _curves(run: RunDir, records: list[dict[str, Any]], reuse_plots: bool) -> str:
    """The curves, drawn from the records, or read from RUN_DIR/plots when the trainer has
    just drawn them (``reuse_plots``)."""
    from ganbench.report.plots import CURVES, curve_pngs

    if reuse_plots:
        files = [run.plots_dir / name for name in CURVES if (run.plots_dir / name).is_file()]
        pngs = {path.name: path.read_bytes() for path in files}
    else:
        pngs = curve_pngs(records)
    if not pngs:
        return _missing("No metrics yet: no curves.")
    figures = "\n".join(image(png, name.removesuffix(".png")) for name, png in pngs.items())
    return f'<div class="curves">{figures}</div>'


def _frames(run: RunDir) -> list[Path]:
    grids = sorted(run.samples_dir.glob("step-*.png"))
    if len(grids) <= FILMSTRIP_FRAMES:
        return grids
    picks = {round(k * (len(grids) - 1) / (FILMSTRIP_FRAMES - 1)) for k in range(FILMSTRIP_FRAMES)}
    return [grids[k] for k in sorted(picks)]


def _samples(run: RunDir) -> str:
    frames = _frames(run)
    if not frames:
        return _missing("No sample grids yet.")
    figures = [image(p.read_bytes(), p.stem, f"step {int(p.name.split('-')[1])}") for p in frames]
    return '<div class="filmstrip">' + "\n".join(figures) + "</div>"


def _evaluation(run: RunDir) -> str:
    from ganbench.metrics.evaluate import flatten

    result = _read_json(run.path / "eval.json")
    if result is None:
        return _missing(f"Not evaluated yet: run `ganbench evaluate {run.path}`.")
    values = flatten(result.get("metrics", {}))
    floors = result.get("floors", {})
    real = flatten(floors.get("real_vs_real", floors.get("real", {})))
    noise = flatten(floors.get("noise", {}))
    rows = []
    for key, value in values.items():
        if ".per_class" in key or ".histogram" in key or key.endswith("samples"):
            continue
        cells = [
            f"{v:.4g}" if v is not None else "" for v in (value, real.get(key), noise.get(key))
        ]
        rows.append([key, *cells])
    note = (
        f"<p>{result.get('samples')} samples of the {escape(str(result.get('weights')))} weights "
        f"at step {result.get('step')}.</p>"
    )
    return note + table(["metric", "generated", "real floor", "noise"], rows)


def _latent(run: RunDir) -> str:
    """The pictures ``ganbench latent`` wrote, with the smoothness numbers it measured."""
    folder = run.path / "latent"
    pictures = sorted([*folder.glob("*.png"), *folder.glob("*.gif")]) if folder.is_dir() else []
    if not pictures:
        return _missing(f"No latent-space pictures yet: run `ganbench latent {run.path} walk`.")
    parts = []
    for p in pictures:
        mime = "image/gif" if p.suffix == ".gif" else "image/png"
        numbers = _read_json(p.with_suffix(".json")) or {}
        ratios = numbers.get("path_length_ratio")
        caption = p.stem + (
            f" (path-length ratio {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"path length {numbers['path_length']:.3g})"
            if ratios
            else ""
        )
        parts.append(image(p.read_bytes(), p.stem, caption, mime))
    return "\n".join(parts)


def _config(run: RunDir) -> str:
    return f"<pre>{escape(run.config_path.read_text())}</pre>"


def run_sections(run: RunDir, reuse_plots: bool = False) -> dict[str, str]:
    records = run.read_metrics()
    return {
        "provenance": _provenance(run, records),
        "verdict": _verdict(run, records),
        "curves": _curves(run, records, reuse_plots),
        "samples": _samples(run),
        "evaluation": _evaluation(run),
        "latent": _latent(run),
        "config": _config(run),
    }


TITLES = {
    "provenance": "Run",
    "verdict": "Diagnosis",
    "curves": "Training curves",
    "samples": "Samples over training",
    "evaluation": "Evaluation (beside the real-vs-real floor)",
    "latent": "Latent space",
    "config": "Config",
}


def run_page(run: RunDir, reuse_plots: bool = False) -> str:
    sections = run_sections(run, reuse_plots)
    body = [f"<h1>ganbench run {escape(run.path.name)}</h1>"]
    body += [
        f'<section id="{name}"><h2>{TITLES[name]}</h2>\n{html}</section>'
        for name, html in sections.items()
    ]
    return page(f"ganbench run {run.path.name}", body, EXTRA_STYLE)


def compare_page(runs: list[RunDir]) -> str:
    """Runs side by side, one column each, section by section."""
    per_run = [run_sections(run) for run in runs]
    body = ["<h1>ganbench: " + escape(" vs ".join(r.path.name for r in runs)) + "</h1>"]
    for name in SECTIONS:
        columns = "".join(
            f"<div><h3>{escape(run.path.name)}</h3>{sections[name]}</div>"
            for run, sections in zip(runs, per_run, strict=True)
        )
        heading = f'<section id="{name}"><h2>{TITLES[name]}</h2>'
        body.append(f'{heading}<div class="side">{columns}</div></section>')
    return page("ganbench comparison", body, EXTRA_STYLE)


def write_report(
    run_dirs: list[str | Path], out: str | Path | None = None, reuse_plots: bool = False
) -> Path:
    """Write one run's report (default RUN_DIR/report.html) or a comparison (default
    ./compare.html); returns the path."""
    runs = [RunDir.open(path) for path in run_dirs]
    html = run_page(runs[0], reuse_plots) if len(runs) == 1 else compare_page(runs)
    target = (
        Path(out)
        if out
        else (runs[0].path / REPORT_FILE if len(runs) == 1 else Path("compare.html"))
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, html)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {target}: {exc.strerror or exc}; pass --out with a "
            "writable path"
        ) from None
    return target

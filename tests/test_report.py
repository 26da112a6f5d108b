"""``ganbench report``: the page holds every section, embeds its images and refers to
nothing outside itself; partial runs say what is missing; several runs compare."""

from __future__ import annotations

import re
from pathlib import Path

from ganbench.cli import main
from ganbench.report.page import SECTIONS


def trained(tiny: list[str], tmp_path: Path, name: str = "tiny") -> Path:
    assert main(["train", *tiny[:-1], f"logging.name={name}"]) == 0
    return tmp_path / "runs" / name


def test_training_writes_a_self_contained_report(tiny: list[str], tmp_path: Path) -> None:
    run = trained(tiny, tmp_path)
    html = (run / "report.html").read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    images = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(images) >= 5 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    assert "Not evaluated yet" in html  # no eval.json: said, not failed
    assert "stable" in html or "convergence failure" in html or "mode collapse" in html


def test_report_of_a_run_without_metrics_says_so(tmp_path: Path, capsys) -> None:
    run = tmp_path / "fresh"
    run.mkdir()
    (run / "config.yaml").write_text("recipe: shapes-dcgan\n")
    assert main(["report", str(run)]) == 0
    html = (run / "report.html").read_text()
    assert "No metrics yet" in html and "No sample grids yet" in html


def test_report_compares_runs_side_by_side(tiny: list[str], tmp_path: Path) -> None:
    a, b = trained(tiny, tmp_path, "a"), trained(tiny, tmp_path, "b")
    out = tmp_path / "compare.html"
    assert main(["report", str(a), str(b), "--out", str(out)]) == 0
    html = out.read_text()
    assert html.count('class="side"') == len(SECTIONS)
    assert "a vs b" in html


def test_report_to_an_unwritable_path_is_one_message(tiny: list[str], tmp_path: Path, capsys):
    run = trained(tiny, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["report", str(run), "--out", str(blocker / "report.html")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the report" in err and "--out" in err and "Traceback" not in err


def test_a_constant_rate_on_a_log_axis_draws_without_warning() -> None:
    import warnings

    from ganbench.report.plots import curve_png

    steps = [float(s) for s in range(1, 11)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns when a log axis has no range
        png = curve_png({"lr_g": (steps, [1e-3] * 10), "lr_d": (steps, [1e-3] * 10)}, "", log=True)
    assert png.startswith(b"\x89PNG")

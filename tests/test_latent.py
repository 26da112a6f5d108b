"""Latent paths (lerp, slerp and its fallback, closed walks), the smoothness numbers, and
``ganbench latent`` on a tiny run; ``ganbench check-d``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from ganbench.cli import main
from ganbench.latent.paths import closed_walk, interpolate, lerp, slerp
from ganbench.latent.smoothness import path_length_ratio


@pytest.fixture(scope="module")
def oracle_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("oracle-cache")


def test_slerp_keeps_the_ends_and_follows_the_great_circle() -> None:
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    path = slerp(a, b, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(path[0], a) and torch.allclose(path[-1], b, atol=1e-6)
    assert torch.allclose(path[1], torch.tensor([0.5**0.5, 0.5**0.5]), atol=1e-6)
    assert torch.allclose(path.norm(dim=1), torch.ones(3), atol=1e-6)  # on the circle
    assert lerp(a, b, torch.tensor([0.5]))[0].norm() < 0.75  # lerp cuts the corner


def test_slerp_falls_back_to_lerp_for_parallel_vectors() -> None:
    a = torch.tensor([1.0, 2.0, 3.0])
    t = torch.linspace(0, 1, 5)
    for b in (2 * a, -a, a.clone()):
        path = slerp(a, b, t)
        assert torch.isfinite(path).all()
        assert torch.allclose(path, lerp(a, b, t))


def test_closed_walk_returns_to_its_start_without_repeating_a_frame() -> None:
    keys = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    walk = closed_walk(keys, 5)
    assert walk.shape == (15, 4)
    for k in range(3):
        assert torch.allclose(walk[5 * k], keys[k])
    assert not torch.allclose(walk[-1], keys[0])  # the loop closes onto frame 0
    with pytest.raises(ValueError, match="at least 2 keypoints"):
        closed_walk(keys[:1], 5)
    assert interpolate(keys[0], keys[1], 4, "lerp").shape == (4, 4)


def test_path_length_ratio() -> None:
    straight = torch.linspace(0, 1, 6)[:, None] * torch.ones(1, 3)
    assert path_length_ratio(straight) == pytest.approx(1.0)
    detour = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    assert path_length_ratio(detour) == pytest.approx(2**0.5)


@pytest.fixture
def trained(tiny: list[str], tmp_path: Path, oracle_cache, monkeypatch) -> Path:
    monkeypatch.setenv("GANBENCH_CACHE", str(oracle_cache))
    assert main(["train", *tiny]) == 0
    return tmp_path / "runs" / "tiny"


def test_latent_tools_write_their_pictures(trained: Path, capsys) -> None:
    assert (
        main(
            [
                "latent",
                "interpolate",
                str(trained),
                "--seeds",
                "3",
                "4",
                "5",
                "--steps",
                "6",
                "--class",
                "sad",
            ]
        )
        == 0
    )
    grid = Image.open(trained / "latent" / "interpolate-slerp.png")
    assert grid.width > grid.height  # two rows of six
    numbers = json.loads((trained / "latent" / "interpolate-slerp.json").read_text())
    assert len(numbers["path_length_ratio"]) == 2 and numbers["path_length"] >= 0
    assert main(["latent", "walk", str(trained), "--seeds", "1", "2", "--frames", "3"]) == 0
    gif = Image.open(trained / "latent" / "walk.gif")
    assert gif.n_frames == 6
    assert main(["latent", "arithmetic", str(trained), "seed:1,2,3", "seed:4,5,6", "seed:7"]) == 0
    assert (trained / "latent" / "arithmetic.png").is_file()
    assert main(["report", str(trained)]) == 0
    html = (trained / "report.html").read_text()
    assert "data:image/gif;base64," in html and "path-length ratio" in html


def test_latent_refuses_bad_input(trained: Path, capsys) -> None:
    assert main(["latent", "walk", str(trained), "--seeds", "1"]) == 2
    assert "at least 2 keypoints" in capsys.readouterr().err
    assert main(["latent", "arithmetic", str(trained), "class:sad", "seed:1", "seed:2"]) == 2
    assert "conditional" in capsys.readouterr().err
    assert main(["latent", "interpolate", str(trained), "--class", "cats"]) == 2
    assert "not one of this run's" in capsys.readouterr().err
    assert main(["latent", "arithmetic", str(trained), "seed:x", "seed:1", "seed:2"]) == 2
    assert "integers" in capsys.readouterr().err


def test_latent_truncation_curve(trained: Path) -> None:
    assert (
        main(
            [
                "latent",
                "truncation",
                str(trained),
                "--values",
                "0.5",
                "none",
                "--n",
                "64",
                "--columns",
                "4",
            ]
        )
        == 0
    )
    numbers = json.loads((trained / "latent" / "truncation.json").read_text())
    assert numbers["values"] == [0.5, None] and len(numbers["precision"]) == 2
    assert all(0 <= p <= 1 for p in numbers["precision"])


def test_check_d_scores_every_class(tmp_path: Path, capsys) -> None:
    out = tmp_path / "check"
    code = main(
        [
            "check-d",
            "data.image_size=32",
            "model.d_width=8",
            "schedule.batch_size=16",
            "--steps",
            "40",
            "--out",
            str(out),
        ]
    )
    result = json.loads((out / "check-d.json").read_text())
    assert set(result["per_class"]) == {"happy", "angry", "sad", "joyful"}
    assert code == (0 if result["passed"] else 1)
    assert result["noise"]["accuracy"] > 0.9  # even 40 steps tell noise from shapes
    assert (out / "check-d-loss.png").is_file()
    assert "judged right" in capsys.readouterr().out


def test_check_d_needs_images(capsys) -> None:
    assert main(["check-d", "ring-gan", "--steps", "2"]) == 2
    assert "needs image data" in capsys.readouterr().err

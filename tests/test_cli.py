import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from ganbench.cli import main
from ganbench.config import available_recipes
from ganbench.training.rundir import RunDir


def _run_dir(tiny):
    root = next(o.split("=", 1)[1] for o in tiny if o.startswith("logging.root="))
    return RunDir.open(f"{root}/tiny")


def test_train_generate_resume(tiny, tmp_path, capsys):
    assert main(["train", *tiny]) == 0
    out = capsys.readouterr().out
    run = _run_dir(tiny)
    assert str(run.path) in out and "ganbench generate" in out and "ganbench resume" in out

    grid = tmp_path / "grid.png"
    assert main(["generate", str(run.path), "--n", "8", "--out", str(grid)]) == 0
    assert grid.stat().st_size > 0
    assert main(["generate", str(run.path), "--n", "4", "--class", "sad", "--out", str(grid)]) == 0

    assert main(["resume", str(run.path), "--steps", "8"]) == 0
    assert run.checkpoint_steps()[-1] == 8
    assert yaml.safe_load(run.config_path.read_text())["schedule"]["steps"] == 8
    assert "already at step 8" in (main(["resume", str(run.path)]) == 0 and capsys.readouterr().out)


def test_resume_refuses_changed_config_unless_forced(tiny, capsys):
    assert main(["train", *tiny]) == 0
    path = str(_run_dir(tiny).path)
    assert main(["resume", path, "model.leaky_slope=0.1", "--steps", "7"]) == 2
    assert "model.leaky_slope: 0.2 -> 0.1" in capsys.readouterr().err
    assert main(["resume", path, "model.leaky_slope=0.1", "--steps", "7", "--force"]) == 0


def test_print_config(capsys):
    assert main(["train", "shapes-dcgan", "schedule.steps=5", "--print-config"]) == 0
    tree = yaml.safe_load(capsys.readouterr().out)
    assert tree["schedule"]["steps"] == 5 and tree["data"]["image_size"] == 64


def test_bad_config_gives_one_clear_message(capsys):
    assert main(["train", "model.widht=64"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid config:") and "model.widht: unknown key" in err
    assert "Traceback" not in err


def test_generate_errors(tiny, tmp_path, capsys):
    assert main(["generate", str(tmp_path)]) == 2
    assert "not a ganbench run directory" in capsys.readouterr().err
    assert main(["train", *tiny]) == 0
    path = str(_run_dir(tiny).path)
    assert main(["generate", path, "--class", "grumpy", "--out", str(tmp_path / "x.png")]) == 2
    assert "not one of this run's classes: happy, angry, sad, joyful" in capsys.readouterr().err


def test_data_preview(tmp_path, capsys):
    out = tmp_path / "preview.png"
    args = ["data", "preview", "shapes", "image_size=32", "--classes", "happy", "sad"]
    assert main([*args, "--out", str(out)]) == 0
    from PIL import Image

    width, height = Image.open(out).size
    assert (width, height) == (8 * 34 + 2, 2 * 34 + 2)  # 8 per row, one row per class
    assert main(["data", "preview", "shapes", "classes=[grumpy]", "--out", str(out)]) == 2


def test_recipes_are_listed(capsys):
    assert main(["recipes"]) == 0
    assert "shapes-dcgan" in capsys.readouterr().out


def test_help_does_not_import_torch():
    code = (
        "import sys; from ganbench.cli import build_parser; "
        "build_parser(); print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_stops_cleanly_with_a_checkpoint(tiny):
    overrides = [o for o in tiny if not o.startswith("schedule.steps")]
    overrides += ["schedule.steps=100000", "logging.checkpoint_every=100000"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ganbench", "train", *overrides],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run = None
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            run = _run_dir(tiny)
            if run.read_metrics():
                break
        except Exception:
            pass
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopped at step" in out and "checkpoint written" in out
    assert "Traceback" not in err
    step = run.checkpoint_steps()[-1]
    assert step >= 2
    assert main(["resume", str(run.path), "--steps", str(step + 2)]) == 0


NEEDS_FILES = {"mnist-dcgan"}
# 64 digits hold 6 or 7 images per class: fewer labelled ones than the recipe's 10
RECIPE_EXTRAS = {"digits-sgan": ["sgan.labelled_per_class=2"]}


@pytest.mark.parametrize("recipe", [r for r in available_recipes() if r not in NEEDS_FILES])
def test_every_recipe_trains_a_few_steps(recipe, tiny):
    overrides = [o for o in tiny if not o.startswith(("model.g_width", "model.d_width"))]
    overrides += ["model.g_width=4", "model.d_width=4", "model.mlp_hidden=8", "schedule.steps=2"]
    overrides += RECIPE_EXTRAS.get(recipe, [])
    assert main(["train", recipe, *overrides]) == 0
    assert _run_dir(tiny).checkpoint_steps() == [2]


def test_recipe_needing_local_files_says_where_to_put_them(tiny, tmp_path, capsys):
    assert main(["train", "mnist-dcgan", *tiny, f"data.root={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert "mnist not found under" in err and "MNIST/raw" in err and "Traceback" not in err


@pytest.mark.parametrize("source", ["shapes", "ring", "grid", "curve", "digits", "stacked_digits"])
def test_data_preview_of_every_bundled_source(source, tmp_path, capsys):
    out = tmp_path / f"{source}.png"
    assert main(["data", "preview", source, "image_size=32", "--out", str(out)]) == 0
    from PIL import Image

    assert Image.open(out).size[0] > 100
    assert str(out) in capsys.readouterr().out


def test_data_preview_of_a_folder(tmp_path, capsys):
    from PIL import Image

    for name in ("a", "b"):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        Image.new("RGB", (20, 20), (9, 9, 9)).save(tmp_path / "imgs" / name / "x.png")
    out = tmp_path / "folder.png"
    args = ["data", "preview", "folder", f"path={tmp_path / 'imgs'}", "image_size=16"]
    assert main([*args, "--out", str(out)]) == 0
    assert "a (1), b (1)" in capsys.readouterr().out


def test_data_list_names_every_source_and_setting(capsys):
    from ganbench.data.catalogue import SOURCES

    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in SOURCES:
        assert f"{name}  (" in out
    assert "radius=2.0" in out and "group_size=10" in out and "squares" in out

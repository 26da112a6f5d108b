"""CycleGAN: its networks, the synthetic unpaired domains and their truth, training, resume,
translate and evaluate."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.data.build import build_unpaired, shapes_drawer
from ganbench.data.domains import counterparts, held_out_seed
from ganbench.errors import ConfigError
from ganbench.metrics.translation import scores
from ganbench.models.patchgan import PatchDiscriminator, receptive_field
from ganbench.models.resnet import ResNetGenerator
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

from .family_checks import assert_same_weights

TINY_CYCLE = [
    "data.size=32",
    "cyclegan.ngf=4",
    "cyclegan.n_blocks=1",
    "cyclegan.ndf=4",
    "cyclegan.pool_size=4",
    "cyclegan.consistency=1",
    "schedule.batch_size=4",
    "schedule.steps=4",
    "logging.log_every=2",
    "logging.checkpoint_every=2",
    "logging.samples_every=2",
    "logging.progress=false",
]


def _config(tmp_path, *extra):
    return load_config(
        "shapes-cyclegan", [*TINY_CYCLE, f"logging.root={tmp_path}", "logging.name=cg", *extra]
    )


@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_the_patchgan_receptive_field_is_what_it_says(n_layers):
    torch.manual_seed(0)
    net = PatchDiscriminator(1, 4, n_layers).eval()
    # instance norm mixes the whole image; the convolutions alone set the field
    for i, layer in enumerate(net.net):
        if isinstance(layer, torch.nn.InstanceNorm2d):
            net.net[i] = torch.nn.Identity()
    image = torch.randn(1, 1, 96, 96, requires_grad=True)
    scores = net(image)
    centre = scores.shape[-1] // 2
    scores[0, 0, centre, centre].backward()
    touched = image.grad[0, 0].abs().sum(0).nonzero().flatten()
    assert touched.max() - touched.min() + 1 == receptive_field(n_layers)
    assert receptive_field(n_layers) == {1: 16, 2: 34, 3: 70}[n_layers]


def test_the_resnet_generator_keeps_the_image_size():
    out = ResNetGenerator(3, ngf=4, n_blocks=2)(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1


def test_colour_domains_are_unpaired_and_their_truth_is_exact(tmp_path):
    cfg = _config(tmp_path)
    pair = build_unpaired(cfg.data, cfg.seed)
    a, b = counterparts(cfg.data, 8, held_out_seed(cfg.seed))
    # B of the colour mapping is A drawn with each class in the next class's colour
    swapped = cfg.data.model_copy(update={"colour_scheme": "swapped", "translation": "none"})
    expected, _, _ = shapes_drawer(swapped).fixed_set(8, held_out_seed(cfg.seed))
    assert torch.equal(b, torch.from_numpy(expected))
    assert not torch.equal(a, b)
    # training sets come from independent draws: B's images are not A's counterparts
    train_b_truth = counterparts(cfg.data, 4, cfg.seed)[1]
    assert not torch.equal(pair.b.data[:4], train_b_truth)
    assert not torch.equal(pair.a.data[:4], counterparts(cfg.data, 4, held_out_seed(cfg.seed))[0])


def test_geometry_domains_turn_each_circle_into_a_square_on_its_centre(tmp_path):
    cfg = _config(tmp_path, "data.translation=geometry", "data.classes=[filled]")
    drawer = shapes_drawer(cfg.data)
    _, _, truths = drawer.fixed_set(4, 7)
    _, b = counterparts(cfg.data, 4, 7)
    for image, truth in zip(b, truths, strict=True):
        ink = (image.int() - 255).abs().amax(0) > 64
        for shape in truth.shapes:
            x, y = shape.position
            r = shape.size
            assert ink[y, x]  # filled square covers its centre
            assert ink[y - r, x] and ink[y, x + r]  # ... and reaches a radius out
            assert ink[y - r, x + r]  # the corner: a square, not a circle


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["data.translation=none"], "family cyclegan translates between two unpaired domains"),
        (["data.translation=geometry"], "class 'angry' is not drawn with circles"),
        (["family=gan", "model.conditioning=none", "data.translation=none"], "cyclegan.ngf"),
        (["schedule.ema=0.999"], "family cyclegan keeps no EMA"),
    ],
)
def test_cyclegan_settings_are_checked(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, *overrides)


def test_scores_are_perfect_on_the_truth_and_floors_are_not(tmp_path):
    cfg = _config(tmp_path)
    a, b = counterparts(cfg.data, 32, 3)
    classes = shapes_drawer(cfg.data).classes
    labels = torch.arange(32) % len(classes)
    colours = torch.tensor([c.colour for c in classes]).roll(-1, 0)
    background = torch.tensor(cfg.data.background, dtype=torch.float32)
    perfect = scores(b, b, labels, colours, background)
    assert perfect == {"iou": 1.0, "masked_l1": 0.0, "colour_accuracy": 1.0}
    identity = scores(a, b, labels, colours, background)
    assert identity["colour_accuracy"] < 0.2 and identity["masked_l1"] > 0.1
    # the same strokes in another colour: the ink mask follows geometry, not contrast
    assert identity["iou"] > 0.9
    shifted = scores(b.roll(1, -1), b, labels, colours, background)
    assert shifted["iou"] < 0.6  # a pixel to the right is not the same geometry


def test_the_ink_mask_ignores_how_dark_the_ink_is():
    from ganbench.metrics.translation import _ink

    page = torch.full((2, 3, 16, 16), 255, dtype=torch.uint8)
    page[:, :, 4:12, 7:9] = torch.tensor([[20, 20, 20], [200, 230, 250]]).view(2, 3, 1, 1)
    page[:, :, 4:12, 6:7] = torch.tensor([[130, 130, 130], [225, 242, 253]]).view(2, 3, 1, 1)
    ink = _ink(page, torch.tensor([255.0, 255.0, 255.0]))
    assert torch.equal(ink[0], ink[1]) and int(ink[0].sum()) == 8 * 3  # edge at half: ink
    blank = _ink(torch.full((1, 3, 8, 8), 250, dtype=torch.uint8), torch.full((3,), 255.0))
    assert not blank.any()  # a page a shade off white holds no ink


def test_cyclegan_trains_resumes_exactly_translates_and_evaluates(tmp_path, capsys):
    cfg = _config(tmp_path)
    straight = Trainer(cfg, RunDir.create(cfg))
    straight.fit(4)
    record = straight.run.read_metrics()[-1]
    assert {"g_cycle", "g_identity", "d_a", "d_b", "d_consistency", "lr_g", "lr_d"} <= set(record)
    grid = straight.run.samples_dir / "step-0000004-epoch-000.png"
    assert grid.is_file()

    cfg2 = _config(tmp_path, "logging.name=resumed")
    first = Trainer(cfg2, RunDir.create(cfg2))
    first.fit(2)
    resumed = Trainer(cfg2, first.run)
    assert resumed.restore() == 2
    assert len(resumed.family.pools["a"]) == len(first.family.pools["a"]) > 0
    resumed.fit(4)
    assert_same_weights(straight.family, resumed.family)

    run = str(straight.run.path)
    out = tmp_path / "translated"
    assert main(["translate", run, "--input", "synthetic", "--n", "5", "--out", str(out)]) == 0
    assert len(list(out.glob("0*.png"))) == 5 and (out / "grid.png").is_file()
    folder = tmp_path / "mine"
    folder.mkdir()
    from PIL import Image

    Image.fromarray(np.full((40, 48, 3), 200, np.uint8)).save(folder / "x.png")
    back = tmp_path / "back"
    main(["translate", run, "--input", str(folder), "--direction", "b2a", "--out", str(back)])
    assert Image.open(back / "00000.png").size == (32, 32)
    assert main(["generate", run, "--out", str(tmp_path / "g.png")]) != 0
    assert "use ganbench translate" in capsys.readouterr().err
    assert main(["evaluate", run]) == 0
    result = json.loads((straight.run.path / "eval.json").read_text())["family"]
    assert result["name"] == "cyclegan" and result["held_out_pairs"] == 256
    for key in ("a2b", "b2a", "floor_identity", "floor_random_b"):
        assert set(result[key]) == {"iou", "masked_l1", "colour_accuracy"}
    assert result["steganography_ratio"] > 0


def test_frechet_baselines_tell_the_domains_apart(tmp_path, monkeypatch):
    """Seed 004's baselines, here in a small stand-in feature space (mean colour and its
    spread), since the real oracle takes a minute to train: A vs A and B vs B stay small,
    A vs B does not, and the identity map scores like A vs B."""
    from ganbench.metrics import oracle, translation

    class MeanColour:
        def features(self, images):
            x = images.float()
            return torch.cat([x.mean((2, 3)), x.std((2, 3))], 1)

    monkeypatch.setattr(oracle, "load_oracle", lambda data: MeanColour())
    cfg = _config(tmp_path)
    identity = torch.nn.Conv2d(3, 3, 1, bias=False)
    with torch.no_grad():
        identity.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
    fd = translation.frechet_baselines(cfg, identity, n=128)
    assert fd["a_vs_a"] < 0.2 * fd["a_vs_b"] and fd["b_vs_b"] < 0.2 * fd["a_vs_b"]
    assert fd["translated_vs_b"] > 0.5 * fd["a_vs_b"]


def test_the_oracle_class_of_translations_uses_an_oracle_of_each_domain(tmp_path, monkeypatch):
    """A stand-in oracle per domain that names the class whose base colour is nearest the
    image's darkest pixels: B's oracle must be asked for the rotated palette."""
    from ganbench.metrics import oracle, translation

    asked = []

    class NearestColour:
        def __init__(self, data):
            self.colours = torch.tensor([c.colour for c in shapes_drawer(data).classes]).float()

        def probabilities(self, images):
            x = images.float().flatten(2)
            darkest = x.gather(2, x.sum(1, keepdim=True).argmin(2, keepdim=True).expand(-1, 3, 1))
            distance = torch.cdist(darkest.squeeze(2), self.colours)
            return (-distance).softmax(1)

    def fake_load(data):
        asked.append(data)
        return NearestColour(data)

    monkeypatch.setattr(oracle, "load_oracle", fake_load)
    cfg = _config(tmp_path)
    a, b = counterparts(cfg.data, 16, 5)
    labels = torch.arange(16) % 2
    judged = {"truth_b": ("b", b), "floor_identity": ("b", a), "a_itself": ("a", a)}
    result = translation.oracle_classes(cfg, judged, labels)
    assert result == {"truth_b": 1.0, "floor_identity": 0.0, "a_itself": 1.0}
    a_colours = [c.colour for c in shapes_drawer(asked[0]).classes]
    b_colours = [c.colour for c in shapes_drawer(asked[1]).classes]
    assert b_colours == a_colours[1:] + a_colours[:1]

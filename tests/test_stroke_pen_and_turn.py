"""The strokes generator's pen (model.stroke_pen) and turns (model.stroke_turn)."""

import math

import pytest
import torch

from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.models.strokes import _splat

ONE_STROKE = ["model.arch=strokes", "model.strokes=1", "model.g_norm=none"]
AS_TRAINED = [
    "model.stroke_position_temperature=1",
    "model.stroke_position_temperature_by_class={}",
]


def test_a_lifted_pen_leaves_its_segment_blank_and_learns_from_the_ink():
    # x = 8 -> 32 -> 56 along pixel row 20's centre: the first segment drawn, the second lifted
    polyline = torch.tensor([[[[8.0, 20.5], [32.0, 20.5], [56.0, 20.5]]]])
    pen = torch.tensor([[[1.0, 0.0]]], requires_grad=True)
    ink = _splat(polyline, torch.tensor([[0.4]]), 128, 64, pen)[0, 0]
    assert ink[20, 12:28].min() > 0.9 and ink[20, 36:60].max() < 1e-6
    whole = _splat(polyline, torch.tensor([[0.4]]), 128, 64)[0, 0]
    assert torch.allclose(ink[:, :28], whole[:, :28])  # the drawn half as without a pen
    ink[20, 44].backward()  # ink wanted on the lifted half asks its pen down
    assert pen.grad[0, 0, 1] > 0 and abs(pen.grad[0, 0, 0]) < 1e-9


def _pen_generator(sharpness: float):
    overrides = ["model.arch=strokes", "model.strokes=1", "model.stroke_pen=true"]
    overrides += [
        "model.stroke_position_temperature=1",
        "model.stroke_position_temperature_by_class={}",
    ]
    cfg = load_config(None, [*overrides, f"model.stroke_presence_sharpness={sharpness}"])
    return build_models(cfg)[0], cfg


def test_pen_weights_are_sharpened_when_sampling_and_can_lift_every_segment():
    G, cfg = _pen_generator(1.0)
    points = cfg.model.stroke_points
    assert G.per_stroke == 2 + 2 * points + 3 + 2 + points - 1  # a pen per segment
    z = torch.randn(4, cfg.model.latent_dim, generator=torch.Generator().manual_seed(1))
    labels = torch.arange(4)
    with torch.no_grad():
        G.head.bias[-(points - 1) :] = -20.0  # every pen lifted: a blank page
        assert torch.allclose(G.eval()(z, labels), torch.ones(4, 3, 64, 64))
        G.head.bias[2 + 2 * points + 3 + 1] = 10.0  # present
        G.head.bias[-(points - 1) :] = -3.5  # pen sigmoid(-0.5) = 0.38 as trained
        trained = 1 - G.train()(z, labels)
        sharp, _ = _pen_generator(4.0)
        sharp.load_state_dict(G.state_dict())
        assert torch.allclose(1 - sharp.train()(z, labels), trained)  # never while training
        sampled = 1 - sharp.eval()(z, labels)
    assert trained.sum() > 10
    assert sampled.sum() < 0.4 * trained.sum()  # pens at sigmoid(-2) = 0.12 against 0.38


def _turned_line(turn_z: float, spread: float = 0.5) -> torch.Tensor:
    """Ink (H, W) of one stroke drawn as a horizontal line of 16 px through the page's centre,
    turned by z's turn coordinate ``turn_z`` times the spread ``spread``."""
    cfg = load_config(None, [*ONE_STROKE, *AS_TRAINED, "model.stroke_turn=true"])
    G, _ = build_models(cfg)
    points = cfg.model.stroke_points
    z = torch.zeros(1, cfg.model.latent_dim)
    z[0, 2] = turn_z  # the first coordinate after the anchor's two
    with torch.no_grad():
        G.head.weight.zero_()
        G.head.bias.zero_()
        steps = G.head.bias[4 : 2 + 2 * points].view(points - 1, 2)
        steps[:, 0] = math.atanh(16 / (points - 1) / 4)  # x steps summing to 16 px
        G.head.bias[-1] = 10.0  # present
        G.spread.weight.zero_()
        G.turn_spread.bias.fill_(math.log(math.expm1(spread)))
        return (1 - G.eval()(z, torch.zeros(1, dtype=torch.long))).sum((0, 1))


def _extent(ink: torch.Tensor) -> tuple[int, int]:
    """(columns, rows) the ink covers."""
    inked = ink > 0.5
    return int(inked.any(0).sum()), int(inked.any(1).sum())


def test_z_turns_each_polyline_about_its_anchor_by_a_learned_spread():
    wide, tall = _extent(_turned_line(0.0))  # no turn: horizontal (on a pixel edge: 2 rows)
    assert 15 <= wide <= 17 and tall <= 2
    wide, tall = _extent(_turned_line(math.pi / 2 / 0.5))  # a quarter turn: vertical
    assert tall >= 15 and wide <= 2
    wide, tall = _extent(_turned_line(math.pi / 4 / 0.25, spread=0.25))  # an eighth: diagonal
    assert 10 <= wide <= 13 and 10 <= tall <= 13


def test_the_turns_coordinates_of_z_never_reach_the_mlp():
    cfg = load_config(None, ["model.g_width=8", "model.latent_dim=24", "model.stroke_turn=true"])
    G, _ = build_models(cfg)
    G.eval()
    z = torch.randn(4, 24, generator=torch.Generator().manual_seed(0))
    turned = z.clone()
    turned[:, 10:15] += 1.0  # the five strokes' turn coordinates
    labels = torch.arange(4)
    with torch.no_grad():
        hidden = [G.body(G.condition(G.seen_latent(x), labels)) for x in (z, turned)]
        images = [G(x, labels) for x in (z, turned)]
    assert torch.equal(hidden[0], hidden[1])
    assert not torch.equal(images[0], images[1])  # the strokes turn


def test_turns_need_a_third_coordinate_of_z_per_stroke():
    with pytest.raises(
        ConfigError, match=r"reads three of z's coordinates per stroke; raise it to 15"
    ):
        load_config(None, ["model.latent_dim=12", "model.stroke_turn=true"])

"""The presence-decision term: 4 p (1 - p) per stroke, zero for strokes drawn whole or
dropped; its gradient pushes a stroke towards whichever end it is nearer; it trains, and it
is refused where there are no strokes."""

import json

import pytest
import torch

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.objectives.presence_decision import presence_decision_loss


def _stroke_generator(logit: float):
    """A one-stroke generator in training mode keeping its presences, its presence logit
    fixed (before the start offset of +2)."""
    cfg = load_config(None, ["model.arch=strokes", "model.strokes=1", "model.g_norm=none"])
    G, _ = build_models(cfg)
    G.train()
    G.keep_presence = True
    with torch.no_grad():
        G.head.weight[-1] = 0
        G.head.bias[-1] = logit
    z = torch.randn(4, cfg.model.latent_dim, generator=torch.Generator().manual_seed(1))
    G(z, torch.arange(4))
    return G


@pytest.mark.parametrize("logit, pulled", [(-1.5, "up"), (-2.5, "down"), (8.0, "none")])
def test_the_term_is_4p1p_and_pushes_to_the_nearer_end(logit, pulled):
    G = _stroke_generator(logit)
    p = torch.sigmoid(torch.tensor(logit + 2.0))
    loss = presence_decision_loss(G, 0.5)
    assert torch.allclose(loss, 0.5 * 4 * p * (1 - p), atol=1e-6)
    loss.backward()
    grad = G.head.bias.grad[-1].item()  # gradient descent moves the logit by -grad
    if pulled == "up":
        assert grad < 0
    elif pulled == "down":
        assert grad > 0
    else:
        assert abs(grad) < 1e-3
    with pytest.raises(RuntimeError, match="presence_decision"):
        presence_decision_loss(G, 0.5)  # the batch's presences are used once, then let go


@pytest.mark.parametrize("logit, weighed", [(-2.5, True), (-1.5, False), (8.0, False)])
def test_the_drop_side_weighs_only_strokes_below_half(logit, weighed):
    G = _stroke_generator(logit)  # presences 0.38, 0.62 and about 1
    p = torch.sigmoid(torch.tensor(logit + 2.0))
    loss = presence_decision_loss(G, 0.5, "drop")
    expected = 0.5 * 4 * p * (1 - p) if weighed else torch.tensor(0.0)
    assert torch.allclose(loss, expected, atol=1e-6)
    loss.backward()
    grad = G.head.bias.grad[-1].item()
    assert grad > 0 if weighed else grad == 0  # below half: pushed down; above: left alone


def test_the_generator_keeps_no_presences_unless_asked():
    cfg = load_config(None, [])
    G, _ = build_models(cfg)
    G.train()
    G(torch.randn(2, cfg.model.latent_dim), torch.arange(2))
    assert G.last_presence is None


def test_the_term_trains_and_is_logged(tmp_path):
    words = ["data.image_size=32", "data.size=32", "model.g_width=4", "model.d_width=4"]
    words += ["schedule.batch_size=8", "schedule.steps=2", "threads=2"]
    words += ["logging.progress=false", "logging.tensorboard=false", "logging.report=false"]
    words += ["objective.presence_decision=1", f"logging.root={tmp_path}", "logging.name=run"]
    assert main(["train", *words]) == 0
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    logged = [r["g_presence_decision"] for r in rows if "g_presence_decision" in r]
    assert logged and all(0 < v <= 1 for v in logged)


def test_the_term_is_refused_without_strokes():
    with pytest.raises(ConfigError, match="presence_decision"):
        load_config(None, ["model.arch=dcgan", "objective.presence_decision=1"])

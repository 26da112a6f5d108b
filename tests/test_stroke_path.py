"""The strokes generator's point paths (model.stroke_path): a walk of steps, or offsets."""

import math

import torch

from ganbench.config import load_config
from ganbench.models import build_models
from ganbench.models.strokes import LOOP_RADIUS, OFFSET, STEP, _loop_logits

ONE_STROKE = [
    "model.arch=strokes",
    "model.strokes=1",
    "model.g_norm=none",
    "model.stroke_position_temperature=1",
    "model.stroke_position_temperature_by_class={}",
]


def test_both_paths_start_as_the_same_closed_loop():
    points, size = 24, 64
    steps = torch.tanh(_loop_logits(points, size)).view(points, 2) * STEP * size
    walk = steps.cumsum(0)
    offsets = torch.tanh(_loop_logits(points, size, offsets=True)).view(points, 2)
    offsets = offsets * OFFSET * size
    for path in (walk, offsets):
        centred = path - path.mean(0)
        radius = centred.norm(dim=1)
        assert torch.allclose(radius, torch.full_like(radius, LOOP_RADIUS * size), atol=0.2)
        assert torch.allclose(path[0], path[-1], atol=1e-3)  # closed
    assert torch.allclose(walk - walk.mean(0), offsets - offsets.mean(0), atol=1e-3)


def _star(path: str) -> torch.Tensor:
    """Ink (H, W) of one stroke asked to draw five rays of 10 px out from its anchor and
    back, its step or offset outputs set to the points that do it."""
    cfg = load_config(None, [*ONE_STROKE, f"model.stroke_path={path}"])
    G, _ = build_models(cfg)
    points = cfg.model.stroke_points
    wanted = torch.zeros(points, 2)  # out and back: centre, tip, centre, tip ...
    for ray in range(5):
        angle = 2 * math.pi * ray / 5
        wanted[2 * ray + 1] = 10 * torch.tensor([math.cos(angle), math.sin(angle)])
    with torch.no_grad():
        G.head.weight.zero_()
        G.head.bias.zero_()
        if path == "offsets":
            logits = torch.atanh(wanted / (OFFSET * 64))
        else:  # steps of at most STEP * 64 = 4 px cannot reach a tip 10 px out in one
            logits = torch.atanh(
                (wanted.diff(dim=0, prepend=wanted[:1]) / (STEP * 64)).clamp(-0.99, 0.99)
            )
        G.head.bias[2 : 2 + 2 * points] = logits.flatten()
        G.head.bias[-1] = 10.0  # present
        G.spread.weight.zero_()
        z = torch.zeros(1, cfg.model.latent_dim)
        return (1 - G.eval()(z, torch.zeros(1, dtype=torch.long)))[0].sum(0)


def test_offsets_draw_rays_that_return_to_the_centre():
    ink = _star("offsets")
    inked = ink > 0.5
    ys, xs = inked.nonzero(as_tuple=True)
    centre_y, centre_x = ys.float().mean(), xs.float().mean()
    for ray in range(5):  # ink 8 px out along every ray
        angle = 2 * math.pi * ray / 5
        x = int(centre_x + 8 * math.cos(angle))
        y = int(centre_y + 8 * math.sin(angle))
        assert inked[y - 1 : y + 2, x - 1 : x + 2].any(), f"ray {ray} not drawn"
    # the same outputs as a walk cannot: its steps are bounded at 4 px, so it never gets 8 out
    assert (_star("walk") > 0.5).sum() < inked.sum()

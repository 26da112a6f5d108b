"""The strokes generator: polylines through a separable Gaussian rasteriser."""

import math

import pytest
import torch

from ganbench.compatibility import advisories
from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.models.strokes import FAR, MIN_SPREAD, _even_points, _GaussianProfile, _splat


def _line(x0, y0, x1, y1, points=16):
    t = torch.linspace(0, 1, points).view(-1, 1)
    return (torch.tensor([x0, y0]) + t * torch.tensor([x1 - x0, y1 - y0])).view(1, 1, points, 2)


def test_even_points_are_evenly_spaced_along_uneven_segments():
    polyline = torch.tensor([[[[0.0, 0.0], [1.0, 0.0], [31.0, 0.0], [32.0, 0.0]]]])
    samples, spacing, segment = _even_points(polyline, 64)
    xs = samples[0, 0, :, 0]
    assert spacing.item() == pytest.approx(0.5)
    assert torch.allclose(xs.diff(), torch.full((63,), 0.5), atol=1e-4)
    assert torch.allclose(samples[0, 0, :, 1], torch.zeros(64))
    assert segment[0, 0].tolist() == [0, 0] + [1] * 60 + [2, 2]  # which segment each lies on


def test_a_horizontal_line_is_inked_evenly_on_its_row_only():
    # A line along y = 20.5 (pixel row 20's centre) from x = 8 to x = 56, one 48-px segment.
    ink = _splat(_line(8, 20.5, 56, 20.5, points=2), torch.tensor([[0.4]]), 128, 64)[0, 0]
    row = ink[20, 12:52]
    assert row.min() > 0.9 and row.max() - row.min() < 0.02  # no dots along the line
    assert ink[18].max() < 0.01 and ink[23].max() < 0.01
    assert ink[20, :4].max() < 0.01 and ink[20, 60:].max() < 0.01


def test_ink_moves_with_the_points_and_passes_gradients():
    points = _line(10, 10, 40, 40).requires_grad_()
    ink = _splat(points, torch.tensor([[0.5]]), 128, 64)
    ink[0, 0, 30, 20].backward()  # a pixel off the diagonal pulls the line towards it
    assert points.grad.abs().sum() > 0


def test_the_fused_gaussian_profile_matches_autograd_on_the_plain_expression():
    gen = torch.Generator().manual_seed(0)
    centre = (torch.rand(2, 3, 40, 1, generator=gen, dtype=torch.float64) * 32).requires_grad_()
    inv = (torch.rand(2, 3, 1, 1, generator=gen, dtype=torch.float64) + 0.5).requires_grad_()
    grid = torch.arange(32, dtype=torch.float64) + 0.5
    plain = torch.exp(-(((grid - centre) ** 2) * inv).clamp_max(FAR))
    fused = _GaussianProfile.apply(centre, inv, grid)
    assert torch.equal(plain, fused)  # the same values, bit for bit
    weights = torch.randn(plain.shape, generator=gen, dtype=torch.float64)
    expected = torch.autograd.grad((plain * weights).sum(), (centre, inv))
    got = torch.autograd.grad((fused * weights).sum(), (centre, inv))
    for a, b in zip(expected, got, strict=True):  # apart from the capped tails (~1e-11)
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-9)
        assert b.abs().max() > 1e-3  # not trivially zero


def test_strokes_generator_draws_on_the_background_and_trains():
    cfg = load_config(None, ["model.arch=strokes", "model.g_width=8", "model.d_width=8"])
    G, D = build_models(cfg)
    z = torch.randn(6, cfg.model.latent_dim, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    images = G(z, y)
    assert images.shape == (6, 3, 64, 64)
    assert images.min() >= -1 and images.max() <= 1
    corner_white = (images[:, :, 0, 0] == 1).float().mean()
    assert corner_white > 0.5  # strokes leave the page blank where they do not pass
    assert not torch.allclose(images[0], images[4])  # z moves the strokes
    D(images, y).mean().backward()
    assert all(p.grad is not None for p in G.head.parameters())


def test_strokes_need_two_latent_coordinates_per_stroke():
    with pytest.raises(ConfigError, match=r"model\.latent_dim=6 is too short for 5 strokes"):
        load_config(None, ["model.arch=strokes", "model.latent_dim=6", "model.strokes=5"])


def test_strokes_are_drawn_on_the_datas_background():
    overrides = ["model.arch=strokes", "model.g_output=tanh", "data.background=[0,0,64]"]
    cfg = load_config(None, overrides)
    G, _ = build_models(cfg)
    images = G(
        torch.randn(4, cfg.model.latent_dim, generator=torch.Generator().manual_seed(1)),
        torch.arange(4),
    )
    corner = images[:, :, 0, 0]  # no stroke reaches a corner pixel at initialisation
    assert torch.allclose(corner, torch.tensor([-1.0, -1.0, 64 / 127.5 - 1]).expand(4, 3))


def test_stroke_geometry_stays_float32_under_bf16_autocast():
    cfg = load_config(None, ["model.arch=strokes"])
    G, _ = build_models(cfg)
    G.eval()
    z, y = (
        torch.randn(4, cfg.model.latent_dim, generator=torch.Generator().manual_seed(2)),
        torch.arange(4),
    )
    with torch.no_grad():
        exact = G(z, y)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = G(z, y)
    assert mixed.dtype == torch.float32
    # Only the MLP body runs in bf16 (measured: pixels within 0.0014 of float32); with the
    # head and the rasteriser in bf16 too, pixels moved by 0.056.
    assert (mixed - exact).abs().max() < 0.01


def test_strokes_settings_are_checked_like_the_dcgan_discriminator():
    from ganbench.compatibility import advisories

    cfg = load_config("shapes-conv", ["model.arch=strokes"])  # the pixel recipe's G settings
    notes = " ".join(advisories(cfg))
    assert "model.g_output=alpha" in notes and "ignores them" in notes
    assert "g_conditioning=cbn" in notes and "embedding" in notes
    assert "d_conditioning" not in notes  # D is the dcgan one: its settings apply
    strokes = load_config(None, [])  # the default recipe
    assert strokes.model.minibatch_std_groups == "class" and not advisories(strokes)


def _one_stroke_with_presence_logit(
    presence: str, logit: float, sharpness: float = 1.0, training: bool = False
) -> torch.Tensor:
    """Images of a one-stroke generator whose presence logit is fixed (before the start
    offset), its colour mid-grey, for a fixed latent batch; sampled (eval mode) unless
    ``training``."""
    overrides = ["model.arch=strokes", "model.strokes=1", f"model.stroke_presence={presence}"]
    overrides += [f"model.stroke_presence_sharpness={sharpness}", "model.g_norm=none"]
    overrides += ["model.stroke_position_temperature=1"]  # trained and sampled strokes align
    cfg = load_config(None, overrides)
    G, _ = build_models(cfg)
    G.train(training)
    z = torch.randn(8, cfg.model.latent_dim, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        G.head.weight[-1] = 0
        G.head.bias[-1] = logit
        G.head.weight[-5:-2] = 0  # colour channels: tanh(0), mid-grey
        G.head.bias[-5:-2] = 0
        return G(z, torch.arange(8) % 4)


def test_soft_presence_fades_a_stroke_and_hard_presence_does_not():
    # presence = sigmoid(logit + 2): 0.27 at logit -3, 0.95 at logit 1, 1 - 6e-6 at logit 10
    full = 1 - _one_stroke_with_presence_logit("soft", 10.0)  # ink depth per pixel
    assert (full.amax(dim=(1, 2, 3)) > 0.2).all()  # every image holds a stroke
    faint = 1 - _one_stroke_with_presence_logit("soft", -3.0)
    assert torch.allclose(faint, torch.sigmoid(torch.tensor(-1.0)) * full, atol=1e-5)
    hard_off = _one_stroke_with_presence_logit("hard", -3.0)
    assert torch.equal(hard_off, torch.ones_like(hard_off))
    hard_on = 1 - _one_stroke_with_presence_logit("hard", 1.0)
    assert torch.allclose(hard_on, full, atol=1e-4)


def test_presence_is_sharpened_when_sampling_and_never_while_training():
    full = 1 - _one_stroke_with_presence_logit("soft", 10.0)
    # logit -1.5: presence sigmoid(0.5) = 0.62 as trained; sigmoid(3 * 0.5) = 0.82 sampled at k=3
    trained = 1 - _one_stroke_with_presence_logit("soft", -1.5, sharpness=3.0, training=True)
    assert torch.allclose(trained, torch.sigmoid(torch.tensor(0.5)) * full, atol=1e-5)
    sampled = 1 - _one_stroke_with_presence_logit("soft", -1.5, sharpness=3.0)
    assert torch.allclose(sampled, torch.sigmoid(torch.tensor(1.5)) * full, atol=1e-5)
    # below half present, a sharpened stroke fades further: sigmoid(-1) = 0.27 -> 0.05
    faint = 1 - _one_stroke_with_presence_logit("soft", -3.0, sharpness=3.0)
    assert torch.allclose(faint, torch.sigmoid(torch.tensor(-3.0)) * full, atol=1e-5)
    with pytest.raises(ConfigError, match="stroke_presence_sharpness"):
        load_config(None, ["model.stroke_presence_sharpness=0.5"])


def _dot_centres(
    temperature: float, training: bool, by_class: str = "{}"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Ink centroids (B, 2) of a one-stroke generator that draws a dot (every step zero)
    whose anchor is sigmoid(0.5 * z) before the temperature, and the z of its two
    coordinates (B, 2); image i is of class i % 4 (happy, angry, sad, joyful)."""
    overrides = ["model.arch=strokes", "model.strokes=1", "model.g_norm=none"]
    overrides += [f"model.stroke_position_temperature={temperature}"]
    overrides += [f"model.stroke_position_temperature_by_class={by_class}"]
    cfg = load_config(None, overrides)
    G, _ = build_models(cfg)
    G.train(training)
    z = torch.randn(8, cfg.model.latent_dim, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        G.head.weight.zero_()
        G.head.bias.zero_()
        G.head.bias[-1] = 10.0  # present
        G.spread.weight.zero_()
        G.spread.bias.fill_(math.log(math.expm1(0.5 - MIN_SPREAD)))  # spread 0.5
        ink = (1 - G(z, torch.arange(8) % 4)).sum(1)  # (B, H, W)
    pixel = torch.arange(ink.shape[-1], dtype=ink.dtype) + 0.5
    mass = ink.sum((1, 2))
    x = (ink.sum(1) * pixel).sum(1) / mass
    y = (ink.sum(2) * pixel).sum(1) / mass
    return torch.stack([x, y], 1), z[:, :2]


def test_position_temperature_widens_the_layouts_when_sampling_only():
    size = 64
    for temperature, training, spread in [(1.0, False, 0.5), (2.0, False, 1.0), (2.0, True, 0.5)]:
        centres, z = _dot_centres(temperature, training)
        expected = torch.sigmoid(spread * z) * size
        assert torch.allclose(centres, expected, atol=0.3), (temperature, training)
    with pytest.raises(ConfigError, match="stroke_position_temperature"):
        load_config(None, ["model.stroke_position_temperature=0"])


def test_a_temperature_per_class_replaces_the_shared_one_for_the_classes_named():
    centres, z = _dot_centres(2.0, False, "{angry: 1.0, sad: 1.5}")
    spread = torch.tensor([1.0, 0.5, 0.75, 1.0]).repeat(2)[:, None]  # 0.5 times 2, 1, 1.5, 2
    assert torch.allclose(centres, torch.sigmoid(spread * z) * 64, atol=0.3)
    centres, z = _dot_centres(2.0, True, "{angry: 1.0}")  # training: no temperature at all
    assert torch.allclose(centres, torch.sigmoid(0.5 * z) * 64, atol=0.3)


@pytest.mark.parametrize(
    "words, noted",
    [
        (["model.stroke_position_temperature_by_class={grumpy: 1.0}"], "grumpy, not among"),
        (["model.conditioning=none", "model.minibatch_std_groups=mixed"], "angry, not a class"),
        (["model.stroke_position_temperature_by_class={sad: 1.5}"], None),
    ],
)
def test_a_temperature_per_class_names_the_classes_it_cannot_reach(words, noted):
    notes = [n for n in advisories(load_config(None, words)) if "by_class" in n]
    assert notes == [] if noted is None else noted in notes[0]


def test_a_temperature_per_class_keeps_to_the_temperatures_range():
    with pytest.raises(ConfigError, match="stroke_position_temperature_by_class"):
        load_config(None, ["model.stroke_position_temperature_by_class={angry: 4}"])


def _ink_directions(colour_mode: str) -> list[torch.Tensor]:
    """Per image of a three-stroke generator (horizontal lines, each stroke's own colour
    outputs set to red, green and blue), the unit direction of each inked pixel's departure
    from the white page."""
    overrides = ["model.arch=strokes", "model.strokes=3", f"model.stroke_colour={colour_mode}"]
    cfg = load_config(None, overrides)
    G, _ = build_models(cfg)
    G.eval()
    z = torch.randn(4, cfg.model.latent_dim, generator=torch.Generator().manual_seed(5))
    per_stroke, colour_at = G.per_stroke, 2 + 2 * G.points
    with torch.no_grad():
        for s in range(3):
            first = s * per_stroke
            G.head.weight[first : first + per_stroke] = 0
            G.head.bias[first : first + per_stroke] = 0
            G.head.bias[first + 2 : first + colour_at : 2] = 1.0  # steps of 3 px along x
            G.head.bias[first + colour_at : first + colour_at + 3] = torch.full(
                (3,), -3.0
            ).index_fill_(0, torch.tensor(s), 3.0)
            G.head.bias[first + per_stroke - 1] = 10.0  # fully present
        images = G(z, torch.arange(4))
    departures = [(1 - img).flatten(1).T for img in images]
    return [
        d[d.max(1).values > 0.5] / d[d.max(1).values > 0.5].norm(dim=1, keepdim=True)
        for d in departures
    ]


def test_a_colour_per_image_paints_every_stroke_alike():
    for directions in _ink_directions("stroke"):  # three strokes, three colours
        assert directions.std(0).max() > 0.2
    for directions in _ink_directions("image"):  # one colour whatever the strokes' own outputs
        assert len(directions) > 40
        assert directions.std(0).max() < 0.01


def _drawn_polylines(monkeypatch, shape_mode: str, start: str = "dot", still=False):
    """The polylines (B, S, K, 2) a three-stroke generator hands its rasteriser, each centred
    on its own mean (``still``: the head's weights zeroed, so its biases alone draw)."""
    from ganbench.models import strokes

    seen = []
    splat = strokes._splat

    def spy(points, *args):
        seen.append(points.detach())
        return splat(points, *args)

    monkeypatch.setattr(strokes, "_splat", spy)
    overrides = ["model.arch=strokes", "model.strokes=3", f"model.stroke_shape={shape_mode}"]
    cfg = load_config(None, [*overrides, f"model.stroke_start={start}"])
    G, _ = build_models(cfg)
    if still:
        with torch.no_grad():
            G.head.weight.zero_()
            if G.image_walk is not None:
                G.image_walk.weight.zero_()
    z = torch.randn(4, cfg.model.latent_dim, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        G(z, torch.arange(4))
    (points,) = seen
    return points - points.mean(2, keepdim=True)


def test_a_polyline_per_image_is_drawn_by_every_stroke(monkeypatch):
    own = _drawn_polylines(monkeypatch, "stroke")
    assert (own[:, 1:] - own[:, :1]).abs().max() > 0.5  # each stroke its own shape
    shared = _drawn_polylines(monkeypatch, "image")
    assert torch.allclose(shared[:, 1:], shared[:, :1].expand_as(shared[:, 1:]), atol=1e-4)
    assert (shared[1:] - shared[:1]).abs().max() > 0.1  # the shape still varies by image


@pytest.mark.parametrize("shape_mode", ["stroke", "image"])
def test_strokes_can_start_as_closed_loops(monkeypatch, shape_mode):
    from ganbench.models.strokes import LOOP_RADIUS

    loops = _drawn_polylines(monkeypatch, shape_mode, "loop", still=True)
    assert torch.allclose(loops[:, :, 0], loops[:, :, -1], atol=1e-3)  # closed
    radius = loops.norm(dim=-1)  # each point's distance from the loop's centre
    assert torch.allclose(radius, torch.full_like(radius, LOOP_RADIUS * 64), rtol=0.1)
    dots = _drawn_polylines(monkeypatch, shape_mode, "dot", still=True)
    assert dots.abs().max() < 1e-4  # the default starts every stroke at its anchor


@pytest.mark.parametrize(
    ("anchor_z", "hidden_axes"), [("shared", ()), ("own", (0, 1)), ("own_y", (1,))]
)
def test_the_anchors_coordinates_of_z_can_be_kept_from_the_mlp(anchor_z, hidden_axes):
    overrides = ["model.g_width=8", "model.latent_dim=16", f"model.stroke_anchor_z={anchor_z}"]
    cfg = load_config(None, overrides)
    G, _ = build_models(cfg)
    G.eval()
    z = torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(4)
    for axis in (0, 1):  # x, then y
        moved = z.clone()
        moved[:, axis : 2 * cfg.model.strokes : 2] += 1.0  # only that axis of the anchors
        with torch.no_grad():
            hidden = [G.body(G.condition(G.seen_latent(x), labels)) for x in (z, moved)]
            images = [G(x, labels) for x in (z, moved)]
        assert torch.equal(hidden[0], hidden[1]) == (axis in hidden_axes)
        assert not torch.equal(images[0], images[1])  # the anchors move either way


def test_own_anchor_coordinates_leave_some_of_z_for_the_shapes():
    with pytest.raises(ConfigError, match=r"stroke_anchor_z=own keeps 10 of z's"):
        load_config(None, ["model.latent_dim=10", "model.stroke_anchor_z=own"])

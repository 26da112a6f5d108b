import numpy as np
import pytest

from ganbench.config import DataConfig
from ganbench.data.build import build_dataset, shapes_drawer
from ganbench.data.catalogue import BUILTIN_CLASSES, ShapeClassSpec
from ganbench.data.shapes import (
    Shape,
    ShapeClass,
    ShapeStyle,
    builtin,
    class_sequence,
    grey_level,
    render,
    render_dataset,
    resolve_classes,
)

CLEAN = ShapeStyle(antialias=False, colour_jitter=0)


def _rng(i: int = 0) -> np.random.Generator:
    return np.random.default_rng((7, i))


def _box(shape: Shape) -> tuple[int, int, int, int]:
    """The pixels (x0, y0, x1, y1) a shape may ink, from its truth alone."""
    x, y, s = *shape.position, shape.size
    if shape.kind in ("circle", "star"):
        return x - s, y - s, x + s, y + s
    if shape.kind == "line":
        return x, y, x + s, y + s
    if shape.kind == "wave":
        amplitude = max(1, round(s / 10))
        return x, y - amplitude - 1, x + s, y + amplitude + 1
    half = s // 2
    return x - half, y - half, x - half + s - 1, y - half + s - 1


def _must_ink(shape: Shape) -> list[tuple[int, int]]:
    """Pixels (x, y) that the primitive always inks."""
    x, y, s = *shape.position, shape.size
    if shape.kind == "circle":
        ring = [(x + s, y), (x - s, y), (x, y + s), (x, y - s)]
        return [*ring, (x, y)] if shape.filled else ring
    if shape.kind == "line":
        return [(x, y), (x + s // 2, y + s // 2), (x + s, y + s)]
    if shape.kind == "star":
        return [(x, y)]
    if shape.kind == "square":
        x0, y0 = x - s // 2, y - s // 2
        corners = [(x0, y0), (x0 + s - 1, y0), (x0, y0 + s - 1), (x0 + s - 1, y0 + s - 1)]
        return [*corners, (x, y)] if shape.filled else corners
    return []  # waves: checked column by column below


@pytest.mark.parametrize("name", list(BUILTIN_CLASSES))
@pytest.mark.parametrize("size", [64, 32])
def test_truth_explains_every_inked_pixel_and_each_shape_is_drawn(name, size):
    spec = BUILTIN_CLASSES[name]
    for i in range(5):
        img, truth = render(builtin(name), _rng(i), ShapeStyle(size, antialias=False))
        ink = (img != 255).any(axis=2)
        assert truth.label == name
        assert spec.count[0] <= truth.count <= spec.count[1]
        explained = np.zeros_like(ink)
        for shape in truth.shapes:
            assert shape.kind == spec.primitive and shape.filled == spec.filled
            x0, y0, x1, y1 = _box(shape)
            explained[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1] = True
            for px, py in _must_ink(shape):
                assert ink[py, px], f"{name}: no ink at {(px, py)} for {shape}"
            if shape.kind == "wave":
                (x, _), s = shape.position, shape.size
                assert ink[:, x].any() and ink[:, x + s].any()
            # colour: the class colour jittered by at most 50 per channel
            base = spec.colour
            assert all(abs(c - b) <= 50 for c, b in zip(shape.colour, base, strict=True))
        assert ink.any()
        assert not (ink & ~explained).any(), f"{name}: ink outside every annotated shape"


def test_seed_geometry_of_happy_and_angry_at_64px():
    _, truth = render(builtin("happy"), _rng(3), CLEAN)
    assert all(s.size == 5 and 10 <= min(s.position) <= max(s.position) <= 54 for s in truth.shapes)
    _, truth = render(builtin("angry"), _rng(3), CLEAN)
    assert all(
        s.size == 20 and 10 <= min(s.position) <= max(s.position) <= 24 for s in truth.shapes
    )
    assert truth.count == 5


def test_geometry_scales_with_image_size():
    img, truth = render(builtin("happy"), _rng(), ShapeStyle(image_size=32))
    assert img.shape == (32, 32, 3)
    assert all(5 <= s.position[0] <= 27 and s.size == 2 for s in truth.shapes)


def test_custom_class_from_config_draws_its_spec():
    cfg = DataConfig(
        classes=["happy", "dots"],
        custom_classes={
            "dots": {
                "primitive": "circle",
                "count": [2, 4],
                "size": [2, 3],
                "filled": True,
                "x": [20, 44],
                "y": [20, 44],
                "colour": [10, 200, 10],
            },
        },
        colour_jitter=0,
    )
    drawer = shapes_drawer(cfg)
    dots = drawer.classes[1]
    for i in range(10):
        img, truth = render(dots, _rng(i), ShapeStyle(antialias=False, colour_jitter=0))
        assert 2 <= truth.count <= 4
        for shape in truth.shapes:
            assert 2 <= shape.size <= 3 and shape.filled and shape.colour == (10, 200, 10)
            x, y = shape.position
            assert 20 <= x <= 44 and 20 <= y <= 44
            assert tuple(img[y, x]) == (10, 200, 10)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"primitive": "hexagon"}, "primitive"),
        ({"primitive": "line", "filled": True}, "only circles and squares"),
        ({"primitive": "circle", "count": [3, 1]}, "min <= max"),
    ],
)
def test_bad_custom_class_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        ShapeClassSpec.model_validate(spec)


def test_rendering_is_deterministic_per_seed_and_index():
    classes = [builtin("happy"), builtin("sad")]
    a, la, _ = render_dataset(classes, 6, seed=11)
    b, lb, _ = render_dataset(classes, 6, seed=11)
    c, _, _ = render_dataset(classes, 6, seed=12)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)
    assert la.tolist() == [0, 1, 0, 1, 0, 1]
    d, _, _ = render_dataset(classes, 3, seed=11)
    assert np.array_equal(a[:3], d)  # image i does not depend on how many are drawn


def test_monochrome_is_one_channel_ink_on_background():
    img, _ = render(builtin("joyful"), _rng(), ShapeStyle(monochrome=True))
    assert img.shape == (64, 64, 1)
    assert img.min() < 100 and np.median(img) == 255
    dark, _ = render(builtin("joyful"), _rng(), ShapeStyle(monochrome=True, background=(0, 0, 0)))
    assert dark.max() > 155 and np.median(dark) == 0


def test_background_colour():
    img, _ = render(builtin("happy"), _rng(), ShapeStyle(background=(20, 40, 60)))
    assert tuple(img[0, 0]) == (20, 40, 60)


def test_gaussian_noise_has_requested_sigma():
    grey = ShapeStyle(background=(128, 128, 128))
    clean, _ = render(builtin("angry"), _rng(1), grey)
    noisy, _ = render(
        builtin("angry"), _rng(1), ShapeStyle(background=(128, 128, 128), noise_std=10.0)
    )
    diff = noisy[clean == 128].astype(float) - 128
    assert abs(diff.mean()) < 0.3 and 9.5 < diff.std() < 10.5


def test_colour_jitter_statistics():
    _, truth = render(builtin("sad"), _rng(), ShapeStyle(colour_jitter=0))
    assert {s.colour for s in truth.shapes} == {BUILTIN_CLASSES["sad"].colour}
    offsets = []
    for i in range(300):
        _, truth = render(builtin("happy"), _rng(i), ShapeStyle(colour_jitter=50))
        offsets += [np.subtract(s.colour, (95, 114, 231)) for s in truth.shapes]
    offsets = np.array(offsets)
    assert offsets.min() >= -50 and offsets[:, :2].max() <= 50  # blue clips at 255
    # uniform on -50..50 per channel: mean 0, std ~29.2 (red and green are not clipped)
    assert abs(offsets[:, 0].mean()) < 2.5 and 27 < offsets[:, 0].std() < 31.5


def test_colour_schemes():
    names = ["happy", "angry"]
    swapped = resolve_classes(names, scheme="swapped")
    assert swapped[0].colour == BUILTIN_CLASSES["angry"].colour
    assert swapped[1].colour == BUILTIN_CLASSES["happy"].colour
    matched = resolve_classes([*names, "joyful"], scheme="intensity_matched")
    greys = [grey_level(c.colour) for c in matched]
    assert max(greys) - min(greys) <= 1
    own = resolve_classes(names, colours={"happy": (0, 0, 255)})
    assert own[0].colour == (0, 0, 255)


def test_class_proportions_are_exact_in_a_fixed_set():
    labels = class_sequence(1000, 2, [9, 1])
    assert np.bincount(labels).tolist() == [900, 100]
    labels = class_sequence(10, 3, [1, 1, 1])
    assert sorted(np.bincount(labels).tolist()) == [3, 3, 4]
    data = build_dataset(DataConfig(classes=["happy", "angry"], proportions=[9, 1], size=200), 0)
    assert data.class_counts() == [180, 20]


def test_stream_proportions_and_determinism():
    cfg = DataConfig(classes=["happy", "angry"], proportions=[9, 1], stream=True, image_size=32)
    stream = build_dataset(cfg, seed=3)
    _, labels = stream.batch(0, 400, seed=3)
    share = (labels == 0).float().mean().item()
    assert 0.85 < share < 0.95
    a, _ = stream.batch(5, 16, seed=3)
    b, _ = stream.batch(5, 16, seed=3)
    c, _ = stream.batch(6, 16, seed=3)
    assert a.equal(b) and not a.equal(c)


def test_stream_with_worker_processes_gives_the_same_batches():
    cfg = DataConfig(stream=True, image_size=32, size=64)
    plain = build_dataset(cfg, seed=1)
    workers = build_dataset(cfg.model_copy(update={"workers": 2}), seed=1)
    it = workers.batches(3, 8, seed=1)
    for step in (3, 4, 5):
        expected, expected_labels = plain.batch(step, 8, seed=1)
        got, got_labels = next(it)
        assert got.equal(expected) and got_labels.equal(expected_labels)
    it.close()


def test_fixed_set_in_worker_processes_matches_one_process():
    cfg = DataConfig(image_size=32, size=300)
    one = build_dataset(cfg, seed=2)
    many = build_dataset(cfg.model_copy(update={"workers": 2}), seed=2)
    assert one.images.equal(many.images) and one.labels.equal(many.labels)
    assert one.truth == many.truth


def test_disk_cache_round_trip(tmp_path):
    cfg = DataConfig(image_size=32, size=40, cache=True, cache_dir=str(tmp_path))
    first = build_dataset(cfg, seed=4)
    files = list(tmp_path.glob("shapes-*.npz"))
    assert len(files) == 1
    second = build_dataset(cfg, seed=4)
    assert first.images.equal(second.images) and first.truth == second.truth
    other = build_dataset(cfg.model_copy(update={"noise_std": 5.0}), seed=4)
    assert len(list(tmp_path.glob("shapes-*.npz"))) == 2 and not other.images.equal(first.images)
    files[0].write_bytes(b"not an npz")  # a damaged cache is regenerated, not trusted
    assert build_dataset(cfg, seed=4).images.equal(first.images)


def test_an_unwritable_cache_warns_and_the_set_is_still_built(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cfg = DataConfig(image_size=32, size=8, cache=True, cache_dir=str(blocker))
    built = build_dataset(cfg, seed=4)
    assert len(built.images) == 8
    assert "cannot write the shapes cache" in capsys.readouterr().err


def test_unknown_class_is_refused():
    with pytest.raises(ValueError, match="unknown shape class 'grumpy'"):
        DataConfig(classes=["happy", "grumpy"])


def test_shape_class_is_frozen():
    with pytest.raises(AttributeError):
        builtin("happy").name = "x"  # type: ignore[misc]
    assert isinstance(builtin("happy"), ShapeClass)

import numpy as np
import pytest

from ganbench.data.shapes import BASE_COLOURS, SHAPE_COUNTS, ShapeStyle, render, render_dataset


def _rng(i: int = 0) -> np.random.Generator:
    return np.random.default_rng((7, i))


@pytest.mark.parametrize("label", ["happy", "angry", "sad", "joyful"])
def test_each_class_draws_its_count_of_shapes_in_range(label):
    img, truth = render(label, _rng(), ShapeStyle())
    assert img.shape == (64, 64, 3) and img.dtype == np.uint8
    assert truth.label == label and truth.count == SHAPE_COUNTS[label]
    for shape in truth.shapes:
        x, y = shape.position
        assert 10 <= x <= 54 and 10 <= y <= 54
        # colour is the class base colour jittered by at most 50 per channel
        assert all(abs(c - b) <= 50 for c, b in zip(shape.colour, BASE_COLOURS[label], strict=True))
    assert (img < 255).any(), "something was drawn on the white background"


def test_happy_circles_have_seed_geometry_and_pixels_on_the_ring():
    img, truth = render("happy", _rng(3), ShapeStyle(antialias=False, colour_jitter=0))
    ink = (img != 255).any(axis=2)
    for shape in truth.shapes:
        assert shape.kind == "circle" and shape.size == 5
        x, y = shape.position
        # the ring passes through the four compass points at radius 5 and leaves the centre empty
        for dx, dy in ((5, 0), (-5, 0), (0, 5), (0, -5)):
            assert ink[y + dy, x + dx]
        if not any(
            abs(x - o.position[0]) < 7 and abs(y - o.position[1]) < 7
            for o in truth.shapes
            if o is not shape
        ):
            assert not ink[y, x]


def test_angry_lines_run_twenty_along_and_down():
    img, truth = render("angry", _rng(5), ShapeStyle(antialias=False, colour_jitter=0))
    ink = (img != 255).any(axis=2)
    for shape in truth.shapes:
        x, y = shape.position
        assert 10 <= x <= 24 and 10 <= y <= 24 and shape.size == 20
        assert ink[y, x] and ink[y + 10, x + 10] and ink[y + 20, x + 20]
    assert ink.sum() <= 5 * 21  # five 1-px diagonal lines and nothing else


def test_geometry_scales_with_image_size():
    img, truth = render("happy", _rng(), ShapeStyle(image_size=32))
    assert img.shape == (32, 32, 3)
    assert all(5 <= s.position[0] <= 27 and s.size == 2 for s in truth.shapes)


def test_rendering_is_deterministic_per_seed_and_index():
    a, la, _ = render_dataset(["happy", "sad"], 6, seed=11)
    b, lb, _ = render_dataset(["happy", "sad"], 6, seed=11)
    c, _, _ = render_dataset(["happy", "sad"], 6, seed=12)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)
    assert la.tolist() == [0, 1, 0, 1, 0, 1]
    # image i does not depend on how many images are drawn
    d, _, _ = render_dataset(["happy", "sad"], 3, seed=11)
    assert np.array_equal(a[:3], d)


def test_monochrome_is_one_channel_black_on_white():
    img, _ = render("joyful", _rng(), ShapeStyle(monochrome=True))
    assert img.shape == (64, 64, 1)
    assert img.min() < 100 and np.median(img) == 255


def test_gaussian_noise_has_requested_sigma():
    clean, _ = render("angry", _rng(1), ShapeStyle())
    noisy, _ = render("angry", _rng(1), ShapeStyle(noise_std=10.0))
    background = clean == 255
    diff = noisy[background].astype(float) - 255
    # clipped at 255, so only the lower half survives: E|N(0,10)| restricted to <0 is ~ -8
    assert -9.5 < diff[diff < 0].mean() < -6.5
    assert (noisy != clean).mean() > 0.4


def test_colour_jitter_zero_gives_base_colour():
    _, truth = render("sad", _rng(), ShapeStyle(colour_jitter=0))
    assert {s.colour for s in truth.shapes} == {BASE_COLOURS["sad"]}


def test_unknown_class_is_refused():
    with pytest.raises(ValueError, match="unknown shape class 'grumpy'"):
        render("grumpy", _rng())

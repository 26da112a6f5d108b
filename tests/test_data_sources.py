"""Toys, bundled digits, torchvision sets from local files, image folders, samplers."""

import struct

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.config import DataConfig, validate
from ganbench.data.build import build_dataset, build_unpaired
from ganbench.data.samplers import epoch_order
from ganbench.data.toys import grid_centres, ring_centres, sample_mixture
from ganbench.errors import ConfigError, DataError


def test_ring_has_distinct_centres_on_the_circle():
    centres = ring_centres(8, 2.0)
    assert centres.shape == (8, 2)
    assert np.allclose(np.linalg.norm(centres, axis=1), 2.0)
    distances = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    assert distances[~np.eye(8, dtype=bool)].min() > 1.5  # no two centres coincide
    assert np.allclose(centres[0], [2.0, 0.0]) and np.allclose(centres[2], [0.0, 2.0], atol=1e-12)


def test_grid_centres_are_the_25_points_of_minus4_to_4():
    centres = grid_centres(5, 2.0)
    assert centres.shape == (25, 2)
    assert {tuple(c) for c in centres} == {(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)}


def test_mixture_samples_sit_at_their_modes_with_the_requested_sigma():
    centres = ring_centres(8, 2.0)
    points, modes = sample_mixture(centres, 0.02, 20000, np.random.default_rng(0))
    offsets = points - centres[modes]
    assert abs(offsets.std() - 0.02) < 0.001
    assert np.bincount(modes, minlength=8).min() > 2200  # equal weights by default
    _, skewed = sample_mixture(centres, 0.02, 20000, np.random.default_rng(0), [9] + [1] * 7)
    assert abs((skewed == 0).mean() - 9 / 16) < 0.02


def test_toy_sources_build_point_sets_with_centres():
    ring = build_dataset(DataConfig(source="ring", size=512), seed=0)
    assert ring.data.shape == (512, 2) and ring.centres.shape == (8, 2)
    assert ring.class_names[0] == "mode0" and len(ring.class_names) == 8
    grid = build_dataset(DataConfig(source="grid", size=256), seed=0)
    assert grid.centres.shape == (25, 2)
    nearest = torch.cdist(grid.data, grid.centres).min(1).values
    assert nearest.max() < 0.05 * 6
    curve = build_dataset(DataConfig(source="curve", size=256, function="square"), seed=0)
    x, y = curve.data.T
    assert torch.allclose(y, x**2) and x.abs().max() <= 0.5


def test_grouped_sampler_gives_single_class_runs():
    labels = torch.arange(120) % 3
    order = epoch_order(labels, "grouped", 10, torch.Generator().manual_seed(0))
    assert sorted(order.tolist()) == list(range(120))
    runs = labels[order].view(12, 10)
    assert (runs == runs[:, :1]).all()  # every group of 10 is one class
    shuffled = epoch_order(labels, "shuffled", 10, torch.Generator().manual_seed(0))
    assert not (labels[shuffled].view(12, 10) == labels[shuffled].view(12, 10)[:, :1]).all()


def test_grouped_batches_from_a_data_set():
    cfg = DataConfig(image_size=32, size=64, sampler="grouped", group_size=16)
    data = build_dataset(cfg, seed=0)
    for step in range(4):
        _, labels = data.batch(step, 16, seed=0)
        assert len(set(labels.tolist())) == 1


def test_bundled_digits_and_their_labels():
    data = build_dataset(DataConfig(source="digits", image_size=32), seed=0)
    assert data.images.shape == (1497, 1, 32, 32) and data.images.dtype == torch.uint8
    assert data.class_names == [str(d) for d in range(10)]
    assert sorted(set(data.labels.tolist())) == list(range(10))
    held_out = build_dataset(DataConfig(source="digits", image_size=8, split="test"), seed=0)
    assert held_out.images.shape == (300, 1, 8, 8)
    # ink is bright on a dark background, as in MNIST
    assert held_out.images.float().mean() < 100 and held_out.images.max() > 200


def test_digit_subset_with_proportions():
    cfg = DataConfig(source="digits", image_size=8, classes=["3", "7"], proportions=[9, 1])
    data = build_dataset(cfg, seed=0)
    counts = data.class_counts()
    assert data.class_names == ["3", "7"] and counts[0] == pytest.approx(9 * counts[1], abs=9)


def test_stacked_digits_channels_hold_the_labelled_triple():
    from ganbench.data.digits import load_digits
    from ganbench.data.resize import resize_square

    cfg = DataConfig(source="stacked_digits", image_size=8, size=500)
    data = build_dataset(cfg, seed=5)
    assert data.images.shape == (500, 3, 8, 8) and len(data.class_names) == 1000
    digits, digit_labels = load_digits()
    digits = resize_square(digits, 8)
    for i in range(20):
        r, g, b = data.truth[i]
        assert data.labels[i].item() == 100 * r + 10 * g + b
        for channel, digit in enumerate((r, g, b)):
            match = (digits[:, 0] == data.images[i, channel]).all(dim=(1, 2))
            assert match.any() and digit_labels[match][0].item() == digit
    assert len(set(data.labels.tolist())) > 300  # many of the 1000 modes are present


def _write_idx(path, array: np.ndarray) -> None:
    codes = {1: 0x0801, 3: 0x0803}
    header = struct.pack(">I", codes[array.ndim]) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_from_local_idx_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 30), ("t10k", 10)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    data = build_dataset(DataConfig(source="mnist", root=str(tmp_path), image_size=28), seed=0)
    assert data.images.shape == (30, 1, 28, 28) and data.labels.tolist()[:3] == [0, 1, 2]
    test = build_dataset(
        DataConfig(source="mnist", root=str(tmp_path), image_size=32, split="test"), seed=0
    )
    assert test.images.shape == (10, 1, 32, 32)


@pytest.mark.parametrize("source", ["mnist", "fashion_mnist", "cifar10"])
def test_missing_torchvision_files_give_one_clear_error(tmp_path, source):
    with pytest.raises(DataError, match=f"{source} not found under .*nothing is downloaded"):
        build_dataset(DataConfig(source=source, root=str(tmp_path / "absent")), seed=0)


def _image_folder(root, colours, count=4, size=(40, 30)):
    for name, colour in colours.items():
        folder = root / name / "nested"
        folder.mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", size, colour).save(folder / f"{i}.png")
    return root


def test_folder_with_class_subfolders_and_a_corrupt_file(tmp_path):
    root = _image_folder(tmp_path / "imgs", {"cats": (200, 0, 0), "dogs": (0, 0, 200)})
    (root / "cats" / "broken.jpg").write_bytes(b"this is not a jpeg")
    (root / "dogs" / "notes.txt").write_text("ignored: not an image")
    cfg = DataConfig(source="folder", path=str(root), image_size=16)
    assert cfg.class_names == ["cats", "dogs"]
    data = build_dataset(cfg, seed=0)
    assert data.images.shape == (8, 3, 16, 16) and data.class_counts() == [4, 4]
    assert tuple(data.images[0, :, 8, 8].tolist()) == (200, 0, 0)
    assert len(data.notes) == 1 and "skipped 1 unreadable" in data.notes[0]
    assert "broken.jpg" in data.notes[0]


def test_folder_crop_and_flip_augmentation(tmp_path):
    root = tmp_path / "one"
    root.mkdir()
    left_dark = np.full((20, 20, 3), 255, np.uint8)
    left_dark[:, :10] = 0
    for i in range(4):
        Image.fromarray(left_dark).save(root / f"{i}.png")
    cfg = DataConfig(source="folder", path=str(root), image_size=16, crop_margin=4, flip=True)
    data = build_dataset(cfg, seed=0)
    assert data.images.shape[-1] == 20 and data.class_names == ["one"]
    flipped = 0
    for step in range(10):
        images, _ = data.batch(step, 4, seed=0)
        assert images.shape == (4, 3, 16, 16)
        flipped += (images[:, 0, :, 0] > 0).all(dim=1).sum().item()  # dark side moved right
    assert 0 < flipped < 40


def test_unpaired_folders(tmp_path):
    a = _image_folder(tmp_path / "horses", {"x": (255, 0, 0)}, count=3)
    b = _image_folder(tmp_path / "zebras", {"y": (0, 255, 0)}, count=5)
    cfg = DataConfig(source="folder", path=str(a), path_b=str(b), image_size=8)
    assert cfg.class_names == ["horses", "zebras"]
    both = build_dataset(cfg, seed=0)
    assert both.class_counts() == [3, 5]
    pair = build_unpaired(cfg, seed=0)
    images_a, images_b = pair.batch(0, 2, seed=0)
    assert (images_a[:, 0] > 0.9).all() and (images_b[:, 1] > 0.9).all()


def test_data_config_errors_name_the_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"needs data\.path"):
        validate({"data": {"source": "folder"}})
    with pytest.raises(ConfigError, match="no such folder"):
        validate({"data": {"source": "folder", "path": str(tmp_path / "nope")}})
    with pytest.raises(ConfigError, match="only the mlp model"):
        validate({"data": {"source": "ring"}})
    with pytest.raises(ConfigError, match="needs 4 non-negative shares"):
        validate({"data": {"proportions": [1, 2]}})
    with pytest.raises(ConfigError, match="not a class of digits"):
        validate({"data": {"source": "digits", "classes": ["x"]}})
    with pytest.raises(ConfigError, match="stream needs a synthetic source"):
        validate({"data": {"source": "digits", "stream": True}, "model": {"image_size": 64}})

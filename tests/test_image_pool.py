"""The history buffer of generated images (Shrivastava et al. 2017; CycleGAN)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file

from ganbench.training.image_pool import ImagePool


def _batch(start: int, n: int = 10) -> torch.Tensor:
    """Images whose every pixel holds their serial number, so origins are traceable."""
    ids = torch.arange(start, start + n, dtype=torch.float32)
    return ids.view(n, 1, 1, 1).expand(n, 2, 3, 3).clone()


def _ids(images: torch.Tensor) -> list[int]:
    return images[:, 0, 0, 0].long().tolist()


def test_pool_returns_new_images_until_full():
    pool = ImagePool(25, torch.Generator().manual_seed(0))
    for k in range(2):
        batch = _batch(10 * k)
        assert torch.equal(pool.query(batch), batch)
    assert len(pool) == 20
    assert _ids(pool.images) == list(range(20))
    out = pool.query(_batch(20))  # 5 fill the pool, the other 5 may be swapped
    assert _ids(out)[:5] == [20, 21, 22, 23, 24]
    assert len(pool) == 25
    stored = _ids(pool.images)
    assert set(range(20, 25)) <= set(stored) | set(_ids(out)[5:])
    assert len(set(stored)) == 25 and max(stored) < 30


def test_pool_swaps_about_half_once_full_and_returns_past_images():
    pool = ImagePool(50, torch.Generator().manual_seed(1))
    pool.query(_batch(0, 50))
    swapped = total = 0
    seen: set[int] = set(range(50))
    for k in range(1, 101):
        batch = _batch(50 * k, 50)
        out = pool.query(batch)
        ids = _ids(out)
        new = set(_ids(batch))
        for i, image_id in enumerate(ids):
            total += 1
            if image_id != 50 * k + i:
                swapped += 1
                # A swapped-in image is an earlier one (or one stored earlier in this batch),
                # never one from the future.
                assert image_id in seen or image_id in new
                assert image_id < 50 * k + i
        seen |= new
        stored = _ids(pool.images)
        assert len(stored) == len(set(stored)) == 50  # each past image kept at most once
        assert all(image_id < 50 * (k + 1) for image_id in stored)
    share = swapped / total
    assert abs(share - 0.5) < 0.03  # 5000 draws: std of the share is 0.007


def test_pool_returned_images_are_not_tied_to_the_buffer():
    pool = ImagePool(2, torch.Generator().manual_seed(0))
    pool.query(_batch(0, 2))
    out = pool.query(_batch(2, 20))
    before = out.clone()
    pool.query(_batch(100, 20))
    assert torch.equal(out, before)


def test_size_zero_passes_through():
    pool = ImagePool(0)
    batch = _batch(0)
    assert pool.query(batch) is batch
    assert len(pool) == 0
    tensors, meta = pool.state()
    assert meta == {"size": 0, "count": 0}
    assert set(tensors) == {"rng"}


def test_pool_is_reproducible_with_a_seeded_generator():
    def run(seed: int) -> list[int]:
        pool = ImagePool(8, torch.Generator().manual_seed(seed))
        return [i for k in range(6) for i in _ids(pool.query(_batch(10 * k)))]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_pool_gradients_flow_only_through_new_images():
    pool = ImagePool(4, torch.Generator().manual_seed(0))
    pool.query(_batch(0, 4))
    x = _batch(10, 30).requires_grad_()
    out = pool.query(x)
    out.sum().backward()
    kept = torch.tensor([i == 10 + k for k, i in enumerate(_ids(out))])
    assert 0 < kept.sum() < 30
    assert (x.grad[kept] == 1).all()
    assert (x.grad[~kept] == 0).all()


def test_state_round_trip_through_safetensors(tmp_path):
    pool = ImagePool(6, torch.Generator().manual_seed(5))
    pool.query(_batch(0, 4))
    empty_tensors, empty_meta = ImagePool(6).state()
    assert "images" not in empty_tensors and empty_meta["count"] == 0
    for k in range(1, 4):
        pool.query(_batch(10 * k, 4))
    tensors, meta = pool.state()
    assert meta == {"size": 6, "count": 6}
    assert all(isinstance(v, int) for v in meta.values())
    path = tmp_path / "pool.safetensors"
    save_file(tensors, str(path))
    restored = ImagePool(6, torch.Generator().manual_seed(999))
    restored.load_state(load_file(str(path)), meta)
    assert torch.equal(restored.images, pool.images)
    for k in range(4, 10):  # same future: same buffer and same draws
        assert torch.equal(restored.query(_batch(10 * k, 4)), pool.query(_batch(10 * k, 4)))
    with pytest.raises(ValueError, match="holds 6"):
        ImagePool(5).load_state(tensors, meta)


def test_state_of_a_partly_filled_pool_and_shape_check():
    pool = ImagePool(10, torch.Generator().manual_seed(0))
    pool.query(_batch(0, 3))
    tensors, meta = pool.state()
    restored = ImagePool(10)
    restored.load_state(tensors, meta)
    assert len(restored) == 3
    out = restored.query(_batch(3, 7))  # fills the remaining 7 slots
    assert _ids(out) == list(range(3, 10))
    assert sorted(_ids(restored.images)) == list(range(10))
    with pytest.raises(ValueError, match="shape"):
        restored.query(torch.zeros(2, 1, 3, 3))

"""Checks shared by the family tests."""

from __future__ import annotations

import torch


def assert_same_weights(first, second) -> None:
    """Two families hold equal tensors in every module (weights and buffers)."""
    assert first.modules.keys() == second.modules.keys()
    for name, module in first.modules.items():
        for a, b in zip(
            module.state_dict().values(),
            second.modules[name].state_dict().values(),
            strict=True,
        ):
            assert torch.equal(a, b), name

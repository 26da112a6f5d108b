import pytest
import torch

from ganbench.training import precision


def test_fp32_is_fp32():
    assert precision.compute_dtype("fp32", torch.device("cpu")) == torch.float32


def test_bf16_falls_back_to_fp32_with_a_warning_without_native_kernels(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_fast_bf16", lambda: False)
    with pytest.warns(RuntimeWarning, match="no native bf16 kernels"):
        assert precision.compute_dtype("bf16", torch.device("cpu")) == torch.float32


def test_bf16_autocasts_where_supported(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_fast_bf16", lambda: True)
    dtype = precision.compute_dtype("bf16", torch.device("cpu"))
    assert dtype == torch.bfloat16
    with precision.autocast(dtype, torch.device("cpu")):
        out = torch.nn.Linear(4, 4)(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16


def test_unknown_precision():
    with pytest.raises(ValueError, match="unknown precision"):
        precision.compute_dtype("fp8", torch.device("cpu"))

"""Which dtype a training step computes in, and the autocast context that applies it.

bf16 autocast on a CPU only pays off where oneDNN has native bf16 kernels (AVX512-BF16,
AMX or AVX-NE-CONVERT). Elsewhere, e.g. on AVX2-only x86 CPUs, PyTorch routes every bf16
convolution, transposed convolution and matmul to its reference kernels
(``aten::_slow_conv2d_forward``, ``slow_conv_transpose2d``, a scalar bf16 GEMM), which run
10-60x slower than fp32: a DCGAN step becomes ~15x slower. There, bf16 falls back to fp32.
"""

from __future__ import annotations

import contextlib
import functools
import warnings

import torch


@functools.cache
def cpu_has_fast_bf16() -> bool:
    """Whether oneDNN runs bf16 convolutions and matmuls natively on this CPU."""
    return torch.backends.mkldnn.is_available() and bool(
        torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


def compute_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype that ``precision`` ("fp32" or "bf16") computes in on ``device``."""
    if precision == "fp32":
        return torch.float32
    if precision != "bf16":
        raise ValueError(f"unknown precision {precision!r}; known: fp32, bf16")
    if device.type == "cpu" and not cpu_has_fast_bf16():
        warnings.warn(
            "precision=bf16: this CPU has no native bf16 kernels (AVX512-BF16 or AMX), "
            "where bf16 runs many times slower than fp32; computing in fp32 instead",
            RuntimeWarning,
            stacklevel=3,
        )
        return torch.float32
    return torch.bfloat16


def autocast(dtype: torch.dtype, device: torch.device) -> contextlib.AbstractContextManager:
    """Autocast to ``dtype`` on ``device``; a no-op for fp32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)

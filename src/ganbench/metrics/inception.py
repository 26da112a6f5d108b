"""Inception-v3 features from a local weights file only; ganbench never downloads.

The network is torchvision's ``inception_v3`` built without weights; its class count and
auxiliary head follow the file (``fc.weight`` rows, ``AuxLogits.*`` keys). A ``.safetensors``
file is read with safetensors, anything else with ``torch.load(weights_only=True)``, so no
file is ever unpickled. Images in [-1, 1] go in unchanged: that is the scaling the
Google-trained weights expect (what ``transform_input=True`` produces from ImageNet-normalised
input). They are resized to 299x299 bilinearly without antialiasing, as pytorch-fid does.

The features are torchvision's blocks, so scores are comparable with each other but not
exactly with TF-FID or pytorch-fid (whose Inception patches some pooling layers): report
them as "FD-inception" with the weights' checksum.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.data.dataset import to_float
from ganbench.digests import file_sha256
from ganbench.errors import EvaluationError

INPUT_SIZE = 299
FEATURE_DIM = 2048
HINT = "pass --inception-weights PATH to a local file; ganbench never downloads"


class InceptionFeatures(nn.Module):
    """An Inception-v3 returning its 2048-d pool features and its logits.

    Takes (N, C, H, W) floats in [-1, 1] or uint8; one channel is repeated to three.
    """

    feature_dim = FEATURE_DIM

    def __init__(self, net: nn.Module, name: str, checksum: str) -> None:
        super().__init__()
        self.net = net.eval()
        self.name = name
        self.checksum = checksum
        self._pool: torch.Tensor | None = None
        net.avgpool.register_forward_hook(self._keep_pool)

    def _keep_pool(self, module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        self._pool = output

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """Float 3x299x299 batch on the network's device."""
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise EvaluationError(
                f"Inception takes images (N, 1 or 3, H, W), got {tuple(images.shape)}"
            )
        x = images.to(self.device)
        x = to_float(x) if x.dtype == torch.uint8 else x.float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(
                x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False
            )
        return x

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pool features (N, 2048) and logits (N, classes)."""
        logits = self.net(self.prepare(images))
        if isinstance(logits, tuple):  # training mode with the auxiliary head
            logits = logits[0]
        assert self._pool is not None
        pool, self._pool = self._pool.flatten(1), None
        return pool, logits

    @torch.no_grad()
    def _map(self, images: torch.Tensor, batch_size: int, pick: int) -> torch.Tensor:
        was_training = self.training
        self.eval()
        try:
            out = [self(chunk)[pick].float().cpu() for chunk in images.split(batch_size)]
        finally:
            self.train(was_training)
        return torch.cat(out)

    def features(self, images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """2048-d pool features, on the CPU."""
        return self._map(images, batch_size, 0)

    def probabilities(self, images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """Softmax of the logits (for the Inception Score), on the CPU."""
        return self._map(images, batch_size, 1).softmax(1)


def load_inception(path: Path | str | None) -> InceptionFeatures:
    """Inception-v3 with the weights in ``path`` (safetensors or a state-dict .pth/.pt)."""
    if path is None or not Path(path).is_file():
        raise EvaluationError(f"no Inception weights file at {path}: {HINT}")
    path = Path(path)
    state = _read_state(path)
    fc = state.get("fc.weight")
    if fc is None or fc.ndim != 2 or fc.shape[1] != FEATURE_DIM:
        raise EvaluationError(
            f"{path} does not hold Inception-v3 weights (no 2048-wide fc.weight among its "
            f"{len(state)} keys): {HINT}"
        )
    from torchvision.models import inception_v3

    aux = any(k.startswith("AuxLogits.") for k in state)
    net = inception_v3(weights=None, aux_logits=aux, init_weights=False, num_classes=fc.shape[0])
    expected = net.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or wrong:
        raise EvaluationError(
            f"the keys of {path} do not fit torchvision's inception_v3: {len(missing)} missing "
            f"{missing[:3]}, {len(unexpected)} unexpected {unexpected[:3]}, {len(wrong)} of "
            f"the wrong shape {wrong[:3]}; {HINT}"
        )
    net.load_state_dict(state, strict=True)
    checksum = file_sha256(path)
    return InceptionFeatures(net, f"inception-{checksum[:12]}", checksum)


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    """A flat name -> tensor mapping, read without unpickling arbitrary objects."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            loaded: Any = load_file(path)
        else:
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # every reader failure means the same to the user
        raise EvaluationError(
            f"cannot read {path} as a state dict ({type(exc).__name__}: {str(exc)[:200]}); "
            "TorchScript archives such as clean-fid's inception-2015-12-05.pt are not state "
            f"dicts. {HINT}"
        ) from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(
        isinstance(v, torch.Tensor) for v in loaded.values()
    ):
        raise EvaluationError(f"{path} is not a state dict of tensors; {HINT}")
    return {k.removeprefix("module."): v for k, v in loaded.items()}

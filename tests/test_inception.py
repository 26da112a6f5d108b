from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torch.nn import functional as F
from torchvision.models import inception_v3

from ganbench.errors import EvaluationError
from ganbench.metrics.inception import load_inception


def test_a_missing_file_asks_for_a_local_path(tmp_path):
    with pytest.raises(EvaluationError, match=r"--inception-weights PATH.*never downloads"):
        load_inception(tmp_path / "absent.pth")
    with pytest.raises(EvaluationError, match="--inception-weights"):
        load_inception(None)


def test_a_random_inception_state_dict_loads_from_safetensors(tmp_path):
    torch.manual_seed(0)
    net = inception_v3(weights=None, aux_logits=False, init_weights=False).eval()
    path = tmp_path / "inception.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, path)
    model = load_inception(path)
    assert model.name.startswith("inception-") and len(model.checksum) == 64
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    pool, logits = model(images)
    assert pool.shape == (2, 2048) and logits.shape == (2, 1000)
    with torch.no_grad():
        expected = net(F.interpolate(images, size=(299, 299), mode="bilinear"))
    assert torch.allclose(logits.detach(), expected, atol=1e-4)
    assert torch.allclose(model.features(images), pool.detach(), atol=1e-5)
    probs = model.probabilities(images)
    assert torch.allclose(probs.sum(1), torch.ones(2), atol=1e-5)
    grey = model.features((images[:, :1] * 127.5 + 127.5).to(torch.uint8))
    assert grey.shape == (2, 2048)


def test_a_pth_state_dict_with_aux_head_and_other_classes_loads(tmp_path):
    net = inception_v3(weights=None, aux_logits=True, init_weights=False, num_classes=10)
    path = tmp_path / "inception.pth"
    torch.save(net.state_dict(), path)
    model = load_inception(path)
    pool, logits = model(torch.zeros(1, 3, 75, 75))
    assert pool.shape == (1, 2048) and logits.shape == (1, 10)


def _write(path: Path, state: dict) -> Path:
    torch.save(state, path)
    return path


def test_files_that_do_not_fit_are_refused_clearly(tmp_path):
    with pytest.raises(EvaluationError, match="do not fit"):
        load_inception(_write(tmp_path / "fc.pth", {"fc.weight": torch.zeros(10, 2048)}))
    with pytest.raises(EvaluationError, match="does not hold Inception-v3"):
        load_inception(_write(tmp_path / "other.pth", {"weight": torch.zeros(3)}))
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(EvaluationError, match="cannot read"):
        load_inception(garbage)
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(b"\x00" * 16)
    with pytest.raises(EvaluationError, match="cannot read"):
        load_inception(damaged)

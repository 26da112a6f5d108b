import pytest
import torch
from torch import nn

from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models


def _models(*overrides):
    cfg = load_config(
        "shapes-conv", ["model.arch=dense_conv", "model.conditioning=none", *overrides]
    )
    return build_models(cfg)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_dense_ends_around_eight_pixel_kernels(size):
    G, D = _models(f"data.image_size={size}", "model.g_width=8", "model.d_width=8")
    assert isinstance(G.dense[0], nn.Linear) and isinstance(D.net[-1], nn.Linear)
    layers = [*G.modules(), *D.modules()]
    convs = [m for m in layers if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    assert convs and all(m.kernel_size == (8, 8) and m.stride == (2, 2) for m in convs)
    assert G(torch.randn(3, 100)).shape == (3, 3, size, size)


def test_width_and_activation_follow_the_model_section():
    G, _ = _models("model.g_width=12", "model.g_activation=relu")
    widths = {m.out_channels for m in G.net if isinstance(m, nn.ConvTranspose2d)}
    assert 12 in widths and any(isinstance(m, nn.ReLU) for m in G.modules())


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("data.image_size=48", "cannot be built by the dense_conv model"),
        ("model.pack=2", "model.pack is built into the dcgan and mlp"),
        ("model.minibatch_std=true", "model.minibatch_std is built into the dcgan"),
    ],
)
def test_settings_it_cannot_build_are_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config("shapes-conv", ["model.arch=dense_conv", "model.conditioning=none", override])

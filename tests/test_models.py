import pytest
import torch
from torch import nn

from ganbench.config import load_config
from ganbench.models import build_models, sample_latent
from ganbench.models.conditioning import ConditionalBatchNorm2d, tile_label
from ganbench.models.init import INIT_SCHEMES, initialise


def _models(*overrides, recipe="shapes-conv"):
    cfg = load_config(recipe, ["model.g_width=8", "model.d_width=8", *overrides])
    return cfg, *build_models(cfg)


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("arch", ["dcgan", "dense_conv", "mlp", "strokes"])
@pytest.mark.parametrize("conditioning", ["none", "additive", "embedding"])
def test_output_shapes(size, arch, conditioning):
    cfg, G, D = _models(
        f"data.image_size={size}", f"model.arch={arch}", f"model.conditioning={conditioning}"
    )
    z = torch.randn(5, cfg.model.latent_dim)
    y = torch.tensor([0, 1, 2, 3, 0]) if cfg.conditional else None
    images = G(z, y)
    assert images.shape == (5, 3, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert D(images, y).shape == (5,)


def test_monochrome_models_have_one_channel():
    _cfg, G, _D = _models("data.monochrome=true", "data.image_size=28")
    assert G(torch.randn(2, 100), torch.tensor([0, 1])).shape == (2, 1, 28, 28)


def test_conditional_models_need_labels():
    _, G, _ = _models()
    with pytest.raises(ValueError, match="pass class labels"):
        G(torch.randn(2, 100))


def _layers(module, kind):
    return [m for m in module.modules() if isinstance(m, kind)]


def test_seed000_preset_is_the_seeds_stack():
    _, G, D = _models("model.g_width=256", "model.d_width=256", recipe="shapes-seed000")
    g_convs = _layers(G, nn.ConvTranspose2d)
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in g_convs] == [
        (100, 256, 4, 1),
        (256, 256, 4, 2),
        (256, 256, 4, 2),
        (256, 256, 4, 2),
        (256, 3, 4, 2),
    ]
    assert all(c.bias is None for c in g_convs)
    # LeakyReLU then BatchNorm after every layer, also the last (BatchNorm2d(3)), then Tanh
    g_seq = list(G.net)
    assert isinstance(g_seq[-1], nn.Tanh) and isinstance(g_seq[-2], nn.BatchNorm2d)
    assert g_seq[-2].num_features == 3 and isinstance(g_seq[-3], nn.LeakyReLU)
    d_convs = _layers(D, nn.Conv2d)
    assert [(c.in_channels, c.out_channels) for c in d_convs] == [
        (3, 256),
        (256, 256),
        (256, 256),
        (256, 256),
        (256, 1),
    ]
    assert len(_layers(D, nn.BatchNorm2d)) == 4
    assert isinstance(list(D.net)[1], nn.LeakyReLU) and isinstance(list(D.net)[2], nn.BatchNorm2d)
    assert isinstance(list(D.net)[-1], nn.LeakyReLU)  # the seed's LeakyReLU on the output


def test_radford_preset_halves_widths_and_uses_relu():
    _, G, D = _models("model.g_width=64", "model.d_width=64", recipe="shapes-radford")
    widths = [c.out_channels for c in _layers(G, nn.ConvTranspose2d)]
    assert widths == [512, 256, 128, 64, 3]
    assert _layers(G, nn.ReLU) and not _layers(G, nn.LeakyReLU)
    assert [c.out_channels for c in _layers(D, nn.Conv2d)] == [64, 128, 256, 512, 1]
    assert isinstance(list(D.net)[1], nn.LeakyReLU)  # no batch norm on D's first layer
    assert isinstance(list(G.net)[1], nn.BatchNorm2d)  # batch norm before the activation


def test_norm_position_after_puts_activation_first():
    _, G, _ = _models("model.norm_position=after")
    seq = list(G.net)
    norms = (nn.BatchNorm2d, ConditionalBatchNorm2d)
    assert isinstance(seq[1], nn.LeakyReLU) and isinstance(seq[2], norms)


def test_extra_layers_add_depth():
    _, G0, _ = _models()
    _, G1, _ = _models("model.extra_layers=1")
    assert len(_layers(G1, nn.Conv2d)) == len(_layers(G0, nn.Conv2d)) + 4


def test_tile_label_matches_the_seeds_repeat():
    labels = torch.tensor([2, 0])
    onehot = torch.nn.functional.one_hot(labels, 4).float()
    assert torch.equal(tile_label(labels, 4, (2, 100)), onehot.repeat(1, 25))
    tiled = tile_label(labels, 4, (2, 3, 64, 64))
    for i in range(2):  # the seed trains with batch size 1
        assert torch.equal(tiled[i : i + 1], onehot[i : i + 1].repeat(1, 3, 64, 16))


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
def test_init_schemes(scheme):
    torch.manual_seed(0)
    layer = nn.Sequential(nn.Conv2d(64, 64, 3), nn.BatchNorm2d(64))
    before = layer[0].weight.clone()
    initialise(layer, scheme)
    w = layer[0].weight
    if scheme == "default":
        assert torch.equal(w, before)
    elif scheme == "normal":
        assert abs(w.std().item() - 0.02) < 0.002
    elif scheme == "xavier":
        bound = (6 / (64 * 9 + 64 * 9)) ** 0.5
        assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound
    elif scheme == "orthogonal":
        flat = w.view(64, -1)
        assert torch.allclose(flat @ flat.t(), torch.eye(64), atol=1e-4)
    elif scheme == "kaiming":
        expected = (2 / (1 + 0.2**2) / (64 * 9)) ** 0.5
        assert abs(w.std().item() - expected) / expected < 0.05


def test_models_are_reproducible_from_the_seed():
    _, g1, _ = _models("seed=3")
    _, g2, _ = _models("seed=3")
    _, g3, _ = _models("seed=4")
    p1, p2, p3 = (next(g.parameters()) for g in (g1, g2, g3))
    assert torch.equal(p1, p2) and not torch.equal(p1, p3)


def test_uniform_latent_is_in_range():
    z = sample_latent(1000, 10, "uniform")
    assert z.min() >= -1 and z.max() <= 1 and abs(z.mean()) < 0.05

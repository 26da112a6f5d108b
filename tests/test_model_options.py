"""Class-conditional batch norm, the projection discriminator, nearest upsampling and a linear
output in G, and the EMA ramp-up."""

import math

import pytest
import torch
from torch import nn

from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.models.conditioning import ConditionalBatchNorm2d, ProjectionHead
from ganbench.models.dcgan import DCGANDiscriminator
from ganbench.models.ema import EMAGenerator
from ganbench.sampling import generate

SMALL = ["data.image_size=32", "model.g_width=8", "model.d_width=8", "model.latent_dim=16"]


def test_conditional_batch_norm_with_one_class_is_plain_batch_norm():
    torch.manual_seed(0)
    x = torch.randn(6, 5, 4, 4) * 3 + 1
    cbn, bn = ConditionalBatchNorm2d(5, 1), nn.BatchNorm2d(5)
    labels = torch.zeros(6, dtype=torch.long)
    assert torch.allclose(cbn(x, labels), bn(x), atol=1e-6)


def test_conditional_batch_norm_applies_each_class_gain_and_bias():
    cbn = ConditionalBatchNorm2d(2, 3).eval()  # running stats 0/1: the norm is the identity
    with torch.no_grad():
        cbn.gain.weight.copy_(torch.tensor([[1.0, 1.0], [2.0, 3.0], [1.0, 1.0]]))
        cbn.bias.weight.copy_(torch.tensor([[0.0, 0.0], [0.5, -1.0], [0.0, 0.0]]))
    x = torch.ones(1, 2, 1, 1)
    out = cbn(x, torch.tensor([1])).flatten()
    expected = torch.tensor([2.0, 3.0]) / math.sqrt(1 + cbn.norm.eps) + torch.tensor([0.5, -1.0])
    assert torch.allclose(out, expected)


def test_projection_is_the_inner_product_of_embedding_and_summed_features():
    head = ProjectionHead(3, 2)
    with torch.no_grad():
        head.embedding.weight.copy_(torch.tensor([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]]))
    features = torch.zeros(2, 3, 2, 2)
    features[:, 0] = 1.0  # channel 0 sums to 4
    features[:, 1, 0, 0] = 3.0  # channel 1 sums to 3
    features[:, 2] = 0.25  # channel 2 sums to 1
    out = head(features, torch.tensor([0, 1]))
    assert torch.allclose(out, torch.tensor([4 * 1.0 + 1 * -1.0, 4 * 0.5 + 3 * 2.0]))


def test_projection_discriminator_adds_the_class_term_to_the_unconditional_logit():
    cfg = load_config(
        "shapes-conv", [*SMALL, "model.d_conditioning=projection", "model.d_norm=none"]
    )
    D = DCGANDiscriminator(cfg.model, 32, 3, 4)
    x, y = torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 3])
    features = D.net(x)
    expected = D.head(features).flatten() + D.projection(features, y)
    assert torch.allclose(D(x, y), expected)
    # only the class term depends on the label
    assert not torch.allclose(D(x, y), D(x, torch.zeros(4, dtype=torch.long)))


def test_spectral_norm_covers_the_projection_embedding():
    projection = ["model.d_conditioning=projection", "model.spectral_norm=d", "model.d_norm=none"]
    cfg = load_config("shapes-conv", [*SMALL, *projection])
    _, D = build_models(cfg)
    assert hasattr(D.projection.embedding, "parametrizations")


@pytest.mark.parametrize("upsample", ["transposed", "nearest"])
def test_cbn_generator_changes_with_the_class_only_through_its_norms(upsample):
    cfg = load_config(
        "shapes-conv", [*SMALL, "model.g_conditioning=cbn", f"model.g_upsample={upsample}"]
    )
    G, _ = build_models(cfg)
    G.eval()
    z = torch.randn(1, 16).repeat(4, 1)
    images = G(z, torch.arange(4))
    assert images.shape == (4, 3, 32, 32)
    assert G.condition.out_dim == 16  # z enters unchanged
    with torch.no_grad():  # with identical class gains and biases, the class has no effect
        for module in G.modules():
            if isinstance(module, ConditionalBatchNorm2d):
                module.gain.weight.fill_(1.0)
                module.bias.weight.zero_()
    same = G(z, torch.arange(4))
    assert torch.allclose(same, same[:1].expand_as(same), atol=1e-6)


def test_nearest_upsampling_uses_no_transposed_convolution_after_the_first_layer():
    cfg = load_config("shapes-conv", [*SMALL, "model.g_upsample=nearest"])
    G, _ = build_models(cfg)
    transposed = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(transposed) == 1  # z -> 4x4 only
    assert any(isinstance(m, nn.Upsample) for m in G.modules())


def test_an_unconditional_model_drops_the_per_network_conditioning():
    cfg = load_config(
        "shapes-conv", ["model.conditioning=none"]
    )  # the recipe sets cbn + projection
    assert (cfg.model.g_condition, cfg.model.d_condition) == ("none", "none")
    G, D = build_models(cfg)
    assert D.projection is None
    assert not any(isinstance(m, ConditionalBatchNorm2d) for m in G.modules())


def test_cbn_without_batch_norm_falls_back_to_an_embedding_and_says_so():
    cfg = load_config("shapes-conv", [*SMALL, "model.g_conditioning=cbn", "model.g_norm=pixel"])
    assert any("g_conditioning=cbn" in note for note in cfg.advisories())
    G, _ = build_models(cfg)
    assert G.condition.mode == "embedding"
    assert not any(isinstance(m, ConditionalBatchNorm2d) for m in G.modules())


def test_ema_ramp_up_follows_the_stylegan2_ada_half_life():
    g = nn.Linear(2, 2)
    ema = EMAGenerator(g, decay=0.999, rampup=0.05)
    # half-life min(693, 0.05 t) steps: 5 steps at t=100, 35 at t=700
    assert ema.decay_at(100) == pytest.approx(0.5 ** (1 / 5))
    assert ema.decay_at(700) == pytest.approx(0.5 ** (1 / 35))
    assert ema.decay_at(10**6) == pytest.approx(0.999)
    assert EMAGenerator(g, decay=0.9).decay_at(3) == 0.9
    assert EMAGenerator(g, decay=0.9, start=5).decay_at(3) == 0.0


@pytest.mark.parametrize("arch", ["dcgan", "dense_conv", "mlp"])
@pytest.mark.parametrize(
    ("background", "monochrome", "expected"),
    [("[255, 255, 255]", "false", [1.0, 1.0, 1.0]), ("[0, 0, 0]", "true", [-1.0])],
)
def test_linear_output_starts_as_a_blank_canvas(background, monochrome, expected, arch):
    cfg = load_config(
        "shapes-conv",
        [*SMALL, "model.g_output=linear", f"data.background={background}",
         f"data.monochrome={monochrome}", f"model.arch={arch}"],
    )  # fmt: skip
    G, _ = build_models(cfg)
    images = G(torch.randn(4, 16), torch.arange(4))
    canvas = torch.tensor(expected).view(1, -1, 1, 1).expand_as(images)
    assert torch.equal(images, canvas)
    assert not any(isinstance(m, nn.Tanh) for m in G.modules())


def test_samples_of_a_linear_output_are_clamped_to_the_image_range():
    cfg = load_config("shapes-conv", [*SMALL, "model.g_output=linear"])
    G, _ = build_models(cfg)
    with torch.no_grad():
        G.output_layer.bias.fill_(3.0)
    images = generate(G, torch.randn(4, 16), torch.arange(4))
    assert images.max() == 1.0


def test_linear_output_under_spectral_norm_of_g_keeps_its_weights():
    cfg = load_config("shapes-conv", [*SMALL, "model.g_output=linear", "model.spectral_norm=both"])
    assert any("g_output=linear" in note for note in cfg.advisories())
    G, _ = build_models(cfg)
    images = G(torch.randn(4, 16), torch.arange(4))
    assert torch.isfinite(images).all() and images.std() > 0


def test_an_image_output_on_points_is_noted_and_not_on_image_architectures():
    points = load_config("ring-gan", ["model.g_output=alpha"])
    assert any("g_output=alpha" in note for note in points.advisories())
    for arch in ("mlp", "dense_conv"):
        images = load_config("shapes-conv", [*SMALL, "model.g_output=alpha", f"model.arch={arch}"])
        assert not any("g_output" in note for note in images.advisories())


def test_class_stddev_sees_collapse_within_a_class_that_mixed_groups_miss():
    from ganbench.models.conditioning import ClassStdDev

    labels = torch.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    # one image per class: identical within each class, different between classes
    collapsed = torch.stack([torch.full((2, 3, 3), float(k) * 5) for k in labels.tolist()])
    varied = collapsed + torch.randn(collapsed.shape)
    layer = ClassStdDev()
    spread_collapsed = layer(collapsed, labels)[:, -1]
    spread_varied = layer(varied, labels)[:, -1]
    assert spread_collapsed.max() < 1e-3
    assert spread_varied.min() > 0.3
    # each sample's channel is its own class's spread
    group = varied[labels == 1]
    expected = ((group - group.mean(0)).square().mean(0) + 1e-8).sqrt().mean()
    assert torch.allclose(spread_varied[1], torch.full((3, 3), expected.item()), atol=1e-6)


def test_class_stddev_gives_a_lonely_sample_zero_and_passes_gradients():
    from ganbench.models.conditioning import ClassStdDev

    x = torch.randn(3, 2, 2, 2, requires_grad=True)
    out = ClassStdDev()(x, torch.tensor([0, 0, 1]))
    assert torch.all(out[2, -1] == 0)
    out[:, -1].sum().backward()
    assert x.grad is not None and x.grad[:2].abs().sum() > 0


def test_class_stddev_needs_a_conditional_model():
    with pytest.raises(ConfigError, match="minibatch_std_groups=class"):
        load_config(
            None,
            ["model.minibatch_std=true", "model.minibatch_std_groups=class",
             "model.conditioning=none"],
        )  # fmt: skip


def test_class_stddev_map_shows_where_a_class_varies():
    from ganbench.models.conditioning import ClassStdDev

    labels = torch.tensor([0, 1, 0, 1, 0, 1])
    x = torch.zeros(6, 2, 3, 3)
    x[:, :, 0, 0] = torch.randn(6, 2) * 4  # every sample varies in one corner only
    flat = ClassStdDev()(x, labels)[:, -1]
    mapped = ClassStdDev(spatial=True)(x, labels)[:, -1]
    assert torch.allclose(flat.mean((1, 2)), mapped.mean((1, 2)), atol=1e-5)  # same total
    assert torch.all(flat == flat[:, :1, :1])  # one number across the map
    assert torch.all(mapped[:, 0, 0] > 1) and mapped[:, 1:, 1:].max() < 1e-3
    group = x[labels == 0]
    expected = ((group - group.mean(0)).square().mean(0) + 1e-8).sqrt().mean(0)
    assert torch.allclose(mapped[0], expected, atol=1e-6)
    with pytest.raises(ConfigError, match="minibatch_std_map"):
        load_config(None, ["model.minibatch_std=false", "model.minibatch_std_map=true"])
    cfg = load_config(None, ["model.g_width=8", "model.d_width=8", "model.minibatch_std_map=true"])
    _, D = build_models(cfg)
    assert any(getattr(layer, "spatial", False) for layer in D.modules())


def test_points_are_never_clamped():
    class FarPoints(nn.Module):
        def __init__(self):
            super().__init__()
            self.anchor = nn.Parameter(torch.zeros(()))

        def forward(self, z, labels=None):
            return z * 0 + 2.0 + self.anchor

    points = generate(FarPoints(), torch.randn(5, 2))
    assert torch.all(points == 2.0)


def test_g_detail_draws_exactly_what_the_loader_makes_of_small_images():
    from ganbench.data.resize import resize_square
    from ganbench.models.dcgan import through_detail

    torch.manual_seed(0)
    small = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    loaded = resize_square(small, 32).float()  # how 8x8 digits reach a 32-px model
    blocks = small.float().repeat_interleave(4, -1).repeat_interleave(4, -2)  # any 32-px image
    drawn = through_detail(blocks, 8)  # with those 4x4 block means
    assert (drawn - loaded).abs().max() <= 0.5  # the loader rounds to uint8
    cfg = load_config("stacked-digits-dcgan", ["model.g_width=8", "model.g_detail=8"])
    G, _ = build_models(cfg)
    G.eval()
    z = torch.randn(3, cfg.model.latent_dim)
    with torch.no_grad():
        image = G(z)
        G.detail = None
        raw = G(z)
    assert image.shape == (3, 3, 32, 32)
    torch.testing.assert_close(image, through_detail(raw, 8))
    # a fresh G's output is tiny (about 1e-4), so the detail lost is judged against its size
    assert (image - raw).abs().max() > 0.1 * raw.abs().max()
    for bad in (["model.g_detail=5"], ["model.g_detail=8", "model.arch=resnet"]):
        with pytest.raises(ConfigError, match="g_detail"):
            load_config("stacked-digits-dcgan", bad)

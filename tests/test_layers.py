"""The stabilisation layers: minibatch statistics, normalisation, equalised LR, attention,
packing."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.models.layers import (
    EqualisedConv2d,
    EqualisedConvTranspose2d,
    EqualisedLinear,
    MinibatchDiscrimination,
    MinibatchStdDev,
    PixelNorm,
    SelfAttention,
    pack,
    pack_by_class,
)

# -- minibatch standard deviation -------------------------------------------------------


def test_minibatch_std_appends_zero_for_identical_samples():
    x = torch.randn(1, 3, 5, 5).repeat(8, 1, 1, 1)
    out = MinibatchStdDev()(x)
    assert out.shape == (8, 4, 5, 5)
    assert torch.equal(out[:, :3], x)
    assert out[:, 3].abs().max() < 1e-3  # sqrt(eps) = 1e-4


def test_minibatch_std_two_sample_group_matches_hand_computation():
    a = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]], [[[0.0, 0.0], [0.0, 0.0]]]])  # (2,1,2,2)
    b = torch.tensor([[[[3.0, 2.0], [7.0, 0.0]]], [[[4.0, 4.0], [4.0, 4.0]]]])
    x = torch.cat([a, b], dim=1)  # (2, 2, 2, 2): two samples, two channels
    out = MinibatchStdDev(group_size=2)(x)
    # Population std of each (channel, pixel) pair over the two samples is |u - v| / 2:
    # channel 0: |1-0|, |2-0|, |3-0|, |4-0|; channel 1: |3-4|, |2-4|, |7-4|, |0-4|; halved,
    # both are 0.5, 1, 1.5, 2 -> mean 1.25.
    assert out.shape == (2, 3, 2, 2)
    torch.testing.assert_close(out[:, 2], torch.full((2, 2, 2), 1.25), atol=1e-4, rtol=0)


def test_minibatch_std_groups_are_strided_and_separate():
    # B = 4, group size 2 -> groups {0, 2} and {1, 3} (PGGAN's reshape(G, B/G, ...)).
    x = torch.tensor([0.0, 10.0, 2.0, 10.0]).view(4, 1, 1, 1)
    out = MinibatchStdDev(group_size=2)(x)[:, 1].flatten()
    torch.testing.assert_close(out, torch.tensor([1.0, 0.0, 1.0, 0.0]), atol=1e-3, rtol=0)


def test_minibatch_std_falls_back_to_a_divisor_of_the_batch():
    x = torch.randn(6, 2, 3, 3)  # 4 does not divide 6 -> groups of 3
    out = MinibatchStdDev(group_size=4)(x)
    y = out[:, 2, 0, 0]
    groups = x.view(3, 2, 2, 3, 3)  # (G=3, M=2, ...)
    expected = (groups.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
    torch.testing.assert_close(y, expected.repeat(3), atol=1e-5, rtol=1e-5)
    assert MinibatchStdDev()(torch.randn(1, 2, 3, 3))[:, 2].abs().max() < 1e-3  # B = 1
    assert MinibatchStdDev()(torch.randn(7, 2, 3, 3)).shape == (7, 3, 3, 3)  # prime batch


def test_minibatch_std_vectors_and_several_features():
    x = torch.randn(8, 6)
    out = MinibatchStdDev(group_size=4, features=2)(x)
    assert out.shape == (8, 8)
    assert torch.equal(out[:, :6], x)
    groups = x.view(4, 2, 2, 3)  # (G, M, features, F/features)
    expected = (groups.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=2)  # (M, 2)
    torch.testing.assert_close(out[:, 6:], expected.repeat(4, 1))
    with pytest.raises(ValueError, match="features"):
        MinibatchStdDev(features=4)(torch.randn(4, 6))


def test_minibatch_std_map_keeps_the_positions():
    x = torch.randn(8, 4, 3, 3)
    out = MinibatchStdDev(group_size=4, features=2, spatial=True)(x)[:, 4:]
    groups = x.view(4, 2, 2, 2, 3, 3)  # (G, M, features, C / features, H, W)
    expected = (groups.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=2)  # (M, 2, H, W)
    torch.testing.assert_close(out, expected.repeat(4, 1, 1, 1))


def test_minibatch_std_passes_gradients():
    x = torch.randn(4, 3, 4, 4, requires_grad=True)
    MinibatchStdDev()(x)[:, 3].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


# -- minibatch discrimination ----------------------------------------------------------


def test_minibatch_discrimination_shape_and_passthrough():
    layer = MinibatchDiscrimination(12, kernels=5, kernel_dim=3)
    x = torch.randn(7, 3, 2, 2)  # flattened to 12 features
    out = layer(x)
    assert out.shape == (7, 17)
    assert torch.equal(out[:, :12], x.flatten(1))


def test_minibatch_discrimination_identical_rows_score_higher():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(10, kernels=4, kernel_dim=5)
    same = torch.randn(1, 10).repeat(6, 1)
    apart = torch.randn(6, 10) * 10
    o_same, o_apart = layer(same)[:, 10:], layer(apart)[:, 10:]
    # Identical rows: distance 0 to the other 5 samples -> exp(0) summed = 5 per kernel.
    torch.testing.assert_close(o_same, torch.full((6, 4), 5.0))
    assert (o_apart < 0.5).all()
    assert layer(torch.randn(1, 10))[:, 10:].abs().max() == 0  # no other sample


def test_minibatch_discrimination_matches_the_definition():
    torch.manual_seed(1)
    layer = MinibatchDiscrimination(6, kernels=3, kernel_dim=2)
    x = torch.randn(4, 6)
    m = (x @ layer.T).view(4, 3, 2)
    expected = torch.zeros(4, 3)
    for i in range(4):
        for j in range(4):
            if i != j:
                expected[i] += torch.exp(-(m[i] - m[j]).abs().sum(dim=1))
    torch.testing.assert_close(layer(x)[:, 6:], expected)
    layer(x)[:, 6:].sum().backward()
    assert layer.T.grad is not None and layer.T.grad.abs().sum() > 0


# -- pixel norm -----------------------------------------------------------------------


def test_pixel_norm_gives_unit_rms_over_channels():
    x = torch.randn(3, 16, 5, 5) * torch.rand(3, 1, 5, 5) * 10
    out = PixelNorm()(x)
    rms = out.square().mean(dim=1).sqrt()
    torch.testing.assert_close(rms, torch.ones_like(rms), atol=1e-5, rtol=0)
    # Direction at each pixel is kept.
    torch.testing.assert_close(out * x.square().mean(dim=1, keepdim=True).sqrt(), x)
    v = PixelNorm()(torch.tensor([[3.0, 4.0]]))
    torch.testing.assert_close(v, torch.tensor([[3.0, 4.0]]) / math.sqrt(12.5))


# -- equalised learning rate ----------------------------------------------------------


def test_equalised_layers_store_unit_normal_weights_and_zero_bias():
    torch.manual_seed(0)
    for layer in (
        EqualisedConv2d(32, 64, 3, 1, 1),
        EqualisedConvTranspose2d(32, 64, 4, 2, 1),
        EqualisedLinear(256, 128),
    ):
        assert abs(layer.weight.std().item() - 1.0) < 0.05
        assert abs(layer.weight.mean().item()) < 0.05
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))


def test_equalised_layers_are_drop_in_subclasses():
    assert isinstance(EqualisedConv2d(3, 4, 3, bias=False), nn.Conv2d)
    assert isinstance(EqualisedConvTranspose2d(3, 4, 4, 2, 1, bias=False), nn.ConvTranspose2d)
    assert isinstance(EqualisedLinear(3, 4, bias=False), nn.Linear)
    assert EqualisedConv2d(3, 4, 3, bias=False).bias is None


def test_equalised_conv_equals_a_plain_conv_with_he_scaled_weights():
    torch.manual_seed(0)
    layer = EqualisedConv2d(8, 5, 3, stride=2, padding=1)
    nn.init.normal_(layer.bias)
    scale = math.sqrt(2.0 / (8 * 3 * 3))
    assert layer.scale == pytest.approx(scale)
    x = torch.randn(2, 8, 9, 9)
    plain = F.conv2d(x, layer.weight * scale, layer.bias, stride=2, padding=1)
    torch.testing.assert_close(layer(x), plain)


def test_equalised_conv_transpose_equals_plain_with_scaled_weights():
    torch.manual_seed(0)
    layer = EqualisedConvTranspose2d(6, 4, 4, 2, 1)
    scale = math.sqrt(2.0 / (6 * 4 * 4))
    assert layer.scale == pytest.approx(scale)
    x = torch.randn(2, 6, 5, 5)
    plain = F.conv_transpose2d(x, layer.weight * scale, layer.bias, stride=2, padding=1)
    out = layer(x)
    assert out.shape == (2, 4, 10, 10)
    torch.testing.assert_close(out, plain)
    assert layer(x, output_size=[11, 11]).shape == (2, 4, 11, 11)


def test_equalised_linear_equals_plain_and_scales_gradients():
    torch.manual_seed(0)
    layer = EqualisedLinear(50, 3)
    scale = math.sqrt(2.0 / 50)
    plain = nn.Linear(50, 3)
    with torch.no_grad():
        plain.weight.copy_(layer.weight * scale)
        plain.bias.copy_(layer.bias)
    x = torch.randn(4, 50)
    torch.testing.assert_close(layer(x), plain(x))
    layer(x).square().sum().backward()
    plain(x).square().sum().backward()
    # d/dw of f(c w) is c f'(c w): the stored weight's gradient is scaled by c.
    torch.testing.assert_close(layer.weight.grad, plain.weight.grad * scale)
    torch.testing.assert_close(layer.bias.grad, plain.bias.grad)


def test_equalised_gain_keeps_activations_at_unit_scale():
    torch.manual_seed(0)
    layer = EqualisedConv2d(64, 64, 3, 1, 1, bias=False)
    out = layer(torch.randn(8, 64, 8, 8))[:, :, 1:-1, 1:-1]  # interior: full fan-in
    assert out.square().mean().item() == pytest.approx(2.0, rel=0.15)  # He: var = gain^2


# -- self-attention --------------------------------------------------------------------


def test_self_attention_is_identity_at_init_and_changes_after_gamma():
    torch.manual_seed(0)
    block = SelfAttention(16)
    assert block.f.out_channels == 2 and block.g.out_channels == 2
    assert block.h.out_channels == 16
    assert block.gamma.item() == 0
    x = torch.randn(2, 16, 6, 6)
    torch.testing.assert_close(block(x), x)
    with torch.no_grad():
        block.gamma.fill_(1.0)
    out = block(x)
    assert out.shape == x.shape
    assert (out - x).abs().max() > 1e-3


def test_self_attention_matches_the_definition():
    torch.manual_seed(0)
    block = SelfAttention(8)
    with torch.no_grad():
        block.gamma.fill_(0.5)
    x = torch.randn(1, 8, 3, 3)
    f = block.f(x).flatten(2)[0]  # (1, N)
    g = block.g(x).flatten(2)[0]
    h = block.h(x).flatten(2)[0]  # (8, N)
    n = f.shape[1]
    expected = torch.empty(8, n)
    for j in range(n):
        s = torch.stack([f[:, i] @ g[:, j] for i in range(n)])  # s_ij over i
        beta = torch.softmax(s, dim=0)
        expected[:, j] = (h * beta[None, :]).sum(dim=1)
    torch.testing.assert_close(block(x), 0.5 * expected.view(1, 8, 3, 3) + x)


def test_self_attention_gamma_receives_gradient():
    block = SelfAttention(8)
    block(torch.randn(2, 8, 4, 4)).sum().backward()
    assert block.gamma.grad is not None and block.gamma.grad.abs().item() > 0


# -- PacGAN packing --------------------------------------------------------------------


def test_pack_groups_consecutive_samples_along_channels():
    x = torch.arange(6 * 2 * 3 * 3, dtype=torch.float32).view(6, 2, 3, 3)
    packed = pack(x, 3)
    assert packed.shape == (2, 6, 3, 3)
    torch.testing.assert_close(packed[0], torch.cat([x[0], x[1], x[2]], dim=0))
    torch.testing.assert_close(packed[1], torch.cat([x[3], x[4], x[5]], dim=0))
    v = torch.arange(8.0).view(4, 2)
    torch.testing.assert_close(pack(v, 2), torch.tensor([[0.0, 1, 2, 3], [4, 5, 6, 7]]))
    assert pack(x, 1) is x


def test_pack_by_class_packs_each_class_apart_and_fills_short_packs():
    x = torch.arange(6.0).view(6, 1, 1, 1)
    labels = torch.tensor([0, 1, 0, 1, 2, 0])
    packed, pack_labels = pack_by_class(x, labels, 2)
    assert packed.flatten(1).tolist() == [[0, 2], [5, 0], [1, 3], [4, 4]]
    assert pack_labels.tolist() == [0, 0, 1, 2]
    assert pack_by_class(x, labels, 1)[0] is x


def test_pack_refuses_indivisible_batches():
    with pytest.raises(ValueError, match="packs of 4"):
        pack(torch.zeros(6, 1, 2, 2), 4)
    with pytest.raises(ValueError):
        pack(torch.zeros(4, 3), 0)

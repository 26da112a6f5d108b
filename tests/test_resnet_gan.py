"""The SNGAN/BigGAN-style residual networks (``model.arch=resnet``): shapes through every
block, class-conditional batch norm, skip-z, self-attention placement, the conditioning
heads, and the config errors a user can cause."""

from __future__ import annotations

import pytest
import torch

from ganbench.config import ModelConfig, load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.models.resnet_gan import (
    ConditionedBatchNorm,
    DiscriminatorBlock,
    GeneratorBlock,
    ResNetGenerator,
)


def _networks(*overrides: str):
    cfg = load_config(
        "shapes-conv", ["model.arch=resnet", "model.g_width=8", "model.d_width=8", *overrides]
    )
    return cfg, *build_models(cfg)


def test_residual_blocks_double_and_halve_the_resolution():
    x = torch.randn(2, 6, 8, 8)
    assert GeneratorBlock(6, 4, 0, 0)(x, None).shape == (2, 4, 16, 16)
    assert DiscriminatorBlock(6, 4, first=True)(x).shape == (2, 4, 4, 4)
    assert DiscriminatorBlock(6, 4)(x).shape == (2, 4, 4, 4)
    assert GeneratorBlock(6, 4, 0, 0, upsample=False)(x, None).shape == (2, 4, 8, 8)
    assert DiscriminatorBlock(6, 4, downsample=False)(x).shape == (2, 4, 8, 8)


def test_deeper_stages_add_blocks_that_keep_the_resolution():
    _, G, D = _networks("model.blocks_per_stage=3", "model.skip_z=true", "model.latent_dim=20")
    _, G1, D1 = _networks("model.skip_z=true", "model.latent_dim=20")
    assert len(G.blocks) == 3 * len(G1.blocks) and len(D.blocks) == 3 * len(D1.blocks)
    assert G.chunks == G1.chunks  # the blocks of a stage read the stage's chunk of z
    # only blocks that change the shape learn a shortcut (SNGAN); with one block a stage, all do
    learned = [not isinstance(b.shortcut, torch.nn.Identity) for b in G.blocks]
    assert learned == [True, False, False] * len(G1.blocks)
    assert all(not isinstance(b.shortcut, torch.nn.Identity) for b in [*G1.blocks, *D1.blocks])
    resolutions = []
    hooks = [
        b.register_forward_hook(lambda m, i, o: resolutions.append(o.shape[-1])) for b in G.blocks
    ]
    images = G(torch.randn(2, 20), torch.tensor([0, 1]))
    assert resolutions == [8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64]
    assert images.shape == (2, 3, 64, 64) and D(images, torch.tensor([0, 1])).shape == (2,)
    for hook in hooks:
        hook.remove()
    _, G_sa, D_sa = _networks("model.blocks_per_stage=2", "model.self_attention=16")
    assert list(G_sa.attention) == ["2"] and list(D_sa.attention) == ["3"]  # after 16 px


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize(
    "conditioning",
    [
        ["model.g_conditioning=cbn", "model.d_conditioning=projection"],
        ["model.g_conditioning=embedding", "model.d_conditioning=embedding"],
        ["model.d_conditioning=tacgan"],
        ["model.conditioning=none"],
    ],
)
def test_every_size_and_conditioning_gives_images_and_logits(size, conditioning):
    cfg, G, D = _networks(f"data.image_size={size}", *conditioning)
    z = torch.randn(3, cfg.model.latent_dim)
    labels = torch.tensor([0, 1, 2]) if cfg.conditional else None
    images = G(z, labels)
    assert images.shape == (3, 3, size, size)
    assert D(images, labels).shape == (3,)


def test_class_conditional_batch_norm_with_one_class_is_plain_batch_norm():
    x = torch.randn(5, 4, 3, 3)
    conditioned = ConditionedBatchNorm(4, num_classes=1)
    plain = torch.nn.BatchNorm2d(4)
    assert torch.allclose(conditioned(x, torch.zeros(5, dtype=torch.long)), plain(x), atol=1e-6)


def test_skip_z_gives_each_block_its_own_chunk_of_z():
    _, G, _ = _networks("model.skip_z=true", "model.latent_dim=20")
    assert isinstance(G, ResNetGenerator) and sum(G.chunks) == 20 and len(G.chunks) == 5
    G.eval()  # batch statistics would mix the samples
    outputs: list[torch.Tensor] = []
    hooks = [b.register_forward_hook(lambda m, i, o: outputs.append(o)) for b in G.blocks]
    labels = torch.tensor([1])
    z = torch.randn(1, 20)
    G(z, labels)
    before, outputs[:] = list(outputs), []
    offsets = torch.cumsum(torch.tensor([0, *G.chunks]), 0).tolist()
    for block in range(len(G.blocks)):
        start, end = offsets[block + 1], offsets[block + 2]  # this block's chunk
        changed = z.clone()
        changed[:, start:end] += 1.0
        outputs.clear()
        G(changed, labels)
        for earlier in range(block):
            assert torch.equal(outputs[earlier], before[earlier]), (block, earlier)
        assert not torch.allclose(outputs[block], before[block]), block
    for hook in hooks:
        hook.remove()


def test_self_attention_sits_where_asked_in_both_networks():
    _, G, D = _networks("model.self_attention=16")
    assert list(G.attention) == ["2"]  # after the block that makes 16x16 (4 -> 8 -> 16)
    assert list(D.attention) == ["1"]  # after the block that makes 16x16 (64 -> 32 -> 16)
    with pytest.raises(ConfigError, match=r"model\.self_attention=12 is not an inner resolution"):
        _networks("model.self_attention=12")


def test_projection_adds_the_class_embedding_times_the_pooled_features():
    _, _, D = _networks("model.d_conditioning=projection")
    images, labels = torch.randn(2, 3, 64, 64), torch.tensor([0, 3])
    features = []
    D.blocks[-1].register_forward_hook(lambda m, i, o: features.append(torch.relu(o)))
    logits = D(images, labels)
    pooled = features[0].sum(dim=(2, 3))
    expected = D.head(pooled).flatten() + (D.projection.embedding(labels) * pooled).sum(1)
    assert torch.allclose(logits, expected, atol=1e-5)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model.arch=dcgan", "model.skip_z=true"], r"skip_z splits z over the resnet"),
        (["model.minibatch_std=true"], r"minibatch_std is built into the dcgan"),
        (["data.image_size=48"], r"cannot be built by the resnet model"),
        (["model.arch=dcgan", "model.blocks_per_stage=2"], r"blocks_per_stage=2 stacks residual"),
    ],
)
def test_bad_combinations_are_refused_with_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config("shapes-conv", ["model.arch=resnet", *overrides])


def test_a_latent_too_short_for_skip_z_names_the_fix():
    cfg = ModelConfig(arch="resnet", skip_z=True, latent_dim=3)
    with pytest.raises(ValueError, match="raise latent_dim to at least 5"):
        ResNetGenerator(cfg, 64, 3, 4)


def test_the_biggan_lite_recipe_trains_a_few_steps(tmp_path):
    from ganbench.cli import main

    assert main([
        "train", "shapes-biggan-lite", "data.image_size=32", "data.size=64",
        "model.g_width=4", "model.d_width=4", "schedule.batch_size=8", "schedule.steps=2",
        "logging.progress=false", "logging.report=false", "logging.tensorboard=false",
        f"logging.root={tmp_path}", "logging.name=lite",
    ]) == 0  # fmt: skip
    assert (tmp_path / "lite" / "checkpoints").is_dir()


def test_conditioning_on_a_folder_without_classes_is_refused(tmp_path):
    from PIL import Image

    for i in range(2):
        Image.new("RGB", (8, 8), (i * 90, 0, 0)).save(tmp_path / f"{i}.png")
    folder = ["data.source=folder", f"data.path={tmp_path}"]
    with pytest.raises(ConfigError, match=r"has no class subfolders \(one class\)"):
        load_config("shapes-conv", folder)
    assert not load_config("shapes-conv", [*folder, "model.conditioning=none"]).conditional

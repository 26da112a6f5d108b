"""Spectral norm, EMA, truncation, PacGAN packing, LR decay, conflicts, and every trick training
and resuming exactly."""

import pytest
import torch
from torch import nn

from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import apply_spectral_norm, build_models
from ganbench.models.ema import EMAGenerator
from ganbench.models.truncation import truncate_latent
from ganbench.training import checkpoint
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer, lr_factor


def test_spectral_norm_bounds_the_largest_singular_value_to_one():
    torch.manual_seed(0)
    layer = nn.Linear(32, 16)
    with torch.no_grad():
        layer.weight.mul_(10)
    assert torch.linalg.matrix_norm(layer.weight, ord=2) > 5
    apply_spectral_norm(nn.Sequential(layer))
    layer.train()
    for _ in range(30):  # one power iteration per training forward pass
        layer(torch.randn(4, 32))
    sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2).item()
    assert sigma == pytest.approx(1.0, abs=0.02)


def test_spectral_norm_reaches_every_layer_of_the_discriminator(tiny):
    cfg = load_config("shapes-conv", [*tiny, "model.spectral_norm=d"])
    generator, discriminator = build_models(cfg)
    convs = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(hasattr(m, "parametrizations") for m in convs)
    assert not any(hasattr(m, "parametrizations") for m in generator.modules())


def test_ema_weights_follow_the_formula():
    torch.manual_seed(0)
    g = nn.Linear(3, 2)
    ema = EMAGenerator(g, decay=0.9, start=0)
    before = ema.model.weight.detach().clone()
    with torch.no_grad():
        g.weight.add_(1.0)
    ema.update(g, step=1)
    assert torch.allclose(ema.model.weight, 0.9 * before + 0.1 * g.weight)
    # before `start` the copy follows G exactly
    late = EMAGenerator(g, decay=0.9, start=5)
    with torch.no_grad():
        g.weight.add_(1.0)
    late.update(g, step=3)
    assert torch.equal(late.model.weight, g.weight)


def test_truncation_redraws_entries_beyond_the_threshold():
    z = torch.randn(4000, 8, generator=torch.Generator().manual_seed(0))
    t = truncate_latent(z, 0.5, torch.Generator().manual_seed(1))
    assert t.abs().max() <= 0.5
    inside = z.abs() <= 0.5
    assert torch.equal(t[inside], z[inside])  # entries within the threshold are kept
    # a truncated standard normal on [-0.5, 0.5] has std ~0.2809
    assert t.std().item() == pytest.approx(0.2809, abs=0.01)
    with pytest.raises(ValueError):
        truncate_latent(z, 0.0)


def test_packed_discriminator_judges_m_samples_jointly(tiny):
    cfg = load_config("shapes-conv", [*tiny, "model.conditioning=none", "model.pack=4"])
    _, discriminator = build_models(cfg)
    images = torch.randn(16, 3, 32, 32)
    assert discriminator(images).shape == (4,)
    # the logit of pack k depends on samples 4k..4k+3 only
    changed = images.clone()
    changed[5] += 1.0
    discriminator.eval()
    a, b = discriminator(images), discriminator(changed)
    assert torch.equal(a[[0, 2, 3]], b[[0, 2, 3]]) and not torch.equal(a[1], b[1])


def test_conditional_packs_hold_one_class_each(tiny):
    cfg = load_config("shapes-conv", [*tiny, "model.pack=2"])
    _, discriminator = build_models(cfg)
    discriminator.eval()
    images = torch.randn(12, 3, 32, 32)
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 0, 1])  # classes 2 and 3 twice
    logits = discriminator(images, labels)
    assert logits.shape == (6,)  # classes 0 and 1: two packs each, 2 and 3: one each
    changed = images.clone()
    changed[3] += 1.0  # a class-3 image: only class 3's pack (the last) moves
    moved = discriminator(changed, labels) != logits
    assert moved.tolist() == [False] * 5 + [True]


def test_linear_lr_decay():
    assert lr_factor(50, "linear", 100, 200) == 1.0
    assert lr_factor(150, "linear", 100, 200) == pytest.approx(0.5)
    assert lr_factor(200, "linear", 100, 200) == 0.0
    assert lr_factor(150, "none", 100, 200) == 1.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["objective.loss=wgan_clip", "model.spectral_norm=d"], "undoes the spectral"),
        (["objective.loss=hinge", "objective.real_label=0.9"], "cross-entropy"),
        (["model.pack=3"], "must divide"),
        (["model.arch=mlp", "model.pack=2"], "packs each class apart"),
        (["objective.image_pool=50"], "labels"),
        (["model.latent_distribution=uniform", "sampling.truncation=0.5"], "gaussian"),
        (["model.self_attention=5"], "allowed: 4, 8, 16"),
        (["objective.diffaugment=colour"], "unknown policy"),
        (["objective.real_label=0.1", "objective.fake_label=0.2"], "must exceed"),
    ],
)
def test_incompatible_combinations_are_refused_with_the_reason(tiny, overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config("shapes-conv", [*tiny, *overrides])


def test_doubtful_combinations_are_flagged():
    cfg = load_config("shapes-conv", ["objective.loss=wgan_gp"])
    notes = " ".join(cfg.advisories())
    assert "layer norm" in notes and "d_steps" in notes
    assert load_config("shapes-conv", []).advisories() == []


def _tensors(trainer):
    return checkpoint.family_tensors(trainer.family)[0]


TRICK_SETS = {
    "lsgan": ["objective.loss=least_squares", "objective.ls_a=-1", "objective.ls_c=0"],
    "wgan-clip": ["objective.loss=wgan_clip", "schedule.d_steps=3"],
    "wgan-gp": ["objective.loss=wgan_gp", "model.d_norm=layer", "schedule.d_steps=2"],
    "hinge-sn-ema": [
        "objective.loss=hinge",
        "model.spectral_norm=both",
        "model.d_norm=none",
        "schedule.ema=0.9",
        "optimiser.lr_decay=linear",
    ],
    "label-tricks": ["objective.soft_labels=true", "objective.label_flip=0.1"],
    "strokes": [
        "model.arch=strokes",
        "model.stroke_presence=hard",
        "model.minibatch_std=true",
        "model.minibatch_std_groups=class",
    ],
    "regularisers": [
        "objective.r1_gamma=1",
        "objective.consistency=1",
        "objective.consistency_on=both",
        "objective.instance_noise=0.1",
    ],
    "lazy-r1": ["objective.r1_gamma=1", "objective.r1_every=2"],
    "acgan": ["model.d_conditioning=acgan"],
    "tacgan": ["model.d_conditioning=tacgan", "objective.class_weight=0.5"],
    "pggan": [
        "model.g_norm=pixel",
        "model.equalised_lr=true",
        "model.minibatch_std=true",
        "model.self_attention=8",
    ],
    "pacgan-pool-diffaugment": [
        "model.conditioning=none",
        "model.pack=2",
        "model.minibatch_discrimination=4",
        "model.d_dropout=0.3",
        "objective.image_pool=8",
        "objective.diffaugment=color,translation,cutout",
    ],
}


@pytest.mark.parametrize("name", list(TRICK_SETS))
def test_every_trick_trains_and_resumes_bit_exactly(tiny, name):
    overrides = [*tiny, *TRICK_SETS[name], "logging.checkpoint_every=3"]
    cfg = load_config("shapes-conv", overrides)
    straight = Trainer(cfg, RunDir.create(cfg))
    straight.fit(6)
    for key, value in _tensors(straight).items():
        assert torch.isfinite(value.float()).all(), key

    cfg2 = load_config("shapes-conv", [*overrides, "logging.name=resumed"])
    first = Trainer(cfg2, RunDir.create(cfg2))
    first.fit(3)
    resumed = Trainer(cfg2, first.run)
    assert resumed.restore() == 3
    resumed.fit(6)
    a, b = _tensors(straight), _tensors(resumed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_lazy_r1_applies_every_nth_step_n_times_as_strong(tiny):
    cfg = load_config("shapes-conv", [*tiny, "objective.r1_gamma=1", "objective.r1_every=3",
                             "logging.log_every=1"])  # fmt: skip
    trainer = Trainer(cfg, RunDir.create(cfg))
    trainer.fit(6)
    records = [r for r in trainer.run.read_metrics() if "d_loss" in r]
    assert [r["step"] for r in records if "d_r1" in r] == [1, 4]  # steps 0 and 3
    eager = load_config("shapes-conv", [*tiny, "objective.r1_gamma=3", "logging.log_every=1",
                               "logging.name=eager"])  # fmt: skip
    first = Trainer(eager, RunDir.create(eager))
    first.fit(1)
    same_start = first.run.read_metrics()[0]["d_r1"]
    assert records[0]["d_r1"] == pytest.approx(same_start)  # gamma 1 x 3 == gamma 3


def test_points_take_pack_minibatch_std_and_dropout(tmp_path):
    cfg = load_config(
        "ring-gan",
        [
            "schedule.steps=3",
            "schedule.batch_size=32",
            "model.pack=2",
            "model.minibatch_std=true",
            "model.d_dropout=0.2",
            "logging.progress=false",
            f"logging.root={tmp_path}",
        ],
    )
    trainer = Trainer(cfg, RunDir.create(cfg))
    trainer.fit(3)
    assert trainer.family.modules["discriminator"](torch.randn(32, 2)).shape == (16,)

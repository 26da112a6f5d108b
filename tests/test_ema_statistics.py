"""The EMA generator's batch-norm statistics, recomputed for its own averaged weights."""

import torch
from torch import nn

from ganbench.config import load_config
from ganbench.models import build_models
from ganbench.models.ema import EMAGenerator, recompute_batch_norm
from ganbench.sampling import statistics_latents
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

SMALL = ["data.image_size=32", "model.g_width=8", "model.d_width=8", "model.latent_dim=16"]


class Shift(nn.Module):
    """z -> batch norm of (z + shift): the running mean must come out as mean(z) + shift."""

    def __init__(self):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(3))
        self.norm = nn.BatchNorm1d(3)

    def forward(self, z, labels=None):
        return self.norm(z + self.shift)


def test_recomputed_statistics_average_the_batches_the_weights_produce():
    model = Shift()
    with torch.no_grad():
        model.shift.fill_(5.0)
        model.norm.running_mean.fill_(-7.0)  # stale statistics from other weights
    batches = [(torch.randn(16, 3) + k, None) for k in range(3)]
    recompute_batch_norm(model, batches)
    expected = torch.stack([z.mean(0) for z, _ in batches]).mean(0) + 5.0
    assert torch.allclose(model.norm.running_mean, expected, atol=1e-5)
    assert not model.training and model.norm.momentum == 0.1  # restored


def test_ema_recomputes_statistics_only_when_asked_and_after_an_update():
    cfg = load_config("shapes-conv", SMALL)
    generator, _ = build_models(cfg)
    batches = statistics_latents(cfg)
    copied = EMAGenerator(generator, 0.5)
    recomputed = EMAGenerator(generator, 0.5, statistics=batches)
    generator.train()
    with torch.no_grad():
        for _ in range(3):  # G's own running statistics move
            generator(*batches[0])
        for p in generator.parameters():
            p.add_(0.1)
    copied.update(generator, 1)
    recomputed.update(generator, 1)
    g_mean = generator.net[1].norm.running_mean
    assert torch.equal(copied.ready_model.net[1].norm.running_mean, g_mean)
    ready = recomputed.ready_model.net[1].norm.running_mean.clone()
    assert not torch.allclose(ready, g_mean)
    reference = EMAGenerator(generator, 0.5)
    reference.model.load_state_dict(recomputed.model.state_dict())
    recompute_batch_norm(reference.model, batches)
    assert torch.equal(reference.model.net[1].norm.running_mean, ready)
    # reading again without an update recomputes nothing: the same tensor values
    assert torch.equal(recomputed.ready_model.net[1].norm.running_mean, ready)


def test_training_saves_recomputed_statistics_and_never_changes_g(tmp_path):
    base = [
        *SMALL, "schedule.batch_size=8", "schedule.steps=3", "data.size=64",
        "logging.progress=false", "logging.tensorboard=false", f"logging.root={tmp_path}",
    ]  # fmt: skip
    trainers = {}
    for mode in ("copy", "recompute"):
        cfg = load_config(
            "shapes-conv", [*base, f"schedule.ema_batch_norm={mode}", f"logging.name={mode}"]
        )
        trainers[mode] = Trainer(cfg, RunDir.create(cfg))
        trainers[mode].fit(3)
    copy_state = trainers["copy"].family.state
    recompute_state = trainers["recompute"].family.state
    for a, b in zip(
        copy_state.generator.state_dict().values(),
        recompute_state.generator.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(a, b)  # training itself is the same
    tensors, _ = trainers["recompute"].run.load_checkpoint()
    saved = tensors["state.ema.net.1.norm.running_mean"]
    assert torch.equal(saved, recompute_state.ema.model.net[1].norm.running_mean)
    assert not torch.equal(saved, recompute_state.generator.net[1].norm.running_mean)

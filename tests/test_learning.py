"""End-to-end proof that training learns: a conditional GAN draws the class it is asked for.

An independent classifier, trained here on real shape images, judges the generated samples.
"""

import pytest
import torch

from ganbench.config import load_config
from ganbench.data.build import build_dataset
from ganbench.data.dataset import to_float
from ganbench.sampling import generate, latent_batch
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

from .shape_classifier import accuracy, train_shape_classifier

pytestmark = pytest.mark.slow

LEARNING_RUN = [
    "data.image_size=32",
    "data.size=2000",
    "data.noise_std=10",
    "model.g_width=16",
    "model.d_width=16",
    "schedule.batch_size=32",
    "schedule.steps=1200",
    "logging.progress=false",
    "logging.tensorboard=false",
    "logging.checkpoint_every=100000",
]


def test_conditional_gan_draws_the_requested_class(tmp_path):
    torch.set_num_threads(2)
    cfg = load_config(None, [*LEARNING_RUN, f"logging.root={tmp_path}"])
    judge = train_shape_classifier(cfg.data, seed=123, steps=150)
    held_out = build_dataset(cfg.data, seed=999, size=400)
    assert accuracy(judge, to_float(held_out.images), held_out.labels) >= 0.98

    trainer = Trainer(cfg, RunDir.create(cfg))
    trainer.fit(cfg.schedule.steps)
    z, labels = latent_batch(cfg, 400, seed=7)
    samples = generate(trainer.state.generator, z, labels)
    per_class = {
        name: accuracy(judge, samples[labels == k], labels[labels == k])
        for k, name in enumerate(cfg.data.class_names)
    }
    overall = accuracy(judge, samples, labels)
    assert overall >= 0.90, f"judge recognised {overall:.0%} of samples; per class {per_class}"

"""End-to-end proof that training learns: a conditional GAN draws the class it is asked for,
varied images of it (no one-image-per-class collapse), and shapes that can be counted.

An independent classifier, trained here on real shape images, judges the generated samples;
diversity is the MS-SSIM between samples of the same class, against the same measure on real
images; OpenCV's primitive count (validity) checks that the strokes form shapes. Two runs
with different seeds and thread counts (different kernels, so different trajectories) must
both pass: a bar met by one seed's luck would fail on another machine.
"""

import pytest
import torch

from ganbench.config import load_config
from ganbench.data.build import build_dataset
from ganbench.data.dataset import to_float
from ganbench.metrics.msssim import ms_ssim_diversity
from ganbench.metrics.validity import shape_validity
from ganbench.sampling import generate, latent_batch
from ganbench.training.rundir import RunDir
from ganbench.training.trainer import Trainer

from .shape_classifier import accuracy, train_shape_classifier

pytestmark = pytest.mark.slow

LEARNING_RUN = [
    "data.image_size=32",
    "data.size=2000",
    "model.g_width=16",
    "model.d_width=16",
    "schedule.batch_size=32",
    "schedule.steps=2400",
    "logging.progress=false",
    "logging.tensorboard=false",
    "logging.checkpoint_every=100000",
]
ACCURACY_BAR = 0.90
# Within-class MS-SSIM: real shapes ~0.37 at 32 px, one image per class ~0.92; the bar sits
# half way, so it fails a collapse, not a generator a little less varied than real data.
DIVERSITY_MARGIN = 0.25
# Share of samples holding their class's number of primitives (real shapes 0.98). Blotchy
# strokes over a speckled page, what the recipe drew before its alpha output, score
# 0.00-0.05; the recipe now scores 0.21-0.26 over three seeds and two thread counts.
VALIDITY_BAR = 0.10


def within_class_ms_ssim(images: torch.Tensor, labels: torch.Tensor, classes: int) -> float:
    values = [ms_ssim_diversity(images[labels == k], pairs=300)["ms_ssim"] for k in range(classes)]
    return sum(values) / len(values)


@pytest.mark.parametrize(("seed", "threads"), [(0, 2), (1, 1)])
def test_conditional_gan_draws_varied_images_of_the_requested_class(tmp_path, seed, threads):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        overrides = [*LEARNING_RUN, f"seed={seed}", f"logging.root={tmp_path}"]
        cfg = load_config(None, overrides)  # the default recipe
        judge = train_shape_classifier(cfg.data, seed=123, steps=150)
        held_out = build_dataset(cfg.data, seed=999, size=400)
        real = to_float(held_out.images)
        assert accuracy(judge, real, held_out.labels) >= 0.98

        trainer = Trainer(cfg, RunDir.create(cfg))
        trainer.fit(cfg.schedule.steps)
        z, labels = latent_batch(cfg, 400, seed=7)
        samples = generate(trainer.sampling_generator, z, labels)
    finally:
        torch.set_num_threads(previous)
    classes = len(cfg.data.class_names)
    per_class = {
        name: accuracy(judge, samples[labels == k], labels[labels == k])
        for k, name in enumerate(cfg.data.class_names)
    }
    overall = accuracy(judge, samples, labels)
    assert overall >= ACCURACY_BAR, f"judge recognised {overall:.0%}; per class {per_class}"
    valid = shape_validity(samples, labels, cfg.data)["valid"]
    assert valid >= VALIDITY_BAR, f"only {valid:.0%} of the samples hold countable shapes"
    fake_similarity = within_class_ms_ssim(samples, labels, classes)
    real_similarity = within_class_ms_ssim(real, held_out.labels, classes)
    assert fake_similarity <= real_similarity + DIVERSITY_MARGIN, (
        f"samples of one class are too alike: MS-SSIM {fake_similarity:.2f} "
        f"against {real_similarity:.2f} between real images"
    )

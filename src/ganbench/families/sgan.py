"""``family: sgan``: the semi-supervised GAN (Odena 2016; Salimans et al. 2016).

D classifies real images into the data's K classes and tells them from fakes (K logits,
the fake logit fixed at 0: :mod:`ganbench.objectives.semi_supervised`). Each step D sees a
labelled batch from the few images that keep their labels (``sgan.labelled_per_class`` or
``labelled_fraction``, chosen once from the run seed, every class in every batch), an
unlabelled batch from the whole training set (its labels are never read) and a batch of
fakes; G is unconditional and learns by feature matching (default) or -log D(G(z)).

What it is for is D: ``ganbench evaluate`` scores D's classification of the held-out split
beside the same classifier trained on the same labelled images alone, for the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganbench.config import Config
from ganbench.data.dataset import DataSet, to_float
from ganbench.data.stream import StreamSet
from ganbench.errors import ConfigError
from ganbench.families.base import Batch, Family
from ganbench.models import build_models, sample_latent
from ganbench.models.classifier import ClassifierDiscriminator
from ganbench.models.init import initialise
from ganbench.objectives import semi_supervised as ssl
from ganbench.seeding import derive_seed, torch_generator


def labelled_indices(labels: torch.Tensor, cfg: Config) -> torch.Tensor:
    """The training images that keep their labels: the same count per class (or the same
    share of each class), drawn from the run seed. Reads only the labels of the chosen."""
    options = cfg.sgan
    generator = torch_generator(cfg.seed, "sgan-labelled")
    chosen = []
    for k, name in enumerate(cfg.data.class_names):
        members = torch.nonzero(labels == k).flatten()
        if options.labelled_fraction is not None:
            want = max(1, round(options.labelled_fraction * len(members)))
        else:
            want = options.per_class
        if want > len(members):
            raise ConfigError(
                f"sgan: {want} labelled images per class asked for, but class {name!r} has "
                f"only {len(members)} training images; lower sgan.labelled_per_class or use "
                "sgan.labelled_fraction"
            )
        chosen.append(members[torch.randperm(len(members), generator=generator)[:want]])
    return torch.cat(chosen)


class LabelledPool:
    """The labelled images and their labels; batches cycle through the classes, so each
    class is present whenever the batch holds at least K images."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, classes: int):
        self.images, self.labels, self.classes = images, labels, classes
        self.members = [torch.nonzero(labels == k).flatten() for k in range(classes)]

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        wanted = torch.arange(size) % self.classes
        wanted = wanted[torch.randperm(size, generator=generator)]
        index = torch.stack(
            [
                self.members[k][torch.randint(len(self.members[k]), (), generator=generator)]
                for k in wanted.tolist()
            ]
        )
        return self.images[index], self.labels[index]


def labelled_pool(data: DataSet, cfg: Config) -> LabelledPool:
    index = labelled_indices(data.labels, cfg)
    return LabelledPool(to_float(data.data[index]), data.labels[index], len(data.class_names))


def build_classifier(cfg: Config) -> ClassifierDiscriminator:
    """D's network, initialised from the run seed (the baseline starts from the same)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(cfg.seed, "sgan-classifier"))
        net = ClassifierDiscriminator(
            cfg.model, cfg.image_size, cfg.data.channels, len(cfg.data.class_names)
        )
        initialise(net, cfg.model.init, cfg.model.leaky_slope)
    return net


class SGANFamily(Family):
    name = "sgan"

    def __init__(self, cfg: Config, device: torch.device, data: DataSet | StreamSet | None = None):
        super().__init__(cfg, device, data)
        generator, _ = build_models(cfg)
        self.generator = generator.to(device)
        self.classifier = build_classifier(cfg).to(device)
        opt = cfg.optimiser
        betas = (opt.beta1, opt.beta2)
        self.modules = {"generator": self.generator, "discriminator": self.classifier}
        self.optimisers = {
            "g": torch.optim.Adam(self.generator.parameters(), lr=opt.g_lr, betas=betas),
            "d": torch.optim.Adam(self.classifier.parameters(), lr=opt.d_lr, betas=betas),
        }
        self.base_lrs = {"g": opt.g_lr, "d": opt.d_lr}
        self.latent_rng = torch_generator(cfg.seed, "latent")
        self.pool: LabelledPool | None = None
        if data is not None:
            if not isinstance(data, DataSet):
                raise ConfigError("family sgan needs a stored data set; set data.stream=false")
            self.pool = labelled_pool(data, cfg)

    def _latent(self, n: int) -> torch.Tensor:
        m = self.cfg.model
        return sample_latent(n, m.latent_dim, m.latent_distribution, self.latent_rng).to(
            self.device
        )

    def train_step(self, batches: Sequence[Batch], step: int) -> dict[str, torch.Tensor]:
        assert self.pool is not None, "sgan trains only with its training data"
        G, D, options = self.generator, self.classifier, self.cfg.sgan
        unlabelled = batches[0][0]  # the labels of this batch are never read
        world, take = self.shard.world, self.shard.take  # global draws, this rank's slice
        size = options.labelled_batch or len(unlabelled) * world
        images, labels = self.pool.batch(size, torch_generator(self.cfg.seed, "sgan-batch", step))
        images, labels = take(images).to(self.device), take(labels).to(self.device)
        z = take(self._latent(len(unlabelled) * world))

        d_opt, g_opt = self.optimisers["d"], self.optimisers["g"]
        d_opt.zero_grad(set_to_none=True)
        fake = G(z)
        labelled_logits = D(images)
        real_logits = D(unlabelled)
        fake_logits = D(fake.detach())
        supervised = ssl.supervised_loss(labelled_logits, labels)
        unsupervised = 0.5 * (ssl.real_loss(real_logits) + ssl.fake_loss(fake_logits))
        d_loss = supervised + options.unsupervised_weight * unsupervised
        d_loss.backward()
        d_opt.step()

        g_opt.zero_grad(set_to_none=True)
        D.requires_grad_(False)
        try:
            if options.g_loss == "feature_matching":
                with torch.no_grad():
                    target = D.features(unlabelled)
                g_loss = ssl.feature_matching_loss(target, D.features(fake))
            else:
                g_loss = ssl.real_loss(D(fake))
            g_loss.backward()
        finally:
            D.requires_grad_(True)
        g_opt.step()
        with torch.no_grad():
            accuracy = (labelled_logits.argmax(1) == labels).float().mean()
        return {
            "d_loss": d_loss.detach(),
            "d_supervised": supervised.detach(),
            "d_unsupervised": unsupervised.detach(),
            "g_loss": g_loss.detach(),
            "d_real": ssl.real_probability(real_logits.detach()).mean(),
            "d_fake": ssl.real_probability(fake_logits.detach()).mean(),
            "labelled_accuracy": accuracy,
        }

    def headline(self) -> tuple[str, ...]:
        return ("d_loss", "g_loss")

    def progress(self, record: dict[str, Any]) -> str:
        return (
            f"D {record['d_loss']:.3f} G {record['g_loss']:.3f} D(x) {record['d_real']:.2f} "
            f"D(G(z)) {record['d_fake']:.2f} acc(labelled) {record['labelled_accuracy']:.2f}"
        )

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {"rng.latent": self.latent_rng.get_state()}

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        self.latent_rng.set_state(tensors["rng.latent"])

    def sampler(self, averaged: bool = True) -> nn.Module:
        return self.generator

    def evaluate(self, step: int, metrics: Sequence[str] | None = None) -> dict[str, Any]:
        """D's accuracy on the held-out split beside the supervised-only baseline."""
        from ganbench.families.sgan_baseline import classifier_comparison

        return classifier_comparison(self.cfg, self.classifier, step)

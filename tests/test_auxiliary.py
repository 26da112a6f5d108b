"""AC-GAN's auxiliary classifier and TAC-GAN's twin: logits into cross-entropy (no double
softmax), which head learns from which images, and both training and resuming bit-exactly."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from ganbench.cli import main
from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.objectives.auxiliary import class_loss, d_class_terms, g_class_terms

SMALL = ["data.image_size=32", "model.g_width=8", "model.d_width=8", "model.latent_dim=16"]


def test_the_class_loss_takes_logits_not_probabilities() -> None:
    logits = torch.tensor([[20.0, 0.0, 0.0, 0.0]], requires_grad=True)
    wrong = torch.tensor([2])
    loss = class_loss(logits, wrong)
    assert loss.item() == pytest.approx(F.cross_entropy(logits, wrong).item())
    assert loss.item() > 15  # a softmax before it would cap this near ln 4 + 1
    loss.backward()
    assert logits.grad[0, 0].item() == pytest.approx(1.0, abs=1e-6)  # gradient does not vanish
    double = F.cross_entropy(torch.softmax(logits.detach(), 1), wrong)
    assert double.item() < 2.5


def _heads(*shape: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(*shape, requires_grad=True), torch.randn(*shape, requires_grad=True)


def test_tacgan_twin_learns_from_generated_images_only() -> None:
    labels = torch.tensor([0, 1, 2, 1])
    real, fake = _heads(4, 3), _heads(4, 3)
    d_class_terms("tacgan", real, fake, labels).backward()
    assert real[0].grad.abs().sum() > 0 and fake[1].grad.abs().sum() > 0
    assert real[1].grad is None and fake[0].grad is None  # twin never sees reals
    real, fake = _heads(4, 3), _heads(4, 3)
    d_class_terms("acgan", real, fake, labels).backward()
    assert real[0].grad.abs().sum() > 0 and fake[0].grad.abs().sum() > 0


def test_g_terms_subtract_the_twin() -> None:
    labels = torch.tensor([0, 1])
    fake = (torch.randn(2, 3), torch.randn(2, 3))
    acgan = g_class_terms("acgan", fake, labels)
    tacgan = g_class_terms("tacgan", fake, labels)
    assert tacgan.item() == pytest.approx(acgan.item() - class_loss(fake[1], labels).item())


@pytest.mark.parametrize("mode", ["acgan", "tacgan"])
def test_d_keeps_the_class_logits_of_its_last_batch(mode: str) -> None:
    cfg = load_config(None, [*SMALL, f"model.d_conditioning={mode}"])
    _, D = build_models(cfg)
    images = torch.randn(5, 3, 32, 32)
    logits = D(images, torch.zeros(5, dtype=torch.long))
    classes, twin = D.auxiliary.last
    assert logits.shape == (5,) and classes.shape == (5, 4)
    assert (twin is not None) == (mode == "tacgan")
    # the label does not enter D's input: the class is read off, not given
    again = D(images, torch.ones(5, dtype=torch.long))
    assert torch.equal(logits, again)


@pytest.mark.parametrize("mode", ["acgan", "tacgan"])
def test_class_heads_train_and_log(tiny, mode: str, tmp_path) -> None:
    assert main(["train", *tiny, f"model.d_conditioning={mode}"]) == 0
    import json

    lines = (tmp_path / "runs" / "tiny" / "metrics.jsonl").read_text().splitlines()
    last = json.loads(lines[-1])
    assert {"d_class", "d_class_acc_real", "g_class"} <= last.keys()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["model.pack=2", "model.conditioning=embedding"], "model.pack"),
        (["objective.image_pool=8"], "image_pool"),
    ],
)
def test_class_heads_refuse_what_mixes_labels(extra: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, [*SMALL, "model.d_conditioning=acgan", *extra])

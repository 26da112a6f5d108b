"""G's alpha output (ink composited over the background) and the fading blur of D's inputs."""

import pytest
import torch

from ganbench.config import load_config
from ganbench.errors import ConfigError
from ganbench.models import build_models
from ganbench.models.canvas import AlphaCanvas
from ganbench.objectives.blur import blur_images, blur_sigma, gaussian_kernel

SMALL = ["data.image_size=32", "model.g_width=8", "model.d_width=8", "model.latent_dim=16"]


def test_alpha_canvas_composites_colour_over_the_background_by_coverage():
    canvas = AlphaCanvas(3)
    canvas.background.copy_(torch.tensor([1.0, 0.5, -1.0]))
    logits = torch.zeros(1, 4, 1, 2)
    logits[0, :3, 0, 1] = torch.atanh(torch.tensor([-0.5, 0.0, 0.5]))
    logits[0, 3, 0, 0] = -40.0  # no ink: the background exactly
    logits[0, 3, 0, 1] = 40.0  # full ink: the colour
    out = canvas(logits)[0]
    assert torch.allclose(out[:, 0, 0], torch.tensor([1.0, 0.5, -1.0]))
    assert torch.allclose(out[:, 0, 1], torch.tensor([-0.5, 0.0, 0.5]), atol=1e-6)
    half = canvas(torch.zeros(1, 4, 1, 1)).flatten()  # coverage 0.5 of colour 0
    assert torch.allclose(half, torch.tensor([0.5, 0.25, -0.5]))


def test_alpha_canvas_refuses_a_missing_coverage_channel():
    with pytest.raises(ValueError, match="coverage"):
        AlphaCanvas(3)(torch.zeros(1, 3, 2, 2))


@pytest.mark.parametrize("arch", ["dcgan", "dense_conv", "mlp"])
@pytest.mark.parametrize(
    ("background", "monochrome", "expected"),
    [("[255, 255, 255]", "false", [1.0, 1.0, 1.0]), ("[0, 0, 0]", "true", [-1.0])],
)
def test_alpha_output_starts_near_the_blank_background(background, monochrome, expected, arch):
    cfg = load_config(
        "shapes-conv",
        [*SMALL, "model.g_output=alpha", f"data.background={background}",
         f"data.monochrome={monochrome}", f"model.arch={arch}"],
    )  # fmt: skip
    G, _ = build_models(cfg)
    images = G(torch.randn(8, 16), torch.arange(8) % 4).detach()
    assert images.shape == (8, len(expected), 32, 32)
    canvas = torch.tensor(expected).view(1, -1, 1, 1)
    # about 5% ink at the start: every pixel within 0.15 of the background, on average ~0.05
    distance = (images - canvas).abs()
    assert distance.max() < 0.15 and 0.01 < distance.mean() < 0.1
    assert images.min() >= -1 and images.max() <= 1


def test_alpha_output_reaches_every_pixel_with_gradient():
    cfg = load_config("shapes-conv", [*SMALL, "model.g_output=alpha"])
    G, _ = build_models(cfg)
    G(torch.randn(4, 16), torch.arange(4)).sum().backward()
    assert G.output_layer.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("arch", ["dcgan", "dense_conv"])
def test_alpha_output_with_a_final_batch_norm_is_refused(arch):
    with pytest.raises(ConfigError, match="g_final_norm"):
        load_config(
            "shapes-conv",
            [*SMALL, "model.g_output=alpha", "model.g_final_norm=true", f"model.arch={arch}"],
        )


def test_blur_sigma_fades_linearly_to_zero():
    assert blur_sigma(0, 2.0, 100) == 2.0
    assert blur_sigma(50, 2.0, 100) == 1.0
    assert blur_sigma(100, 2.0, 100) == 0.0
    assert blur_sigma(10, 0.0, 100) == 0.0


def test_blur_keeps_flat_images_and_mass_and_spreads_a_line():
    kernel = gaussian_kernel(1.5)
    assert torch.isclose(kernel.sum(), torch.tensor(1.0)) and kernel.argmax() == len(kernel) // 2
    flat = torch.full((2, 3, 16, 16), 0.7)
    assert torch.allclose(blur_images(flat, 2.0), flat)  # replicated edges: no dark border
    line = -torch.ones(1, 1, 16, 16)
    line[..., 8] = 1.0
    blurred = blur_images(line, 1.0)
    assert blurred.shape == line.shape
    assert torch.isclose(blurred.sum(), line.sum(), atol=1e-3)  # away from the edges
    assert blurred[0, 0, 5, 8] < 1.0 and blurred[0, 0, 5, 7] > -1.0
    assert torch.equal(blur_images(line, 0.0), line)


def test_d_sees_blurred_images_only_while_the_blur_lasts():
    from ganbench.objectives.adversarial_step import AdversarialStep, Tricks
    from ganbench.objectives.losses import build_loss

    step = AdversarialStep(
        build_loss("non_saturating"), 4, "gaussian", False, torch.device("cpu"),
        tricks=Tricks(d_blur=2.0, d_blur_steps=10),
    )  # fmt: skip
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    rng = torch.Generator().manual_seed(0)
    assert not torch.allclose(step._d_input(x, 0, rng), x)
    assert torch.equal(step._d_input(x, 10, rng), x.contiguous(memory_format=torch.channels_last))

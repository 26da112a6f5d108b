"""Each loss's value and gradient on hand-checked inputs, the penalties, and label tricks."""

import math

import pytest
import torch
from torch import nn

from ganbench.objectives import build_loss
from ganbench.objectives.labels import SOFT_FAKE, SOFT_REAL, LabelTricks
from ganbench.objectives.regularisers import instance_noise_std, r1_penalty
from ganbench.objectives.wasserstein import input_gradient_norms

LOGITS = torch.tensor([0.5, 2.0, -1.0])


def _grad(fn, values):
    x = values.clone().requires_grad_(True)
    fn(x).backward()
    return x.grad


def test_least_squares_values_and_gradients_follow_the_seed_formula():
    loss = build_loss("least_squares", a=-1.0, b=1.0, c=0.0)
    # 1/2 E[(D(x) - b)^2]: ((0.5-1)^2 + (2-1)^2 + (-1-1)^2) / 3 / 2
    assert math.isclose(loss.d_real(LOGITS).item(), (0.25 + 1 + 4) / 6, rel_tol=1e-6)
    assert math.isclose(loss.d_fake(LOGITS).item(), (2.25 + 9 + 0) / 6, rel_tol=1e-6)
    assert math.isclose(loss.g_loss(LOGITS).item(), (0.25 + 4 + 1) / 6, rel_tol=1e-6)
    # d/dl of 1/2 mean (l - c)^2 = (l - c) / n
    assert torch.allclose(_grad(loss.g_loss, LOGITS), LOGITS / 3)
    assert loss.threshold == 0.0  # midway between a and b


def test_hinge_terms_and_gradients():
    loss = build_loss("hinge")
    # relu(1 - l) for reals: (0.5, 0, 2); relu(1 + l) for fakes: (1.5, 3, 0)
    assert math.isclose(loss.d_real(LOGITS).item(), 2.5 / 3, rel_tol=1e-6)
    assert math.isclose(loss.d_fake(LOGITS).item(), 4.5 / 3, rel_tol=1e-6)
    assert torch.allclose(_grad(loss.d_real, LOGITS), torch.tensor([-1, 0, -1]) / 3)
    assert torch.allclose(_grad(loss.d_fake, LOGITS), torch.tensor([1, 1, 0]) / 3)
    assert torch.allclose(_grad(loss.g_loss, LOGITS), torch.full((3,), -1 / 3))


@pytest.mark.parametrize("name", ["wasserstein", "wgan_clip", "wgan_gp"])
def test_wasserstein_critic_terms(name):
    loss = build_loss(name)
    assert math.isclose(loss.d_real(LOGITS).item(), -1.5 / 3, rel_tol=1e-6)
    assert math.isclose(loss.d_fake(LOGITS).item(), 1.5 / 3, rel_tol=1e-6)
    assert torch.allclose(_grad(loss.g_loss, LOGITS), torch.full((3,), -1 / 3))


def test_weight_clipping_clamps_every_critic_weight():
    critic = nn.Linear(4, 1)
    with torch.no_grad():
        critic.weight.fill_(0.5)
        critic.bias.fill_(-0.3)
    build_loss("wgan_clip", clip=0.05).after_d_step(critic)
    assert critic.weight.abs().max().item() == pytest.approx(0.05)
    assert critic.bias.item() == pytest.approx(-0.05)


def test_cross_entropy_with_soft_targets_is_binary_cross_entropy():
    loss = build_loss("non_saturating")
    target = torch.tensor([0.9, 0.9, 0.9])
    p = torch.sigmoid(LOGITS)
    expected = -(target * p.log() + (1 - target) * (1 - p).log()).mean()
    assert torch.allclose(loss.d_real(LOGITS, target), expected)
    # hard targets give the original terms
    assert torch.allclose(loss.d_real(LOGITS, torch.ones(3)), loss.d_real(LOGITS))
    assert torch.allclose(loss.d_fake(LOGITS, torch.zeros(3)), loss.d_fake(LOGITS))


class _Linear(nn.Module):
    """D(x) = <w, x> over all pixels: its input gradient is w for every sample."""

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x, labels=None):
        return (x * self.weight).flatten(1).sum(1)


def test_gradient_penalty_is_zero_for_a_1_lipschitz_critic_and_large_otherwise():
    shape = (1, 3, 4, 4)
    unit = torch.randn(shape)
    unit /= unit.norm()  # ||grad|| = 1 everywhere
    real, fake = torch.randn(8, *shape[1:]), torch.randn(8, *shape[1:])
    loss = build_loss("wgan_gp", gp_lambda=10.0)
    rng = torch.Generator().manual_seed(0)
    assert loss.penalty(_Linear(unit), real, fake, None, rng).item() < 1e-8
    steep = loss.penalty(_Linear(unit * 5), real, fake, None, rng).item()
    assert steep == pytest.approx(10 * (5 - 1) ** 2, rel=1e-4)


def test_gradient_norm_is_taken_per_sample_over_all_non_batch_dimensions():
    weight = torch.zeros(1, 2, 3, 3)
    weight[0, 0, 0, 0], weight[0, 1, 2, 1] = 3.0, 4.0
    x = torch.randn(5, 2, 3, 3)
    norms = input_gradient_norms(_Linear(weight), x, None)
    assert torch.allclose(norms, torch.full((5,), 5.0))  # sqrt(3^2 + 4^2)
    # the known bug: a norm over one dimension gives per-row values, not 5
    grad = weight.expand(5, -1, -1, -1)
    assert not torch.allclose(grad.norm(2, dim=1).mean(), torch.tensor(5.0))


def test_gradient_penalty_trains_the_critic():
    """The penalty must reach D's weights (one known bug computes it and never applies it)."""
    torch.manual_seed(0)
    critic = _Linear(torch.randn(1, 1, 2, 2) * 3)
    real, fake = torch.randn(16, 1, 2, 2), torch.randn(16, 1, 2, 2)
    loss = build_loss("wgan_gp")
    penalty = loss.penalty(critic, real, fake, None, torch.Generator().manual_seed(1))
    penalty.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0
    # descending it moves the critic towards unit gradient norm
    before = critic.weight.norm().item()
    with torch.no_grad():
        critic.weight -= 0.01 * critic.weight.grad
    assert abs(critic.weight.norm().item() - 1) < abs(before - 1)


def test_r1_penalty_on_a_linear_critic():
    weight = torch.full((1, 1, 2, 2), 0.5)  # ||grad||^2 = 4 * 0.25 = 1
    value = r1_penalty(_Linear(weight), torch.randn(6, 1, 2, 2), None, gamma=10.0)
    assert value.item() == pytest.approx(5.0)


def test_instance_noise_anneals_linearly_to_zero():
    assert instance_noise_std(0, 0.1, 100) == pytest.approx(0.1)
    assert instance_noise_std(50, 0.1, 100) == pytest.approx(0.05)
    assert instance_noise_std(100, 0.1, 100) == 0.0
    assert instance_noise_std(10, 0.0, 100) == 0.0


def test_one_and_two_sided_smoothing_give_the_requested_labels():
    rng = torch.Generator().manual_seed(0)
    real, fake = LabelTricks(real=0.9).targets(1000, rng)
    assert torch.all(real == 0.9) and torch.all(fake == 0.0)
    real, fake = LabelTricks(real=0.9, fake=0.1).targets(1000, rng)
    assert torch.all(real == 0.9) and torch.all(fake == 0.1)


def test_random_soft_labels_cover_the_seed_ranges():
    real, fake = LabelTricks(soft=True).targets(20000, torch.Generator().manual_seed(0))
    assert SOFT_REAL[0] <= real.min() and real.max() <= SOFT_REAL[1]
    assert SOFT_FAKE[0] <= fake.min() and fake.max() <= SOFT_FAKE[1]
    assert real.mean().item() == pytest.approx(0.95, abs=0.01)
    assert fake.mean().item() == pytest.approx(0.15, abs=0.01)


def test_label_flipping_swaps_the_requested_share():
    real, fake = LabelTricks(flip=0.1).targets(50000, torch.Generator().manual_seed(0))
    assert (real == 0).float().mean().item() == pytest.approx(0.1, abs=0.006)
    assert (fake == 1).float().mean().item() == pytest.approx(0.1, abs=0.006)
    assert set(real.unique().tolist()) == {0.0, 1.0}

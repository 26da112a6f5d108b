import math
import typing

import torch

from ganbench.config import CROSS_ENTROPY_LOSSES, WASSERSTEIN_LOSSES, ObjectiveConfig
from ganbench.objectives import LOSSES, build_loss
from ganbench.objectives.catalogue import LOSS_NAMES

LOGITS = torch.tensor([0.0, 2.0, -1.0])


def _log_sigmoid(x):
    return math.log(1 / (1 + math.exp(-x)))


def test_discriminator_terms_are_sigmoid_cross_entropy():
    loss = build_loss("non_saturating")
    expected_real = -sum(_log_sigmoid(x) for x in (0.0, 2.0, -1.0)) / 3
    expected_fake = -sum(math.log(1 - 1 / (1 + math.exp(-x))) for x in (0.0, 2.0, -1.0)) / 3
    assert math.isclose(loss.d_real(LOGITS).item(), expected_real, rel_tol=1e-6)
    assert math.isclose(loss.d_fake(LOGITS).item(), expected_fake, rel_tol=1e-6)


def test_non_saturating_generator_maximises_log_d():
    value = build_loss("non_saturating").g_loss(LOGITS).item()
    assert math.isclose(value, -sum(_log_sigmoid(x) for x in (0.0, 2.0, -1.0)) / 3, rel_tol=1e-6)


def test_minimax_generator_minimises_log_one_minus_d_and_saturates():
    loss = build_loss("minimax")
    value = loss.g_loss(LOGITS).item()
    expected = sum(math.log(1 - 1 / (1 + math.exp(-x))) for x in (0.0, 2.0, -1.0)) / 3
    assert math.isclose(value, expected, rel_tol=1e-6)
    # when D confidently rejects a fake, minimax gives a vanishing gradient, non-saturating does not
    confident = torch.tensor([-8.0], requires_grad=True)
    loss.g_loss(confident).backward()
    minimax_grad = confident.grad.abs().item()
    confident.grad = None
    build_loss("non_saturating").g_loss(confident).backward()
    assert minimax_grad < 1e-3 < confident.grad.abs().item()


def test_extreme_logits_stay_finite():
    loss = build_loss("non_saturating")
    huge = torch.tensor([1e4, -1e4])
    assert torch.isfinite(loss.d_real(huge)) and torch.isfinite(loss.g_loss(huge))


def test_the_catalogue_names_exactly_the_registered_losses():
    # objectives/catalogue.py is the torch-free list the config validates against; a loss
    # registered without its name there (or named there without a class) fails here
    assert len(set(LOSS_NAMES)) == len(LOSS_NAMES)
    assert sorted(LOSS_NAMES) == LOSSES.names()
    assert typing.get_args(ObjectiveConfig.model_fields["loss"].annotation) == LOSS_NAMES
    assert set(CROSS_ENTROPY_LOSSES) <= set(LOSS_NAMES)
    assert set(WASSERSTEIN_LOSSES) <= set(LOSS_NAMES)

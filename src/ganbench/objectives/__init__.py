"""Adversarial losses and the step strategies that apply them."""

from ganbench.objectives import wasserstein as _wasserstein  # noqa: F401  (registers losses)
from ganbench.objectives.losses import LOSSES, AdversarialLoss, build_loss

__all__ = ["LOSSES", "AdversarialLoss", "build_loss"]

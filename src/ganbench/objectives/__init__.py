"""Adversarial losses and the step strategies that apply them."""

from ganbench.objectives.losses import LOSSES, AdversarialLoss, build_loss

__all__ = ["LOSSES", "AdversarialLoss", "build_loss"]

"""The adversarial losses by name, importable without torch (the config validates against it).

The single list of loss names: ``objective.loss`` accepts exactly these, and
``tests/test_losses.py`` checks that the ``LOSSES`` registry holds exactly these. Adding a loss
is its class with an ``@LOSSES.register`` line plus its name here.
"""

from __future__ import annotations

LOSS_NAMES = (
    "minimax",
    "non_saturating",
    "least_squares",
    "wasserstein",
    "wgan_clip",
    "wgan_gp",
    "hinge",
)

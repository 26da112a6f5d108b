"""ganbench: train, watch, diagnose and measure GANs on controllable synthetic images."""

__version__ = "0.1.0"

"""Weight initialisation schemes (seed 000 compares them)."""

from __future__ import annotations

from torch import nn

INIT_SCHEMES = ("normal", "xavier", "kaiming", "orthogonal", "default")


def initialise(module: nn.Module, scheme: str, leaky_slope: float = 0.2) -> None:
    """Re-initialise every conv and linear layer of ``module`` in place.

    ``normal`` is DCGAN's N(0, 0.02) for weights and N(1, 0.02) for batch-norm scales;
    ``default`` keeps PyTorch's own (Kaiming-uniform) initialisation.
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; known: {', '.join(INIT_SCHEMES)}")
    if scheme == "default":
        return
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            weight = layer.weight
            if scheme == "normal":
                nn.init.normal_(weight, 0.0, 0.02)
            elif scheme == "xavier":
                nn.init.xavier_uniform_(weight)
            elif scheme == "kaiming":
                nn.init.kaiming_normal_(weight, a=leaky_slope, nonlinearity="leaky_relu")
            else:
                nn.init.orthogonal_(weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d) and layer.affine and scheme == "normal":
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)

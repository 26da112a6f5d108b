"""G's image as ink laid over a blank canvas: the ``alpha`` output of the image generators.

G's last layer makes C colour channels and one coverage channel; the image is
``background + sigmoid(coverage) * (tanh(colour) - background)``, alpha compositing of G's
ink over the data's background colour. Where coverage is low the pixel is exactly the
background, so G draws clean paper without having to cancel its own noise everywhere, the
way a linear or tanh output must; ink pixels keep a free colour. The coverage bias starts
strongly negative (about 5% ink), so G begins as a blank page, as the linear output's zero
layer does, but with gradients that reach every pixel from the first step.

Fits data with a flat background (synthetic shapes, digits, sketches); for photographs use
``tanh`` or ``linear``.
"""

from __future__ import annotations

import torch
from torch import nn

START_COVERAGE_BIAS = -3.0  # sigmoid(-3) ~ 0.047: a nearly blank page


@torch.no_grad()
def start_blank(
    output_layer: nn.Module,
    canvas: AlphaCanvas | None,
    background: torch.Tensor,
    zero_weights: bool = True,
) -> None:
    """Make a generator start as an empty page of ``background`` (C values in [-1, 1]).

    Alpha output: the canvas takes the background and the coverage bias starts low; the
    weights keep their initialisation. Linear output: zero the last layer's weights (unless
    spectral normalisation needs them: a zero matrix has no norm) and set its bias to the
    background, so G draws ink on it instead of holding a saturated tanh there."""
    channels = background.numel() + (canvas is not None)
    # One bias per channel (a convolution) or per channel and pixel, channel-major (a dense
    # layer whose output is reshaped to (C, H, W)).
    bias = output_layer.bias.view(channels, -1)
    if canvas is not None:
        canvas.background.copy_(background.to(canvas.background))
        bias.zero_()
        bias[-1] = START_COVERAGE_BIAS
        return
    if zero_weights:
        output_layer.weight.zero_()
    bias.copy_(background.to(bias).view(-1, 1).expand_as(bias))


def output_head(g_output: str, channels: int) -> tuple[int, list[nn.Module]]:
    """For G's ``g_output``: how many channels its last layer makes, and the modules after it
    (the canvas, a tanh, or nothing for a linear output)."""
    if g_output == "alpha":
        return channels + 1, [AlphaCanvas(channels)]
    if g_output == "tanh":
        return channels, [nn.Tanh()]
    return channels, []


class AlphaCanvas(nn.Module):
    """(B, C + 1, H, W) colour and coverage logits -> (B, C, H, W) images in [-1, 1]."""

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.register_buffer("background", torch.ones(channels))

    def extra_repr(self) -> str:
        return f"channels={self.channels}"

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        if logits.shape[1] != self.channels + 1:
            raise ValueError(
                f"AlphaCanvas expects {self.channels} colour channels and 1 coverage channel, "
                f"got {logits.shape[1]} channels"
            )
        colour = torch.tanh(logits[:, : self.channels])
        coverage = torch.sigmoid(logits[:, self.channels :])
        background = self.background.to(logits.dtype).view(1, -1, 1, 1)
        return background + coverage * (colour - background)

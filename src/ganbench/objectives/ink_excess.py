"""A G-loss term against more ink than any real image of the class holds.

On line drawings over a flat page the shape counts that a drawing must get right (seed 000's
five circles, three stars) are read from the ink: connected strokes and the inked area. A
generator that draws the right shapes plus a tail, a doubled arc or a faint spare stroke is
read as one shape too many (docs/mode-collapse.md). This term compares each fake's inked
share of the page with the real images of its class in the same batch and penalises only
the share above the largest of them:
``weight * mean(relu(ink(fake) - max ink(real of its class)) / max ink(real of its class))``.
A fake with no more ink than some real image of its class costs nothing, so the term leaves
the spread of drawings within the real range alone.

Ink is measured as the shape-count check reads it (``metrics/validity.py``), made
differentiable: against each image's page colour (the per-channel median, the page covering
most of a line drawing), a pixel's distance d is its largest channel's; pixels past a quarter
of the image's darkest ink count (a sigmoid gate), each with d over the largest d of its 3x3
neighbourhood, so a wide soft rim weighs like a dark core and a faint stroke like a dark one.
The gate and the ratio pass their gradients through the rims, where a stroke that is too
wide, or one too many, shows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GATE = 0.25  # ink counts from this share of the image's darkest ink (the count check's)
GATE_SOFTNESS = 0.05  # the gate's width, as a share of the darkest ink


def ink_share(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) images in [-1, 1] -> (B,) soft inked area of each, as a share of the page
    (the page being what covers most of each image)."""
    page = images.detach().flatten(2).median(dim=2).values  # (B, C)
    distance = (images - page[..., None, None]).abs().amax(dim=1, keepdim=True)  # (B, 1, H, W)
    darkest = distance.detach().amax(dim=(2, 3), keepdim=True).clamp_min(1e-3)
    gate = torch.sigmoid((distance - GATE * darkest) / (GATE_SOFTNESS * darkest))
    local = distance / F.max_pool2d(distance, 3, stride=1, padding=1).clamp_min(1e-6)
    return (gate * local).mean(dim=(1, 2, 3))


def ink_excess_loss(
    fake: torch.Tensor,
    fake_labels: torch.Tensor | None,
    real: torch.Tensor,
    real_labels: torch.Tensor | None,
    weight: float,
) -> torch.Tensor:
    """The term (a scalar); unconditional batches (labels None) are one class. A class with
    no real image in the batch puts no bound on its fakes."""
    fake_ink = ink_share(fake)
    real_ink = ink_share(real.to(fake.dtype)).detach()
    if fake_labels is None or real_labels is None:
        fake_labels = torch.zeros(len(fake), dtype=torch.long, device=fake.device)
        real_labels = torch.zeros(len(real), dtype=torch.long, device=fake.device)
    classes = int(max(fake_labels.max().item(), real_labels.max().item())) + 1
    cap = torch.full((classes,), float("inf"), device=fake.device, dtype=fake_ink.dtype)
    cap = cap.scatter_reduce(0, real_labels.to(fake.device), real_ink, "amax", include_self=False)
    bound = cap[fake_labels.to(fake.device)]
    bound = torch.where(torch.isfinite(bound), bound, fake_ink.detach())  # unbounded: no excess
    excess = torch.relu(fake_ink - bound) / bound.clamp_min(1e-6)
    return weight * excess.mean()

"""The mode-seeking term of MSGAN (Mao et al., CVPR 2019), added to G's loss.

For two latents z1, z2 of the same class, G is rewarded when its images differ in proportion
to the latents: ``ratio = mean|G(z1) - G(z2)| / mean|z1 - z2|`` and G's loss gains
``weight / (ratio + 1e-5)``. A generator that ignores z (one image per class, the collapse of a
conditional GAN) makes the ratio ~0 and the term large.

MSGAN draws a second latent batch for the same labels; here the pairs come from the batch G
already drew: each sample is paired with the next sample of its own class (the batch sorted by
class, rolled by one within each class), so the term costs no extra generator pass.
"""

from __future__ import annotations

import torch

EPSILON = 1e-5


def same_class_partners(labels: torch.Tensor | None, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(i, j) index pairs, i != j, with labels[i] == labels[j]; every sample of a class that
    has at least two members appears once as i. Unconditional: each sample and the next."""
    if labels is None:
        first = torch.arange(n)
        return first, first.roll(-1)
    order = torch.argsort(labels.cpu(), stable=True)
    sorted_labels = labels.cpu()[order]
    firsts, partners = [], []
    for value in torch.unique(sorted_labels):
        members = order[sorted_labels == value]
        if len(members) >= 2:
            firsts.append(members)
            partners.append(members.roll(-1))
    if not firsts:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty
    return torch.cat(firsts), torch.cat(partners)


def mode_seeking_loss(
    fake: torch.Tensor, z: torch.Tensor, labels: torch.Tensor | None, weight: float
) -> torch.Tensor:
    """``weight / (ratio + eps)`` over same-class pairs of the batch; zero without pairs."""
    i, j = same_class_partners(labels, len(fake))
    if len(i) == 0:
        return fake.new_zeros(())
    i, j = i.to(fake.device), j.to(fake.device)
    image_gap = (fake[i].float() - fake[j].float()).abs().mean()
    latent_gap = (z[i].float() - z[j].float()).abs().mean()
    return weight / (image_gap / latent_gap + EPSILON)

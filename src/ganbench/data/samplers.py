"""The order in which one epoch visits a data set.

``shuffled``: a uniform random permutation. ``grouped`` (seed 000): items come in runs of
``group_size`` of one class, the runs in random order, so the discriminator sees
consecutive examples of the same kind. A group of k = m x batch_size gives m consecutive
single-class batches.
"""

from __future__ import annotations

import torch

SAMPLERS = ("shuffled", "grouped")


def epoch_order(
    labels: torch.Tensor, sampler: str, group_size: int, generator: torch.Generator
) -> torch.Tensor:
    if sampler == "shuffled":
        return torch.randperm(len(labels), generator=generator)
    if sampler != "grouped":
        raise ValueError(f"unknown sampler {sampler!r}; known: {', '.join(SAMPLERS)}")
    groups: list[torch.Tensor] = []
    for label in torch.unique(labels).tolist():
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        groups.extend(members.split(group_size))
    visit = torch.randperm(len(groups), generator=generator).tolist()
    return torch.cat([groups[g] for g in visit])

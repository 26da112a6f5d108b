"""MSGAN's mode-seeking term: same-class pairs and the formula."""

import pytest
import torch

from ganbench.objectives.mode_seeking import mode_seeking_loss, same_class_partners


def test_partners_share_the_class_and_differ_from_the_sample():
    labels = torch.tensor([2, 0, 2, 1, 0, 2, 3])
    i, j = same_class_partners(labels, len(labels))
    assert torch.equal(labels[i], labels[j])
    assert bool((i != j).all())
    # classes 1 and 3 have one member each: they take no part; the others appear once as i
    assert sorted(i.tolist()) == [0, 1, 2, 4, 5]


def test_unconditional_pairs_are_neighbours():
    i, j = same_class_partners(None, 4)
    assert i.tolist() == [0, 1, 2, 3] and j.tolist() == [1, 2, 3, 0]


def test_loss_is_weight_over_the_image_to_latent_gap_ratio():
    fake = torch.tensor([[0.0, 0.0], [1.0, 3.0]])  # mean |diff| = 2
    z = torch.tensor([[0.0], [4.0]])  # mean |diff| = 4
    loss = mode_seeking_loss(fake, z, torch.tensor([1, 1]), weight=2.0)
    assert loss.item() == pytest.approx(2.0 / (2.0 / 4.0 + 1e-5))


def test_collapsed_generator_pays_much_more_than_a_varied_one():
    z = torch.randn(8, 4)
    labels = torch.tensor([0, 1] * 4)
    collapsed = torch.zeros(8, 3, 4, 4, requires_grad=True)
    varied = torch.randn(8, 3, 4, 4)
    assert mode_seeking_loss(collapsed, z, labels, 1.0) > 100 * mode_seeking_loss(
        varied, z, labels, 1.0
    )
    mode_seeking_loss(collapsed + 0.01 * varied, z, labels, 1.0).backward()
    assert collapsed.grad is not None and collapsed.grad.abs().sum() > 0


def test_no_pairs_gives_zero():
    assert mode_seeking_loss(torch.ones(2, 3), torch.ones(2, 1), torch.tensor([0, 1]), 1.0) == 0

"""The ink-excess term: zero for fakes within their class's real ink, positive for fakes with
more, and its gradient takes ink away; the ink is read as the shape-count check reads it."""

import torch

from ganbench.objectives.ink_excess import ink_excess_loss, ink_share


def _page(inked_rows: int, size: int = 32, rim: float = 0.0) -> torch.Tensor:
    """A white page (1.0) with its first ``inked_rows`` rows drawn in black, and the next row
    ``rim`` of the way to black (a soft edge)."""
    image = torch.ones(1, 3, size, size)
    image[:, :, :inked_rows] = -1.0
    image[:, :, inked_rows] = 1.0 - 2.0 * rim
    return image


def test_ink_share_reads_ink_like_the_count_check():
    dark = ink_share(_page(8))
    assert torch.allclose(dark, torch.tensor([0.25]), atol=1e-3)  # a quarter of the page
    faint = torch.ones(1, 3, 32, 32)
    faint[:, 2, :8] = 0.8  # faint ink alone weighs as dark ink does (scale-free, like the check)
    assert torch.allclose(ink_share(faint), dark, atol=1e-3)
    assert ink_share(_page(8, rim=0.5)) > dark + 0.01  # a soft rim adds to the area
    assert ink_share(_page(8, rim=0.1)) < dark + 0.002  # ink under the gate does not
    assert ink_share(torch.ones(2, 3, 8, 8)).eq(0).all()


def test_only_ink_beyond_every_real_image_of_the_class_costs():
    real = torch.cat([_page(2), _page(4), _page(8)])
    real_labels = torch.tensor([0, 0, 1])
    within = torch.cat([_page(3), _page(8)])  # class 0 under its max (4 rows), class 1 at it
    assert ink_excess_loss(within, torch.tensor([0, 1]), real, real_labels, 1.0) < 1e-3
    over = _page(6, rim=0.5).requires_grad_(True)  # class 0: 6.5 rows against at most 4
    loss = ink_excess_loss(over, torch.tensor([0]), real, real_labels, 2.0)
    assert torch.isclose(loss, torch.tensor(2.0 * (6.5 - 4) / 4), rtol=0.02)
    loss.backward()
    stepped = (over - 0.5 * over.grad / over.grad.abs().max()).detach()
    assert ink_share(stepped) < ink_share(over.detach())  # its gradient takes ink away
    # a class with no real image in the batch is not bounded
    assert ink_excess_loss(_page(12), torch.tensor([2]), real, real_labels, 1.0) == 0
    # without labels every real image bounds every fake
    assert ink_excess_loss(_page(10), None, real, None, 1.0) > 0

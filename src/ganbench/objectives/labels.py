"""Label tricks for cross-entropy discriminators (seed 001, chapter 5, "GAN hacks").

- One-sided smoothing: reals labelled ``real_label`` = 0.9 instead of 1 (Salimans et al. 2016).
- Two-sided smoothing: fakes labelled ``fake_label`` > 0 as well.
- Random soft labels: reals drawn from U(0.7, 1.2), fakes from U(0.0, 0.3) per sample.
- Noisy labels: a share ``flip`` of D's labels swapped, real marked fake and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

SOFT_REAL = (0.7, 1.2)
SOFT_FAKE = (0.0, 0.3)


@dataclass(frozen=True)
class LabelTricks:
    real: float = 1.0
    fake: float = 0.0
    soft: bool = False
    flip: float = 0.0

    @property
    def active(self) -> bool:
        return self.real != 1.0 or self.fake != 0.0 or self.soft or self.flip > 0

    def targets(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(targets for n real samples, targets for n fake samples)."""
        if self.soft:
            real = torch.empty(n).uniform_(*SOFT_REAL, generator=rng)
            fake = torch.empty(n).uniform_(*SOFT_FAKE, generator=rng)
        else:
            real, fake = torch.full((n,), self.real), torch.full((n,), self.fake)
        if self.flip > 0:
            swap_real = torch.rand(n, generator=rng) < self.flip
            swap_fake = torch.rand(n, generator=rng) < self.flip
            real, fake = (
                torch.where(swap_real, fake.roll(1), real),
                torch.where(swap_fake, real.roll(1), fake),
            )
        return real, fake

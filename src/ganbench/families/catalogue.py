"""The GAN families by name, importable without torch (the config validates against it).

One line per family: its name, the module that defines it, and the class.
"""

from __future__ import annotations

FAMILIES: dict[str, tuple[str, str]] = {
    "gan": ("ganbench.families.gan", "GANFamily"),
    "sgan": ("ganbench.families.sgan", "SGANFamily"),
    "cyclegan": ("ganbench.families.cyclegan", "CycleGANFamily"),
    "bigan": ("ganbench.families.bigan", "BiGANFamily"),
    "egan": ("ganbench.families.egan", "EGANFamily"),
    "pggan": ("ganbench.families.pggan", "PGGANFamily"),
}

FAMILY_NAMES = tuple(FAMILIES)
# Families with their own config section (named after the family), validated by the family.
FAMILY_SECTIONS = ("sgan", "cyclegan", "bigan", "egan", "pggan")

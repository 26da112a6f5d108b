"""The GAN families by name, importable without torch (the config validates against it).

One line per family: its name, the module that defines it, and the class.
"""

from __future__ import annotations

FAMILIES: dict[str, tuple[str, str]] = {
    "gan": ("ganbench.families.gan", "GANFamily"),
}

FAMILY_NAMES = tuple(FAMILIES)

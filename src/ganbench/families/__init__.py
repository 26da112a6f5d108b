"""GAN families: how the networks of a run are built and updated, one file each.

:mod:`~ganbench.families.base` is the interface, :mod:`~ganbench.families.catalogue` the list
of families by name, :mod:`~ganbench.families.build` builds the one a config names.
"""

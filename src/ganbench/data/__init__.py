"""Data sources: synthetic shapes, 1D/2D toys and real image sets, each with its truth.

``catalogue`` describes them (torch-free), ``build.build_dataset`` loads one from a config.
"""

"""Measuring what a generator makes: truth on synthetic data, distances in feature spaces."""

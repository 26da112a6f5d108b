"""Latent-space tools: interpolation, vector arithmetic, walks, truncation (seeds 001, 003)."""

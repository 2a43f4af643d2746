"""The economy: products, techniques and their inputs; bundles on disk; validation."""

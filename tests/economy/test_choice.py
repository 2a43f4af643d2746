"""Choosing one technique per product: the chosen inputs applied without copying agree with
the matrix itself, both ways."""

from __future__ import annotations

import numpy as np

from commonplan.economy.choice import technique_system
from commonplan.economy.synthetic import generate


def test_chosen_inputs_and_their_transpose_agree_with_the_matrix():
    system = technique_system(generate(200, seed=4, alternatives=0.3))
    _, choice = system.cheapest(system.labour)
    chosen = system.chosen(choice)
    matrix = chosen.tocsr()
    x = np.random.default_rng(4).random(matrix.shape[0])
    scale = float(np.abs(matrix).sum())
    assert np.allclose(chosen @ x, matrix @ x, rtol=0, atol=1e-12 * scale)
    assert np.allclose(chosen.T @ x, matrix.T @ x, rtol=0, atol=1e-12 * scale)
    assert system.by_product is system.by_product  # built once

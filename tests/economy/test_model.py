"""The in-memory economy is immutable."""

from __future__ import annotations

import pytest

from commonplan.economy.build import build_economy


def test_the_economy_cannot_be_changed_after_it_is_read() -> None:
    economy = build_economy(
        products=[{"id": "bread", "kind": "good"}, {"id": "work", "kind": "labour"}],
        techniques=[{"id": "bakery", "output": "bread"}],
        inputs=[{"technique": "bakery", "product": "work", "quantity": 0.1}])
    arrays = (economy.inputs.data, economy.inputs.indices, economy.techniques.yields,
              economy.techniques.outputs, economy.products.kinds, economy.available)
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1

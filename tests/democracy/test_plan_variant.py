"""The plan variant for voted priorities: needs moved to the tiers the council chose."""

from __future__ import annotations

import pytest

from commonplan.democracy.plan_variant import needs_with_tiers
from commonplan.democracy.refusals import Refusal
from commonplan.economy.bundle import read_bundle


def test_voted_tiers_replace_the_priority_of_every_row_of_their_product(make_bundle):
    economy = read_bundle(make_bundle()).economy  # bread at 1 and 2, park at 1
    needs = needs_with_tiers(economy, {"bread": 3})
    ids = economy.products.ids.to_pylist()
    rows = [(ids[p], float(q), int(t)) for p, q, t in zip(needs.products, needs.quantities, needs.priorities,
                                                           strict=True)]
    assert sorted(rows) == [("bread", 5.0, 3), ("bread", 10.0, 3), ("park", 100.0, 1)]


def test_a_product_the_economy_lacks_is_refused_by_name(make_bundle):
    economy = read_bundle(make_bundle()).economy
    with pytest.raises(Refusal) as refused:
        needs_with_tiers(economy, {"cake": 1})
    assert "cake" in refused.value.reason

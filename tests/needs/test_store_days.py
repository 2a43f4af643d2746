"""Store-product-days merged from purchase keys and empty-day keys by sorting."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from commonplan.needs.store_days import merged

keys = st.lists(st.integers(0, 50), max_size=60)


@given(keys, keys, st.data())
def test_each_store_day_appears_once_with_its_sales_summed_and_its_emptiness(
        bought: list[int], emptied: list[int], data: st.DataObject) -> None:
    quantity = data.draw(st.lists(st.integers(0, 9), min_size=len(bought), max_size=len(bought)))
    found, sold, empty = merged(np.array(bought, np.int64), np.array(quantity, np.float64),
                                np.array(emptied, np.int64))
    expected: dict[int, float] = defaultdict(float)
    for key, units in zip(bought, quantity, strict=True):
        expected[key] += units
    for key in emptied:
        expected[key] += 0.0
    assert sorted(found.tolist()) == sorted(expected)
    assert dict(zip(found.tolist(), sold.tolist(), strict=True)) == expected
    assert dict(zip(found.tolist(), empty.tolist(), strict=True)) == {key: key in set(emptied)
                                                                       for key in expected}


def test_the_result_does_not_depend_on_the_order_rows_arrive_in() -> None:
    random = np.random.default_rng(3)
    bought, emptied = random.integers(0, 1000, 500), random.integers(0, 1000, 400)
    quantity = random.integers(1, 5, 500).astype(float)
    first = merged(bought, quantity, emptied)
    shuffle, other = random.permutation(500), random.permutation(400)
    second = merged(bought[shuffle], quantity[shuffle], emptied[other])
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)

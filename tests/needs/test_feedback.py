"""The marketing rule: shortages and growing waiting lists raise targets, surplus lowers them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.needs.feedback import FeedbackRule, Signals

RULE = FeedbackRule()


def test_frequent_empty_shelves_raise_the_target_and_say_why() -> None:
    target, made = RULE.adjust("bread", 100.0, Signals(0.2, 0, 0, None), 365)
    assert target == pytest.approx(110.0)
    assert [a.reason for a in made] == ["shelves ended empty on 20% of store-days: target raised 10.0%"]


def test_a_growing_waiting_list_raises_the_target() -> None:
    target, made = RULE.adjust("shoes", 365.0, Signals(0.0, 6, 2, None), 365)
    assert target == 365 * 1 + 365 * min(4 / 28, 0.25) and "waiting list grew from 2 to 6" in made[0].reason


def test_chronic_surplus_lowers_the_target() -> None:
    target, made = RULE.adjust("hats", 100.0, Signals(0.0, 0, 0, 200.0), 365)
    assert target == pytest.approx(90.0) and "200 days of demand" in made[0].reason


def test_a_product_without_signals_is_left_alone() -> None:
    assert RULE.adjust("milk", 100.0, Signals(0.01, 3, 3, 10.0), 365) == (100.0, [])


@given(st.floats(0, 1), st.floats(0, 1e6), st.floats(0, 1e6), st.none() | st.floats(0, 1e4),
       st.floats(0, 1e9))
def test_no_adjustment_moves_a_target_by_more_than_its_limits(share, recent, earlier, cover, target) -> None:
    after, made = RULE.adjust("p", target, Signals(share, recent, earlier, cover), 365)
    most = target * (1 + RULE.most_raise) ** 2 * (1 + 1e-12)
    assert target * (1 - RULE.surplus_cut) * (1 - 1e-12) <= after <= most
    for adjustment in made:
        assert adjustment.after == adjustment.before * adjustment.factor and adjustment.reason

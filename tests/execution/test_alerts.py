"""The rules of alarms that climb: what a forecast raises (the latest alarm per direction, a
forecast shortfall only with its whole interval below plan), and the climb of an unanswered
alert, one period a step from the deadline passed, up to the top and no further."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.execution.alerts import (
    MAX_NOTE,
    SHORTFALL,
    Cause,
    Direction,
    checked_hours,
    checked_note,
    climb,
    trigger,
)

T0 = datetime(2030, 5, 1, tzinfo=UTC)
CHAIN = {3: 2, 2: 1, 1: None}  # a workplace under a district under a region


def test_the_latest_alarm_in_each_direction_is_raised_before_a_forecast_shortfall():
    raised = trigger(0.5, 0.7, [("2030-W18", True), ("2030-W20", True), ("2030-W19", False)], "2030-W21")
    assert {(each.direction, each.cause, each.period) for each in raised} == {
        (Direction.BELOW, Cause.ALARM, "2030-W20"), (Direction.ABOVE, Cause.ALARM, "2030-W19")}


def test_a_forecast_shortfall_raises_only_with_its_whole_interval_below_plan():
    below = 1 - SHORTFALL - 0.01
    [raised] = trigger(below, 0.99, [], "2030-W21")
    assert (raised.cause, raised.period) == (Cause.FORECAST, "2030-W21")
    assert trigger(below, 1.0, [], "2030-W21") == []  # the plan still within the interval
    assert trigger(1 - SHORTFALL + 0.01, 0.99, [], "2030-W21") == []
    assert trigger(below, 0.99, [], None) == []


def test_an_unanswered_alert_climbs_one_period_a_step_from_the_deadline_passed_to_the_top():
    steps = climb(3, T0, T0 + timedelta(hours=100), 48, CHAIN.get)
    assert [(s.from_council, s.to_council, s.passed, s.deadline) for s in steps] == [
        (3, 2, T0, T0 + timedelta(hours=48)), (2, 1, T0 + timedelta(hours=48), T0 + timedelta(hours=96))]
    assert climb(1, T0, T0 + timedelta(days=30), 48, CHAIN.get) == []  # the top: nowhere to go
    assert climb(3, T0, T0 - timedelta(seconds=1), 48, CHAIN.get) == []  # not yet


@given(st.integers(1, 2000), st.integers(1, 500))
def test_a_climb_never_skips_a_council_nor_lands_a_step_before_its_deadline(hours, elapsed):
    now = T0 + timedelta(hours=elapsed)
    steps = climb(3, T0, now, hours, CHAIN.get)
    assert [s.to_council for s in steps] == [2, 1][:len(steps)]
    assert all(s.passed <= now and s.deadline == s.passed + timedelta(hours=hours) for s in steps)
    assert len(steps) == min(2, elapsed // hours + 1)


def test_the_period_and_the_account_are_bounded():
    assert checked_hours(48) == 48
    for bad in (0, 2161, 1.5, True, "48", float("nan")):
        with pytest.raises(ValueError, match="whole number of hours"):
            checked_hours(bad)
    assert checked_note("  mended  ") == "mended"
    for bad in ("", "   ", "x" * (MAX_NOTE + 1), "a\x00b"):
        with pytest.raises(ValueError):
            checked_note(bad)

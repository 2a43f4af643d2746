"""The periods workplaces report for: days and ISO weeks written and read back, every day in
exactly one period, what is due, and missing = due minus reported."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.execution.periods import (
    GRACE_DAYS,
    Cadence,
    PeriodError,
    due_periods,
    in_execution,
    missing,
    parse_period,
    period_of,
    periods_from,
)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
cadences = st.sampled_from(list(Cadence))


@given(days, cadences)
def test_a_period_reads_back_from_its_label_and_holds_its_day(day, cadence):
    period = period_of(day, cadence)
    assert parse_period(period.label, cadence) == period
    assert period.start <= day <= period.end
    assert (period.end - period.start).days == (0 if cadence is Cadence.DAY else 6)


@given(days, st.integers(0, 400), cadences)
def test_the_periods_of_a_span_cover_each_day_exactly_once(first, length, cadence):
    last = first + timedelta(days=length)
    periods = list(periods_from(first, last, cadence))
    assert periods[0].start <= first and periods[-1].end >= last
    for before, after in pairwise(periods):
        assert after.start == before.end + timedelta(days=1)


@given(days, st.integers(0, 200), st.integers(0, 60), cadences, st.data())
def test_missing_is_due_minus_reported(since, length, later, cadence, data):
    until = since + timedelta(days=length)
    today = until + timedelta(days=later)
    due = due_periods(since, until, today, cadence)
    assert all(period.due_by < today and period.overlaps(since, until) for period in due)
    everything = [period.label for period in periods_from(since, until, cadence)]
    reported = data.draw(st.lists(st.sampled_from(everything), unique=True))
    lacking = missing(due, reported)
    assert [period.label for period in lacking] == [p.label for p in due if p.label not in set(reported)]
    assert len(lacking) == len(due) - len({p.label for p in due} & set(reported))


def test_a_period_is_due_the_day_after_its_last_day_and_late_after_that():
    monday = date(2026, 3, 2)
    week = period_of(monday, Cadence.WEEK)
    assert (week.label, week.end) == ("2026-W10", date(2026, 3, 8))
    assert week.due_by == date(2026, 3, 8) + timedelta(GRACE_DAYS)
    assert due_periods(monday, monday + timedelta(days=30), week.due_by, Cadence.WEEK) == []
    after = week.due_by + timedelta(1)
    assert due_periods(monday, monday + timedelta(days=30), after, Cadence.WEEK) == [week]


def test_a_report_may_be_for_a_period_begun_within_the_execution():
    since, today = date(2026, 3, 4), date(2026, 3, 20)  # a Wednesday: its week overlaps the execution
    assert in_execution(period_of(date(2026, 3, 2), Cadence.WEEK), since, today)
    assert not in_execution(period_of(date(2026, 3, 3), Cadence.DAY), since, today)
    assert not in_execution(period_of(date(2026, 3, 21), Cadence.DAY), since, today)


@pytest.mark.parametrize(("text", "cadence", "said"), [
    ("2026-02-30", Cadence.DAY, "no day of the calendar"),
    ("2026-W54", Cadence.WEEK, "no week of the calendar"),
    ("2026-03-04", Cadence.WEEK, "'2026-W10'"),
    ("2026-W10", Cadence.DAY, "'2026-03-02'"),
    ("March", Cadence.DAY, "not a period"),
])
def test_a_period_that_cannot_be_read_says_why(text, cadence, said):
    with pytest.raises(PeriodError, match=said):
        parse_period(text, cadence)

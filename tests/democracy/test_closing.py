"""When a ballot closes: at the closing time fixed from the council's voting period when it
opens, or earlier only once every member entitled to vote has voted; nobody closes it before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.closing import (
    DEFAULT_VOTING_DAYS,
    MAX_OPEN_DAYS,
    check_close,
    check_voting_days,
    closing_time,
)
from commonplan.democracy.refusals import Refusal

OPENED = datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_a_ballot_closes_a_voting_period_after_it_opens_by_default():
    assert DEFAULT_VOTING_DAYS == 7
    assert closing_time(OPENED, 7) == OPENED + timedelta(days=7)


def test_an_opener_may_give_a_later_closing_time_never_an_earlier_one():
    assert closing_time(OPENED, 7, OPENED + timedelta(days=9)) == OPENED + timedelta(days=9)
    with pytest.raises(Refusal) as early:
        closing_time(OPENED, 7, OPENED + timedelta(days=6, hours=23))
    assert early.value.code == "invalid_ballot" and "at least 7 day" in early.value.reason
    with pytest.raises(Refusal):
        closing_time(OPENED, 7, OPENED + timedelta(days=MAX_OPEN_DAYS, seconds=1))


@pytest.mark.parametrize("days", [0, -1, 91, 7.5, True, "7"])
def test_a_voting_period_out_of_bounds_is_refused(days):
    with pytest.raises(Refusal) as refused:
        check_voting_days(days)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_council"


@given(voted=st.integers(0, 1000), entitled=st.integers(1, 1000),
       elapsed=st.integers(-10**6, 10**6).map(lambda s: timedelta(seconds=s)))
def test_a_ballot_closes_only_at_its_time_or_when_everyone_entitled_has_voted(voted, entitled, elapsed):
    """The one rule, over every count of votes and every moment around the closing time."""
    closes = OPENED + timedelta(days=7)
    may = closes + elapsed >= closes or voted >= entitled
    try:
        check_close(closes + elapsed, closes, voted, entitled, 1)
    except Refusal as refusal:
        assert not may and refusal.code == "ballot_open"
    else:
        assert may


def test_a_council_nobody_belongs_to_never_closes_early():
    with pytest.raises(Refusal):
        check_close(OPENED, OPENED + timedelta(days=7), 0, 0, 1)

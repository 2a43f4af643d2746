"""When a ballot closes: at the closing time fixed when it opens, from the council's minimum
voting period, and earlier only once every member entitled to vote has voted.

Nobody, its opener included, closes a ballot earlier: a binding decision (an election, a
recall, a by-election, pay, a plan, priorities, shares, a budget) is never taken by whoever
moves first. The minimum voting period is the council's rule (``voting_days``, by default
:data:`DEFAULT_VOTING_DAYS`); an opener may give a later closing time, never an earlier one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from commonplan.democracy.refusals import BALLOT_OPEN, INVALID_BALLOT, INVALID_COUNCIL, Refusal


class BallotState(StrEnum):
    """A ballot's state: ``open`` to votes, ``counting`` once the voting stopped (the count under
    way), ``closed`` with its result. Stored as its value."""

    OPEN = "open"
    COUNTING = "counting"
    CLOSED = "closed"

DEFAULT_VOTING_DAYS = 7      # recall and by-elections included: a week to learn of it and vote
MIN_VOTING_DAYS = 1          # no council's rule makes a ballot shorter than a day
MAX_VOTING_DAYS = 90         # nor its minimum longer than a season
MAX_OPEN_DAYS = 366          # no ballot stays open longer than a year


def check_voting_days(days: int) -> int:
    """A council's minimum voting period in whole days, within the documented bounds."""
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_VOTING_DAYS <= days <= MAX_VOTING_DAYS:
        raise Refusal(INVALID_COUNCIL, f"voting_days must be a whole number of days from {MIN_VOTING_DAYS} "
                                       f"to {MAX_VOTING_DAYS}, not {days!r}")
    return days


def closing_time(opened_at: datetime, voting_days: int, requested: datetime | None = None) -> datetime:
    """The closing time of a ballot opened at ``opened_at``: ``requested`` when given and at least
    ``voting_days`` later (at most :data:`MAX_OPEN_DAYS`), else exactly ``voting_days`` later."""
    earliest = opened_at + timedelta(days=voting_days)
    if requested is None:
        return earliest
    if requested < earliest:
        raise Refusal(INVALID_BALLOT, f"the closing time {requested.isoformat()} is too early: this council "
                                      f"votes for at least {voting_days} day(s), until "
                                      f"{earliest.isoformat()} or later")
    if requested > opened_at + timedelta(days=MAX_OPEN_DAYS):
        raise Refusal(INVALID_BALLOT, f"the closing time {requested.isoformat()} is more than "
                                      f"{MAX_OPEN_DAYS} days away")
    return requested


def check_close(now: datetime, closes_at: datetime, voted: int, entitled: int, ballot: int) -> None:
    """Refuse to close before ``closes_at`` unless all ``entitled`` members have voted."""
    if now >= closes_at or (entitled > 0 and voted >= entitled):
        return
    raise Refusal(BALLOT_OPEN, f"ballot {ballot} stays open until its closing time "
                               f"({closes_at.isoformat()}) or until every member has voted "
                               f"({voted} of {entitled} have)")

"""The periods a workplace reports for: a day (``2026-03-04``) or an ISO week (``2026-W10``,
Monday to Sunday), as the round says (its ``report_every``). A period's report is due by the end
of the :data:`GRACE_DAYS` day after its last day; reported after that, it is late.

Which periods are due: every period of the round's cadence that overlaps the execution period
(from the day the round entered execution to the day it closed, or today) and whose due day has
passed. Missing: due, with no report (:func:`missing`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from commonplan.errors import InputError

GRACE_DAYS = 1  # a period's report is due by the end of the day after its last day
MAX_PERIODS = 3660  # periods of one round at most (ten years of days)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class Cadence(StrEnum):
    """How often a round's workplaces report; the values are the words stored."""

    DAY = "day"
    WEEK = "week"


class PeriodError(InputError):
    """A period that cannot be read, or not of the round's cadence; the message says why."""


@dataclass(frozen=True, order=True)
class Period:
    """A day or a week, from ``start`` to ``end`` (both included)."""

    start: date
    end: date
    cadence: Cadence

    @property
    def label(self) -> str:
        """The period as written in reports: ``2026-03-04`` or ``2026-W10``."""
        if self.cadence is Cadence.DAY:
            return self.start.isoformat()
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def due_by(self) -> date:
        """The last day on which its report is on time."""
        return self.end + timedelta(days=GRACE_DAYS)

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and first <= self.end


def parse_period(text: str, cadence: Cadence) -> Period:
    """The period ``text`` names (a day ``YYYY-MM-DD`` or a week ``YYYY-Www``); a PeriodError
    when it is neither, names no real day or week, or is not of ``cadence``."""
    text = text.strip()
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise PeriodError(f"{text!r} is no day of the calendar") from None
        if cadence is not Cadence.DAY:
            raise PeriodError(f"this round's workplaces report every week: a week such as "
                              f"{period_of(day, Cadence.WEEK).label!r}, not the day {text!r}")
        return period_of(day, cadence)
    if matched := _WEEK.fullmatch(text):
        try:
            monday = date.fromisocalendar(int(matched[1]), int(matched[2]), 1)
        except ValueError:
            raise PeriodError(f"{text!r} is no week of the calendar (ISO 8601 weeks are 01 to 52 "
                              "or 53)") from None
        if cadence is not Cadence.WEEK:
            raise PeriodError(f"this round's workplaces report every day: a day such as "
                              f"{monday.isoformat()!r}, not the week {text!r}")
        return period_of(monday, cadence)
    raise PeriodError(f"{text[:40]!r} is not a period: a day is written 2026-03-04, an ISO week 2026-W10")


def period_of(day: date, cadence: Cadence) -> Period:
    """The period of ``cadence`` holding ``day``."""
    if cadence is Cadence.DAY:
        return Period(day, day, cadence)
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6), cadence)


def periods_from(first: date, last: date, cadence: Cadence) -> Iterator[Period]:
    """Every period of ``cadence`` overlapping the days ``first`` to ``last``, in order (at most
    :data:`MAX_PERIODS`)."""
    period = period_of(first, cadence)
    for _ in range(MAX_PERIODS):
        if period.start > last:
            return
        yield period
        period = period_of(period.end + timedelta(days=1), cadence)


def due_periods(since: date, until: date, today: date, cadence: Cadence) -> list[Period]:
    """The periods whose reports are due by ``today``: those overlapping the execution period
    ``since`` to ``until`` whose due day is before ``today``."""
    return [period for period in periods_from(since, min(until, today), cadence) if period.due_by < today]


def missing(due: Iterable[Period], reported: Iterable[str]) -> list[Period]:
    """The due periods with no report (``reported``: the labels of the periods reported), in order."""
    have = set(reported)
    return sorted(period for period in due if period.label not in have)


def in_execution(period: Period, since: date, today: date) -> bool:
    """Whether a report may be for ``period``: it overlaps the execution period so far (from
    ``since``, the day the round entered execution, to ``today``: a period not yet begun has
    nothing to report)."""
    return period.overlaps(since, today)

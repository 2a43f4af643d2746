"""Alarms that climb (Cybersyn's algedonic signal): when an alert is raised for a target, how long
the council holding it has to acknowledge it and then to act on it, and where it goes when it
does not. Pure rules over plain data; the acts are app.acts.alerts.

- An alert is **raised** for a workplace's output target (one per target and direction at a
  time) when a report raises a CUSUM alarm (execution.forecast), or when the forecast of the
  target's fulfilment falls below plan beyond :data:`SHORTFALL` with its whole interval below
  plan (:func:`trigger`). It is held first by the workplace council responsible.
- The council holding it has the round's ``alert_hours`` (set when the round is opened,
  :data:`DEFAULT_HOURS` by default) to **acknowledge** it; an acknowledgement stops the climb
  for a second period of the same length, within which the council must **act** on it (a short
  account of what it does: a dispute of its targets, the remedy). Acting closes it.
- A deadline passed without the step due, the alert **climbs** to the council above (its
  ``parent``), waiting for that council's acknowledgement, with a new deadline one period after
  the one passed (so a late sweep lands every step on the time it was due); at the top of the
  federation it stays, **overdue**, for everybody to see (:func:`climb`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_HOURS = 48  # to acknowledge, then to act, unless the round sets otherwise
MIN_HOURS = 1
MAX_HOURS = 24 * 90
SHORTFALL = 0.05  # a forecast of fulfilment below 1 - SHORTFALL (with its interval below 1) raises an alert
MAX_NOTE = 2000  # characters of an account of what is done
MAX_STEPS = 16  # steps of one climb applied in one sweep (a chain of councils is shorter)


class AlertState(StrEnum):
    """Where an alert stands; the values are the words stored."""

    RAISED = "raised"  # waiting for the holder's acknowledgement
    ACKNOWLEDGED = "acknowledged"  # waiting for the holder's action
    ACTED = "acted"  # closed: the holder said what it does


class Direction(StrEnum):
    BELOW = "below"
    ABOVE = "above"


class Cause(StrEnum):
    ALARM = "alarm"  # the CUSUM of the reports against plan
    FORECAST = "forecast"  # the forecast of fulfilment below plan beyond SHORTFALL


OPEN_STATES = (AlertState.RAISED, AlertState.ACKNOWLEDGED)


@dataclass(frozen=True)
class Trigger:
    """Why an alert is raised: its cause, direction and the period of the report that raised it."""

    cause: Cause
    direction: Direction
    period: str  # the label of the period (execution.periods: labels of one cadence sort as the periods)


@dataclass(frozen=True)
class Step:
    """One step of a climb: from a council to the one above, the deadline it passed, the new one."""

    from_council: int
    to_council: int
    passed: datetime
    deadline: datetime


def checked_hours(hours: object) -> int:
    """``hours`` as the round's alert period; a ValueError naming the bounds otherwise."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours) \
            or int(hours) != hours or not MIN_HOURS <= hours <= MAX_HOURS:
        raise ValueError(f"an alert's period is a whole number of hours from {MIN_HOURS} to {MAX_HOURS}, "
                         f"not {hours!r}")
    return int(hours)


def trigger(fulfilment: float, high: float, alarms: list[tuple[str, bool]],
            reported: str | None) -> list[Trigger]:
    """What the latest forecast of a target raises: the latest alarm in each direction (period
    label, below) and, if the forecast of fulfilment is below ``1 - SHORTFALL`` with its
    interval's ``high`` below 1, a shortfall at the period just ``reported`` (None: none). At
    most one per direction, an alarm first."""
    found: dict[Direction, Trigger] = {}
    for period, below in sorted(alarms, reverse=True):
        direction = Direction.BELOW if below else Direction.ABOVE
        found.setdefault(direction, Trigger(Cause.ALARM, direction, period))
    if reported is not None and fulfilment < 1 - SHORTFALL and high < 1:
        found.setdefault(Direction.BELOW, Trigger(Cause.FORECAST, Direction.BELOW, reported))
    return list(found.values())


def deadline_after(moment: datetime, hours: int) -> datetime:
    return moment + timedelta(hours=hours)


def climb(holder: int, deadline: datetime, now: datetime, hours: int,
          parent: Callable[[int], int | None]) -> list[Step]:
    """The steps an open alert held by ``holder`` since ``deadline`` passed takes by ``now``:
    one to each council above while each new deadline has passed too (none when ``deadline``
    is still ahead, or at the top)."""
    steps: list[Step] = []
    while deadline <= now and len(steps) < MAX_STEPS:
        above = parent(holder)
        if above is None:
            break
        following = deadline_after(deadline, hours)
        steps.append(Step(holder, above, deadline, following))
        holder, deadline = above, following
    return steps


def checked_note(note: str) -> str:
    """An account of what is done: 1 to :data:`MAX_NOTE` characters of text, not blank; a
    ValueError otherwise."""
    text = note.strip()
    if not text or len(text) > MAX_NOTE or "\x00" in text:
        raise ValueError(f"an account of what is done is 1 to {MAX_NOTE} characters of text")
    return text

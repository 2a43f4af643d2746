"""Alarms that climb (execution.alerts): an alert raised on a workplace's target for the council
responsible, acknowledged and then acted on by a member of the council holding it, or climbing
to the council above when a deadline passes; each act and each step on the open books, and in
the alert's own history (store.models.AlertEvent: who saw what when).

A determined member must not silence an alarm, act for another council, nor flood the books:
only a member of the council holding the alert at the time acknowledges or acts (the climb due
is applied first, so a deadline passed is never beaten by a late acknowledgement); an
acknowledgement stops the climb only for a second period, within which the council must act or
the alert climbs again; an alert is acknowledged once and acted on once; the account of what is
done is bounded (execution.alerts.MAX_NOTE); one alert is open per target and direction (the
database's unique constraint is the second guard), and at most one is raised per target,
direction and period of reports. The climb happens without anyone acting: every read of alerts
(and every report filed) sweeps the round's overdue alerts under the books' lock, each step
re-read after the lock, so two processes sweeping at once climb each step once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import council_actor, found, member_of, utc
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import Step
from commonplan.execution.alerts import (
    OPEN_STATES,
    AlertState,
    Trigger,
    checked_note,
    climb,
    deadline_after,
)
from commonplan.store.books import OpenBooks
from commonplan.store.models import Alert, AlertEvent, Council, Member, Round

NO_TIER = 2**31 - 1  # the rank_tier of an alert that puts no tier at risk (ranks last)
SWEEP = 500  # overdue alerts climbed in one sweep at most (the next read goes on)


@dataclass(frozen=True)
class Raised:
    """What a new alert carries: the target, its trigger, the forecast and the consequences
    (execution.consequences, as app.alerts words them) with their rank."""

    producer: str
    product: str
    trigger: Trigger
    period: str
    fulfilment: float
    low: float
    high: float
    consequences: dict[str, Any]
    rank_tier: int | None
    rank_hours: float


def raise_alert(session: Session, books: OpenBooks, held: Round, council: Council,
                raised: Raised) -> Alert | None:
    """Raise an alert for the workplace council ``council`` (module doc); None when the target has
    an open alert in that direction already, or had one raised at that period or a later one."""
    direction = raised.trigger.direction.value
    books.lock(session)
    if not may_raise(session, held.id, raised.producer, raised.product, direction, raised.period):
        return None
    now = utc(books.clock())
    alert = Alert(
        round_id=held.id, council_id=council.id, producer=raised.producer, product=raised.product,
        direction=direction, cause=raised.trigger.cause.value, period=raised.period,
        fulfilment=raised.fulfilment, low=raised.low, high=raised.high, consequences=raised.consequences,
        rank_tier=NO_TIER if raised.rank_tier is None else raised.rank_tier, rank_hours=raised.rank_hours,
        state=AlertState.RAISED.value, holder_id=council.id, deadline=deadline_after(now, held.alert_hours),
        steps=0, raised_at=now)
    session.add(alert)
    session.flush()
    actor = council_actor(held.council_id)
    _event(session, alert, "raised", now, actor, council.id)
    books.record(session, "alert raised", actor, {
        "alert": alert.id, "round": held.id, "council": council.id, "producer": raised.producer,
        "product": raised.product, "direction": direction, "cause": alert.cause, "period": raised.period,
        "fulfilment": raised.fulfilment, "tier_at_risk": raised.rank_tier, "hours_at_risk": raised.rank_hours,
        "deadline": alert.deadline.isoformat()})
    return alert


def may_raise(session: Session, round_id: int, producer: str, product: str, direction: str,
              period: str) -> bool:
    """Whether a new alert may be raised on the target in that direction for ``period``: none is
    open, and none was raised for that period or a later one (labels of one cadence sort as the
    periods)."""
    same = (Alert.round_id == round_id, Alert.producer == producer, Alert.product == product,
            Alert.direction == direction)
    if session.scalar(select(func.count()).select_from(Alert).where(*same, Alert.open_slot.is_not(None))):
        return False
    latest = session.scalar(select(func.max(Alert.period)).where(*same))
    return latest is None or latest < period


def acknowledge_alert(session: Session, books: OpenBooks, member: Member, alert_id: int) -> Alert:
    """``member``, of the council holding the alert, acknowledges it: the climb stops for one
    period, within which the council must act on it."""
    alert = _held(session, books, alert_id)
    if alert.state != AlertState.RAISED:
        raise Refusal("not_eligible", f"alert {alert.id} is {alert.state} already: "
                      + ("it is closed" if alert.state == AlertState.ACTED else "act on it"))
    actor = member_of(session, books, found(session, Council, alert.holder_id, "council"), member)
    now = utc(books.clock())
    alert.state, alert.deadline = AlertState.ACKNOWLEDGED.value, deadline_after(now, _hours(session, alert))
    _event(session, alert, "acknowledged", now, actor, alert.holder_id, member_id=member.id)
    books.record(session, "alert acknowledged", actor, {
        "alert": alert.id, "round": alert.round_id, "council": alert.holder_id,
        "deadline": alert.deadline.isoformat()})
    return alert


def act_on_alert(session: Session, books: OpenBooks, member: Member, alert_id: int, note: str) -> Alert:
    """``member``, of the council holding the alert, says what the council does about it (``note``:
    a dispute of the targets, the remedy), which closes it."""
    try:
        said = checked_note(note)
    except ValueError as error:
        raise Refusal("invalid_request", str(error), field="note") from None
    alert = _held(session, books, alert_id)
    if alert.state not in OPEN_STATES:
        raise Refusal("not_eligible", f"alert {alert.id} was acted on already: it is closed")
    actor = member_of(session, books, found(session, Council, alert.holder_id, "council"), member)
    now = utc(books.clock())
    alert.state, alert.open_slot, alert.acted_at = AlertState.ACTED.value, None, now
    _event(session, alert, "acted", now, actor, alert.holder_id, member_id=member.id, note=said)
    books.record(session, "alert acted on", actor, {
        "alert": alert.id, "round": alert.round_id, "council": alert.holder_id, "note": said})
    return alert


def sweep_alerts(session: Session, books: OpenBooks, round_id: int | None = None) -> int:
    """Climb every open alert (of the round, when given, and of rounds in execution only) whose
    deadline has passed and whose holder has a council above (module doc); how many steps were
    taken. Nothing is written, nor the
    lock taken, when none is due."""
    now = utc(books.clock())
    due = (select(Alert.id).join(Council, Council.id == Alert.holder_id)
           .join(Round, Round.id == Alert.round_id)
           .where(Alert.open_slot.is_not(None), Alert.deadline <= now, Council.parent_id.is_not(None),
                  Round.step == Step.EXECUTION.value)
           .order_by(Alert.deadline, Alert.id).limit(SWEEP))
    if round_id is not None:
        due = due.where(Alert.round_id == round_id)
    if session.scalar(select(func.count()).select_from(due.subquery())) == 0:
        return 0
    books.lock(session)
    taken = 0
    ids = list(session.scalars(due))  # read again under the lock: another sweep may have climbed them
    for alert in session.scalars(select(Alert).where(Alert.id.in_(ids))
                                 .execution_options(populate_existing=True)):
        taken += _climb(session, books, alert, now)
    return taken


def _climb(session: Session, books: OpenBooks, alert: Alert, now: datetime) -> int:
    """The steps due of one alert, taken and recorded (the books' lock held); none once its round
    has left execution."""
    held = session.get(Round, alert.round_id)
    if alert.state not in OPEN_STATES or held is None or held.step != Step.EXECUTION.value:
        return 0
    parents: dict[int, int | None] = {}

    def parent(council_id: int) -> int | None:
        if council_id not in parents:
            row = session.get(Council, council_id)
            parents[council_id] = row.parent_id if row is not None else None
        return parents[council_id]

    steps = climb(alert.holder_id, utc(alert.deadline), now, held.alert_hours, parent)
    for step in steps:
        passed_state = alert.state
        alert.holder_id, alert.deadline, alert.state = step.to_council, step.deadline, AlertState.RAISED.value
        alert.steps += 1
        actor = council_actor(step.from_council)
        _event(session, alert, "escalated", step.passed, actor, step.to_council,
               from_council=step.from_council, passed=step.passed)
        books.record(session, "alert escalated", actor, {
            "alert": alert.id, "round": alert.round_id, "from": step.from_council, "to": step.to_council,
            "deadline_passed": step.passed.isoformat(), "waiting_for": "action" if passed_state ==
            AlertState.ACKNOWLEDGED else "acknowledgement", "deadline": step.deadline.isoformat()})
    return len(steps)


def _held(session: Session, books: OpenBooks, alert_id: int) -> Alert:
    """The alert, under the books' lock and re-read, with any climb due taken first (a deadline
    passed is never beaten by a late act)."""
    found(session, Alert, alert_id, "alert")
    books.lock(session)
    alert = session.scalars(select(Alert).where(Alert.id == alert_id)
                            .execution_options(populate_existing=True)).one()
    _climb(session, books, alert, utc(books.clock()))
    return alert


def _hours(session: Session, alert: Alert) -> int:
    held = session.get(Round, alert.round_id)
    return held.alert_hours if held is not None else 48


def _event(session: Session, alert: Alert, kind: str, at: datetime, actor: str, council_id: int, *,
           member_id: int | None = None, from_council: int | None = None, passed: datetime | None = None,
           note: str = "") -> None:
    session.add(AlertEvent(alert_id=alert.id, kind=kind, at=at, council_id=council_id,
                           from_council_id=from_council, member_id=member_id, actor=actor,
                           deadline_passed=passed, note=note))

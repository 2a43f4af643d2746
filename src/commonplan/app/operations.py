"""The operations room (docs/execution.md, The operations room): a round in execution seen whole,
workplace by workplace, and one workplace at a time with each target's course: the plan
cumulated period by period against what the reports say was made, the forecast of the end with
its interval, the alarms, and the reports due and missing. Views over app.reports, read alike by
the API and the pages."""

from __future__ import annotations

from datetime import datetime
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.alerts import sweep_alerts
from commonplan.app.alerts import alert_view, round_alerts_query
from commonplan.app.reports import forecasts_view, missing_view, planned_periods
from commonplan.app.revisions import revision_view, revisions_of
from commonplan.app.targets import stored_targets
from commonplan.store.books import OpenBooks
from commonplan.store.models import Alert, Council, Round, RoundTarget

SHOWN_COURSES = 12  # targets drawn as a course on a workplace's room, the gravest first
SHOWN_ALERTS = 20  # a workplace's alerts shown in its room, the gravest first
GRAVEST = ("product", "name", "unit", "fulfilment", "low", "high")  # what a federation's room says of it


def workplace_room(db: Session, books: OpenBooks, held: Round, producer: str) -> dict[str, Any]:
    """One workplace's room: its council, its reports due and missing, every output target
    watched (the gravest first: the lowest forecast fulfilment), the course of the
    :data:`SHOWN_COURSES` gravest, and its alerts in the order of their consequence (app.alerts,
    the climb due swept first)."""
    now = books.clock()
    row = stored_targets(db, held, producer)
    sweep_alerts(db, books, held.id)
    alerts = db.scalars(round_alerts_query(held.id).where(Alert.producer == producer).limit(SHOWN_ALERTS))
    targets = sorted(forecasts_view(db, held, producer, now), key=lambda target: target["fulfilment"])
    labels = [period.label for period in planned_periods(held, now)]
    council = db.scalar(select(Council).where(Council.producer == producer))
    return {"round": held.id, "producer": producer,
            "council": None if council is None else {"id": council.id, "name": council.name},
            "reports": missing_view(db, held, [row], now)[0], "targets": targets,
            "courses": [course(target, labels) for target in targets[:SHOWN_COURSES]],
            "alerts": [alert_view(db, books, alert) for alert in alerts]}


def course(target: dict[str, Any], labels: list[str]) -> dict[str, Any]:
    """A target's course over the execution's periods (``labels``): the plan cumulated (the
    target spread evenly), what the reports say was made, cumulated (a period not reported adds
    nothing to it: unknown, not drawn as made), and from the last period reported the forecast
    to the end with its interval (None where a series has no point)."""
    periods, whole = max(len(labels), 1), target["target"]
    made = list(accumulate(entry["made"] or 0.0 for entry in target["history"]))
    shown = labels + [entry["period"] for entry in target["history"][len(labels):]] or ["end"]

    def towards_end(end: float) -> list[float | None]:
        line: list[float | None] = [None] * len(shown)
        if made:
            line[len(made) - 1] = made[-1]
        line[-1] = end
        return line

    return {"product": target["product"], "name": target["name"], "unit": target["unit"], "labels": shown,
            "planned": [whole * min(index + 1, periods) / periods for index in range(len(shown))],
            "made": made + [None] * (len(shown) - len(made)),
            "forecast": towards_end(target["fulfilment"] * whole),
            "low": towards_end(target["low"] * whole), "high": towards_end(target["high"] * whole),
            "alarms": target["alarms"]}


def federation_room(db: Session, held: Round, rows: list[RoundTarget], now: datetime) -> list[dict[str, Any]]:
    """For each workplace of ``rows`` (a page of the round's targets): its council and reports
    due and missing (app.reports.missing_view), how many of its targets are watched, the gravest
    (the lowest forecast fulfilment, with its interval), how many raise an alarm below plan, and
    how many alerts on it are open."""
    alerts = dict(db.execute(select(Alert.producer, func.count()).where(
        Alert.round_id == held.id, Alert.open_slot.is_not(None),
        Alert.producer.in_([row.producer for row in rows])).group_by(Alert.producer)).all())
    views = []
    for row, reports in zip(rows, missing_view(db, held, rows, now), strict=True):
        targets = forecasts_view(db, held, row.producer, now)
        gravest = min(targets, key=lambda target: target["fulfilment"], default=None)
        views.append({**reports, "targets": len(targets), "open_alerts": alerts.get(row.producer, 0),
                      "alarms_below": sum(bool(t["alarms"]) and t["alarms"][-1]["below"] for t in targets),
                      "gravest": None if gravest is None else {key: gravest[key] for key in GRAVEST}})
    return views


def revision_history(db: Session, round_id: int) -> list[dict[str, Any]]:
    """The round's revisions, the latest first: each one's number, what became of it, when it
    was asked and decided, and its ballot when it went to the vote (app.revisions)."""
    return [{key: view[key] for key in ("number", "state", "requested_at", "decided_at", "ballot")}
            for view in (revision_view(db, revision) for revision in revisions_of(db, round_id))]

"""The operations room (docs/execution.md, The operations room): a round in execution seen whole,
workplace by workplace, and one workplace at a time with each target's course: the plan
cumulated period by period against what the reports say was made, the forecast of the end with
its interval, the alarms, and the reports due and missing. Views over app.reports, read alike by
the API and the pages."""

from __future__ import annotations

from datetime import datetime
from itertools import accumulate
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.app.reports import forecasts_view, missing_view, planned_periods
from commonplan.app.targets import stored_targets
from commonplan.store.models import Council, Round, RoundTarget

SHOWN_COURSES = 12  # targets drawn as a course on a workplace's room, the gravest first
GRAVEST = ("product", "name", "unit", "fulfilment", "low", "high")  # what a federation's room says of it


def workplace_room(db: Session, held: Round, producer: str, now: datetime) -> dict[str, Any]:
    """One workplace's room: its council, its reports due and missing, every output target
    watched (the gravest first: the lowest forecast fulfilment), and the course of the
    :data:`SHOWN_COURSES` gravest."""
    row = stored_targets(db, held, producer)
    targets = sorted(forecasts_view(db, held, producer, now), key=lambda target: target["fulfilment"])
    labels = [period.label for period in planned_periods(held, now)]
    council = db.scalar(select(Council).where(Council.producer == producer))
    return {"round": held.id, "producer": producer,
            "council": None if council is None else {"id": council.id, "name": council.name},
            "reports": missing_view(db, held, [row], now)[0], "targets": targets,
            "courses": [course(target, labels) for target in targets[:SHOWN_COURSES]]}


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
    (the lowest forecast fulfilment, with its interval), and how many raise an alarm below plan."""
    views = []
    for row, reports in zip(rows, missing_view(db, held, rows, now), strict=True):
        targets = forecasts_view(db, held, row.producer, now)
        gravest = min(targets, key=lambda target: target["fulfilment"], default=None)
        views.append({**reports, "targets": len(targets),
                      "alarms_below": sum(bool(t["alarms"]) and t["alarms"][-1]["below"] for t in targets),
                      "gravest": None if gravest is None else {key: gravest[key] for key in GRAVEST}})
    return views

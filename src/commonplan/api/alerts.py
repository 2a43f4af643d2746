"""The REST routes of alerts (docs/execution.md, Alarms that climb): anyone signed in reads a
round's alerts ranked by consequence and one alert with its history; a member of the council
holding an alert acknowledges it and acts on it. Each a use case of app.alerts; every read
climbs the alerts whose deadline passed first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import AfterValidator, Field, StringConstraints

from commonplan.api.auth import Me
from commonplan.api.schemas.alerts import AlertView
from commonplan.app.alerts import (
    acknowledged,
    acted_on,
    alert_view,
    council_alerts,
    one_alert,
    round_alerts_query,
    swept_round,
)
from commonplan.app.rows import found
from commonplan.execution.alerts import MAX_NOTE
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.limits import PAGE_DEFAULT, Strict, without_nul
from commonplan.service.paging import Limit, Offset, link_headers, page_of
from commonplan.store.models import Council

router = APIRouter(tags=["alerts"])


class Action(Strict):
    note: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_NOTE),
                    AfterValidator(without_nul)] = Field(description=(
        "what the council does about it: a dispute of its targets, the remedy"))


@router.get("/rounds/{round_id}/alerts", operation_id="list_alerts", response_model=list[AlertView],
            response_model_by_alias=True)
def list_route(round_id: RowId, _me: Me, db: Db, books: Books, request: Request, response: Response,
               offset: Offset = 0, limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """The round's alerts, a page at a time, ranked by consequence: open ones first, then the
    earliest tier put at risk, the most hours at risk in it."""
    held = swept_round(db, books, round_id)
    rows, page = page_of(db, round_alerts_query(held.id), offset, limit)
    link_headers(request, response, page)
    return [alert_view(db, books, alert) for alert in rows]


@router.get("/councils/{council_id}/alerts", operation_id="list_council_alerts",
            response_model=list[AlertView])
def council_route(council_id: RowId, _me: Me, db: Db, books: Books) -> list[dict[str, Any]]:
    """The open alerts the council holds now (the first 50), gravest first: what its page shows."""
    return council_alerts(db, books, found(db, Council, council_id, "council"))


@router.get("/alerts/{alert_id}", operation_id="get_alert", response_model=AlertView)
def get_route(alert_id: RowId, _me: Me, db: Db, books: Books) -> dict[str, Any]:
    """An alert with every step of its history (who, when, from and to which council)."""
    return one_alert(db, books, alert_id)


@router.post("/alerts/{alert_id}/acknowledge", operation_id="acknowledge_alert", response_model=AlertView)
def acknowledge_route(alert_id: RowId, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Acknowledge an alert your council holds: it stops climbing for one period, within which
    your council acts on it."""
    return acknowledged(db, books, me, alert_id)


@router.post("/alerts/{alert_id}/act", operation_id="act_on_alert", response_model=AlertView)
def act_route(alert_id: RowId, body: Action, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Say what your council does about an alert it holds, which closes it."""
    return acted_on(db, books, me, alert_id, body.note)

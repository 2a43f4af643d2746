"""The pages of alerts (docs/execution.md, Alarms that climb): a round's alerts ranked by
consequence; a member of the council holding an alert acknowledges it or says what the council
does about it, from the council's page, which lists the alerts it holds ranked. Every act is the
use case the API calls (app.alerts); a refusal is a page naming its reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from commonplan.app.alerts import acknowledged, acted_on, alert_view, round_alerts_query, swept_round
from commonplan.execution.alerts import MAX_NOTE
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.limits import WEB_PAGE
from commonplan.service.paging import WebOffset, page_of
from commonplan.web.civic_pages import CivicRoute, FormKey
from commonplan.web.rendering import CSRF, render, to
from commonplan.web.session import Me

router = APIRouter(route_class=CivicRoute, include_in_schema=False)


@router.post("/app/alerts/{alert_id}/acknowledge", dependencies=CSRF)
def acknowledge_form(request: Request, alert_id: RowId, me: Me, db: Db, books: Books,
                     council: Annotated[FormKey, Form()]) -> Response:
    """Acknowledge an alert the council holds, from its page."""
    request.state.back = f"/app/councils/{council}#alerts"
    acknowledged(db, books, me, alert_id)
    return to(f"/app/councils/{council}#alerts")


@router.post("/app/alerts/{alert_id}/act", dependencies=CSRF)
def act_form(request: Request, alert_id: RowId, me: Me, db: Db, books: Books,
             council: Annotated[FormKey, Form()],
             note: Annotated[str, Form(max_length=MAX_NOTE)] = "") -> Response:
    """Say what the council does about an alert it holds, from its page."""
    request.state.back = f"/app/councils/{council}#alerts"
    acted_on(db, books, me, alert_id, note)
    return to(f"/app/councils/{council}#alerts")


@router.get("/app/rounds/{round_id}/alerts")
def round_alerts_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                      offset: WebOffset = 0) -> HTMLResponse:
    """Every alert of the round, a page at a time, gravest first, with who holds it until when."""
    request.state.back = f"/app/rounds/{round_id}"
    held = swept_round(db, books, round_id)
    rows, page = page_of(db, round_alerts_query(held.id), offset, WEB_PAGE)
    return render(request, "round_alerts.html", held=held, page=page,
                  alerts=[alert_view(db, books, alert) for alert in rows])

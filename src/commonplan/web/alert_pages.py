"""The pages' acts on alerts (docs/execution.md, Alarms that climb): a member of the council
holding an alert acknowledges it or says what the council does about it, from the council's
page, which lists the alerts it holds ranked by consequence. Every act is the use case the API
calls (app.alerts); a refusal is a page naming its reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from commonplan.app.alerts import acknowledged, acted_on
from commonplan.execution.alerts import MAX_NOTE
from commonplan.service.deps import Books, Db, RowId
from commonplan.web.civic_pages import CivicRoute, FormKey
from commonplan.web.rendering import CSRF, to
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

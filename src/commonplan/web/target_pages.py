"""The pages of targets (docs/democracy.md, Targets): a round's workplaces with their targets and
the disputes for its federation to answer; one workplace's targets (names, figures rounded for
people, a CSV link with exact ones); a workplace council names its producer and disputes a
target from its own page. Every act is the use case the API calls (app.acts.councils,
app.acts.disputes); a refusal is a page naming its reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import AfterValidator

from commonplan.app.acts.common import found, is_member
from commonplan.app.acts.councils import set_producer
from commonplan.app.acts.disputes import answer_dispute, dispute_target
from commonplan.app.targets import (
    council_targets,
    every_document,
    published_round,
    round_targets_query,
    stored_targets,
    targets_summary,
    targets_view,
    workplaces,
)
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.downloads import targets_file
from commonplan.service.limits import MAX_REASON, MAX_TARGET, WEB_PAGE, without_nul
from commonplan.service.paging import WebOffset, page_of
from commonplan.store.models import Round, TargetDispute
from commonplan.web.civic_pages import CivicRoute, FormKey, Text
from commonplan.web.rendering import CSRF, render, to
from commonplan.web.session import Me

router = APIRouter(route_class=CivicRoute, include_in_schema=False)
Reason = Annotated[str, Form(min_length=1, max_length=MAX_REASON), AfterValidator(without_nul)]
Target = Annotated[str, Form(min_length=1, max_length=MAX_TARGET), AfterValidator(without_nul)]


@router.get("/app/rounds/{round_id}/targets")
def round_targets_page(request: Request, round_id: RowId, me: Me, db: Db,
                       offset: WebOffset = 0) -> HTMLResponse:
    """The round's workplaces (a page at a time) and the open disputes of their targets."""
    request.state.back = f"/app/rounds/{round_id}"
    held = published_round(db, round_id)
    rows, page = page_of(db, round_targets_query(held), offset, WEB_PAGE)
    return render(request, "targets_list.html", held=held, workplaces=workplaces(db, held, rows), page=page,
                  summary=targets_summary(db, held), federation=is_member(db, held.council_id, me.id))


@router.get("/app/rounds/{round_id}/targets.csv")
def round_csv(request: Request, round_id: RowId, me: Me, db: Db) -> StreamingResponse:
    request.state.back = f"/app/rounds/{round_id}"
    published_round(db, round_id)
    return targets_file(every_document(request.app.state.sessions, round_id), f"round-{round_id}-targets.csv")


@router.get("/app/rounds/{round_id}/targets/{producer:path}")
def producer_page(request: Request, round_id: RowId, producer: str, me: Me, db: Db) -> HTMLResponse:
    request.state.back = f"/app/rounds/{round_id}/targets"
    held = published_round(db, round_id)
    view = targets_view(db, held, stored_targets(db, held, producer))
    return render(request, "targets.html", targets=view, may_dispute=False, council_id=None)


@router.get("/app/councils/{council_id}/targets.csv")
def council_csv(request: Request, council_id: RowId, me: Me, db: Db) -> StreamingResponse:
    request.state.back = f"/app/councils/{council_id}"
    held, row = council_targets(db, council_id)
    return targets_file(iter([row.document]), f"round-{held.id}-council-{council_id}-targets.csv")


@router.post("/app/councils/{council_id}/producer", dependencies=CSRF)
def producer_form(request: Request, council_id: RowId, me: Me, db: Db, books: Books,
                  producer: Text = "") -> Response:
    request.state.back = f"/app/councils/{council_id}"
    set_producer(db, books, me, council_id, producer)
    return to(f"/app/councils/{council_id}#targets")


@router.post("/app/rounds/{round_id}/disputes", dependencies=CSRF)
def dispute_form(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                 council: Annotated[FormKey, Form()], kind: Text, target: Target, reason: Reason) -> Response:
    request.state.back = f"/app/councils/{council}#targets"
    dispute_target(db, books, me, round_id, council, kind=kind, target=target, reason=reason)
    return to(f"/app/councils/{council}#targets")


@router.post("/app/disputes/{dispute_id}/answer", dependencies=CSRF)
def answer_form(request: Request, dispute_id: RowId, me: Me, db: Db, books: Books,
                answer: Reason) -> Response:
    held = found(db, Round, found(db, TargetDispute, dispute_id, "dispute").round_id, "round")
    request.state.back = f"/app/rounds/{held.id}/targets"
    answer_dispute(db, books, me, dispute_id, answer)
    return to(f"/app/rounds/{held.id}/targets#disputes")

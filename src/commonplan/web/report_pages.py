"""The pages of reports (docs/execution.md, Reports): a workplace council's reporters file the
period's report from its own page (a box per product of its targets, or a CSV file); a round's
page of what is due and missing per workplace, with names; a period's report with every
correction. Every act is the use case the API calls (app.reports); a refusal is a page naming
its reason and every problem of the report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from commonplan.app.operations import federation_room, revision_history, workplace_room
from commonplan.app.reports import (
    MAX_REPORT_BYTES,
    missing_view,
    period_history,
    reports_summary,
    send_fields,
    upload_report,
)
from commonplan.app.targets import published_round, round_targets_query
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.limits import MULTIPART_SLACK, WEB_PAGE, OptionalName, without_nul
from commonplan.service.paging import WebOffset, page_of
from commonplan.web.civic_pages import CivicRoute, FormKey
from commonplan.web.rendering import CSRF, render, to
from commonplan.web.session import Me

router = APIRouter(route_class=CivicRoute, include_in_schema=False)
Short = Annotated[str, Query(min_length=0, max_length=200), AfterValidator(without_nul)]


@router.post("/app/rounds/{round_id}/reports", dependencies=CSRF,
             max_body_size=MAX_REPORT_BYTES + MULTIPART_SLACK)
async def report_form(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                      council: Annotated[FormKey, Form()], period: Annotated[OptionalName, Form()],
                      file: Annotated[UploadFile | None, File()] = None) -> Response:
    """A workplace's report from its page: the CSV file when one is chosen, else the boxes filled."""
    request.state.back = f"/app/councils/{council}#reports"
    if file is not None and file.filename:
        content = await file.read(MAX_REPORT_BYTES + 1)
        await run_in_threadpool(upload_report, db, books, me, round_id, council, period=period,
                                filename=file.filename, content=content, source="page")
    else:
        fields = [(key, value) for key, value in (await request.form()).multi_items()
                  if key.startswith("q:") and isinstance(value, str)]
        await run_in_threadpool(send_fields, db, books, me, round_id, council, period=period, fields=fields)
    return to(f"/app/councils/{council}#reports")


@router.get("/app/rounds/{round_id}/reports")
def missing_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                 offset: WebOffset = 0) -> HTMLResponse:
    """Every workplace of the round (a page at a time): the periods due, reported, late, missing."""
    request.state.back = f"/app/rounds/{round_id}"
    held = published_round(db, round_id)
    rows, page = page_of(db, round_targets_query(held), offset, WEB_PAGE)
    now = books.clock()
    return render(request, "round_reports.html", held=held, page=page, summary=reports_summary(db, held, now),
                  workplaces=missing_view(db, held, rows, now))


@router.get("/app/rounds/{round_id}/reports/history")
def history_page(request: Request, round_id: RowId, me: Me, db: Db, producer: Short = "",
                 period: Short = "") -> HTMLResponse:
    """A workplace's report for a period, and every correction of it."""
    request.state.back = f"/app/rounds/{round_id}/reports"
    return render(request, "report_history.html", round_id=round_id, producer=producer, period=period,
                  history=period_history(db, round_id, producer, period))


@router.get("/app/rounds/{round_id}/operations")
def operations_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                    offset: WebOffset = 0) -> HTMLResponse:
    """The federation's operations room: every workplace (a page at a time), its gravest target
    and alarms, its reports due and missing."""
    request.state.back = f"/app/rounds/{round_id}"
    held = published_round(db, round_id)
    rows, page = page_of(db, round_targets_query(held), offset, WEB_PAGE)
    now = books.clock()
    return render(request, "operations.html", held=held, page=page, summary=reports_summary(db, held, now),
                  workplaces=federation_room(db, held, rows, now), revisions=revision_history(db, held.id))


@router.get("/app/rounds/{round_id}/operations/{producer:path}")
def workplace_operations_page(request: Request, round_id: RowId, producer: str, me: Me, db: Db,
                              books: Books) -> HTMLResponse:
    """A workplace's operations room: each target's course, forecast and alarms, as charts."""
    request.state.back = f"/app/rounds/{round_id}/operations"
    held = published_round(db, round_id)
    room = workplace_room(db, books, held, producer)
    return render(request, "operations_workplace.html", held=held, room=room)

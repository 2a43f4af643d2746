"""The REST routes of reports (docs/execution.md, Reports): a reporter of a workplace council
files what it made, used, worked and holds for a period, as JSON or as a CSV file, while the
round is in execution; anyone signed in reads a workplace's reports with their corrections, and
the periods due and not reported per workplace. Each a use case of app.reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import AfterValidator, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from commonplan.api.auth import Me
from commonplan.api.schemas.reports import (
    FiledReport,
    PeriodHistory,
    ReportView,
    TargetForecast,
    WorkplaceDue,
    WorkplaceRoom,
    WorkplaceWatched,
)
from commonplan.app.acts.reports import Filed
from commonplan.app.operations import federation_room, workplace_room
from commonplan.app.reports import (
    MAX_REPORT_BYTES,
    current_reports_query,
    forecasts_view,
    missing_view,
    period_history,
    report_view,
    send_report,
    upload_report,
)
from commonplan.app.targets import published_round, round_targets_query
from commonplan.execution.reports import MAX_LINES, MAX_PRODUCT
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.limits import MAX_ID, MULTIPART_SLACK, PAGE_DEFAULT, Key, Strict, without_nul
from commonplan.service.paging import Limit, Offset, link_headers, page_of

router = APIRouter(tags=["reports"])
PeriodText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=20),
                       AfterValidator(without_nul)]
ProducerKey = Annotated[str, Query(min_length=0, max_length=200, description=(
    "the producer, as the economy's techniques name it")), AfterValidator(without_nul)]
PeriodKey = Annotated[str, Query(min_length=1, max_length=20, description="a day or an ISO week"),
                      AfterValidator(without_nul)]


class Quantity(Strict):
    product: Annotated[str, StringConstraints(strict=True, max_length=MAX_PRODUCT),
                       AfterValidator(without_nul)]
    quantity: float = Field(allow_inf_nan=False, description="a number >= 0 (checked with the others)")


Lines = Annotated[list[Quantity], Field(default_factory=list, max_length=MAX_LINES)]


class NewReport(Strict):
    council: Key = Field(description="your workplace council, for whose producer you report")
    period: PeriodText = Field(description="a day (2026-03-04) or an ISO week (2026-W10), as the round "
                                           "says (its report_every)")
    outputs: Lines = Field(description="what the workplace made: {product, quantity}")
    inputs: Lines = Field(description="what it used (resources included)")
    labour: Lines = Field(description="hours worked, by kind of labour")
    stocks: Lines = Field(description="what it holds at the period's end")


def filed(db: Any, result: Filed, response: Response) -> dict[str, Any]:
    """The report filed (201), or the one the same figures were filed as already (200)."""
    if not result.changed:
        response.status_code = 200
    return {**report_view(db, result.report), "changed": result.changed, "warnings": list(result.warnings)}


@router.post("/rounds/{round_id}/reports", status_code=201, operation_id="file_report",
             response_model=FiledReport)
def file_route(round_id: RowId, body: NewReport, me: Me, db: Db, books: Books,
               response: Response) -> dict[str, Any]:
    """File your workplace's report for a period (a workplace reporter who is a member of its
    council); the same figures again change nothing (200), different ones correct it (201);
    422 listing every problem by section, position and field."""
    sections = {plural: [item.model_dump() for item in getattr(body, plural)]
                for plural in ("outputs", "inputs", "labour", "stocks")}
    return filed(db, send_report(db, books, me, round_id, body.council, period=body.period,
                                 sections=sections), response)


@router.post("/rounds/{round_id}/reports.csv", status_code=201, operation_id="upload_report",
             response_model=FiledReport, max_body_size=MAX_REPORT_BYTES + MULTIPART_SLACK)
async def upload_route(round_id: RowId, me: Me, db: Db, books: Books, response: Response,
                       council: Annotated[int, Form(ge=1, le=MAX_ID, description="your workplace council")],
                       period: Annotated[str, Form(min_length=1, max_length=20)],
                       file: Annotated[UploadFile, File(description="columns section, product, quantity")]
                       ) -> dict[str, Any]:
    """File a report as a CSV file (docs/execution.md): 413 past its size, 422 listing every
    problem by row and column."""
    content = await file.read(MAX_REPORT_BYTES + 1)
    result = await run_in_threadpool(upload_report, db, books, me, round_id, council, period=period,
                                     filename=file.filename or "report.csv", content=content)
    return filed(db, result, response)


@router.get("/rounds/{round_id}/reports/missing", operation_id="list_missing_reports",
            response_model=list[WorkplaceDue])
def missing_route(round_id: RowId, _me: Me, db: Db, books: Books, request: Request, response: Response,
                  offset: Offset = 0, limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """Every workplace with targets in the round, by producer name, a page at a time: the periods
    due, reported, late and missing (with the first missing ones named)."""
    held = published_round(db, round_id)
    rows, page = page_of(db, round_targets_query(held), offset, limit)
    link_headers(request, response, page)
    return missing_view(db, held, rows, books.clock())


@router.get("/rounds/{round_id}/reports", operation_id="list_reports", response_model=list[ReportView])
def list_route(round_id: RowId, producer: ProducerKey, _me: Me, db: Db, request: Request, response: Response,
               offset: Offset = 0, limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """A workplace's current reports (the latest version of each period), by period."""
    held = published_round(db, round_id)
    rows, page = page_of(db, current_reports_query(held.id, producer), offset, limit)
    link_headers(request, response, page)
    return [report_view(db, row) for row in rows]


@router.get("/rounds/{round_id}/reports/history", operation_id="get_report_history",
            response_model=PeriodHistory)
def history_route(round_id: RowId, producer: ProducerKey, _me: Me, db: Db,
                  period: PeriodKey) -> dict[str, Any]:
    """A workplace's report for one period with every correction, the first first."""
    return period_history(db, round_id, producer, period)


@router.get("/rounds/{round_id}/reports/forecast", operation_id="get_target_forecasts",
            response_model=list[TargetForecast])
def forecast_route(round_id: RowId, producer: ProducerKey, _me: Me, db: Db,
                   books: Books) -> list[dict[str, Any]]:
    """Each output target of a workplace watched: the fulfilment forecast at the end of the
    execution with its interval, updated with each report, and the alarms of a break from plan."""
    return forecasts_view(db, published_round(db, round_id), producer, books.clock())


@router.get("/rounds/{round_id}/operations", operation_id="list_operations",
            response_model=list[WorkplaceWatched])
def operations_route(round_id: RowId, _me: Me, db: Db, books: Books, request: Request, response: Response,
                     offset: Offset = 0, limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """The federation's operations room, a page of workplaces at a time: each one's reports due
    and missing, its targets watched, the gravest of them and how many are alarmed below plan."""
    held = published_round(db, round_id)
    rows, page = page_of(db, round_targets_query(held), offset, limit)
    link_headers(request, response, page)
    return federation_room(db, held, rows, books.clock())


@router.get("/rounds/{round_id}/operations/workplace", operation_id="get_workplace_operations",
            response_model=WorkplaceRoom)
def workplace_route(round_id: RowId, producer: ProducerKey, _me: Me, db: Db, books: Books) -> dict[str, Any]:
    """A workplace's operations room: its reports due and missing, every target watched (the
    gravest first) and the course of the gravest, period by period."""
    return workplace_room(db, books, published_round(db, round_id), producer)

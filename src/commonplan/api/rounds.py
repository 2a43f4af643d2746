"""The REST routes of planning rounds (docs/democracy.md, Planning rounds): a federation opens a
round on an economy, attaches its ballots, computes plan variants for them, and moves it on step
by step; each act a use case of app.acts.rounds, each answer the round as app.rounds shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from commonplan.api.auth import Me
from commonplan.api.schemas.economies import JobSummary
from commonplan.api.schemas.rounds import RecordKind, RoundView
from commonplan.app.acts.common import found
from commonplan.app.acts.rounds import attach_ballot, open_round
from commonplan.app.guard import readable_row
from commonplan.app.rounds import (
    MAX_RECORDS,
    advance,
    learn_round_needs,
    round_view,
    rounds_of,
    send_round_records,
    start_variant,
)
from commonplan.democracy.rounds import MAX_DAYS, ORDER
from commonplan.execution.alerts import DEFAULT_HOURS as DEFAULT_ALERT_HOURS
from commonplan.execution.alerts import MAX_HOURS as MAX_ALERT_HOURS
from commonplan.execution.alerts import MIN_HOURS as MIN_ALERT_HOURS
from commonplan.execution.periods import Cadence
from commonplan.planning import DEFAULT_METHOD, PlanMethod, methods_help
from commonplan.service.deps import Books, Db, RowId, Worker
from commonplan.service.limits import MAX_ID, MAX_ITEMS, MULTIPART_SLACK, JsonObject, Key, Name, Strict
from commonplan.store.models import Council, Round, StoredEconomy

router = APIRouter(tags=["planning rounds"])
Sender = Annotated[int, Form(ge=1, le=MAX_ID, description="the consumer council or workplace sending")]
if TYPE_CHECKING:
    CadenceName: TypeAlias = str
else:  # the schema's enum, read from the cadences in the core
    CadenceName = Literal[tuple(cadence.value for cadence in Cadence)]
STEPS_WITH_DAYS = ", ".join(step.value for step in ORDER[:-1])


class NewRound(Strict):
    economy: Key = Field(description="the economy to plan (one you may read)")
    period: Name = Field(description="what the round plans for: a year, or its first and last")
    days: dict[str, int] = Field(default_factory=dict, max_length=len(ORDER), description=(
        f"days each step lasts, by step ({STEPS_WITH_DAYS}), 1 to {MAX_DAYS}; defaults in "
        "docs/democracy.md"))
    report_every: CadenceName = Field(Cadence.WEEK.value, description=(
        "how often its workplaces report once it is in execution (docs/execution.md)"))
    alert_hours: int = Field(DEFAULT_ALERT_HOURS, ge=MIN_ALERT_HOURS, le=MAX_ALERT_HOURS, description=(
        "hours the council holding an alert has to acknowledge it, then to act on it, before it "
        "climbs to the council above (docs/execution.md, Alarms that climb)"))


class Attached(Strict):
    ballot: Key = Field(description="a priorities, shares or budget ballot of the round's federation")


class Learning(Strict):
    horizon_days: int = Field(365, ge=1, le=3660, description="the days the needs are for")


class NewVariant(Strict):
    method: PlanMethod = Field(DEFAULT_METHOD, description=methods_help())
    priorities: bool = Field(True, description="apply the round's closed priorities ballot")
    shares: bool = Field(True, description="keep each part within the round's voted share of work")
    projects: list[JsonObject] = Field(default_factory=list, max_length=MAX_ITEMS, description=(
        "budget projects: {id, name, tier, needs: {product: quantity}}; only those the round's "
        "budget ballot funded are planned, when it has one"))


@router.post("/councils/{council_id}/rounds", status_code=201, operation_id="open_round",
             response_model=RoundView)
def open_route(council_id: RowId, body: NewRound, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Open a planning round of the federation (a member of it opens it)."""
    readable_row(db, StoredEconomy, body.economy, me)
    held = open_round(db, books, me, council_id, economy_id=body.economy, period=body.period,
                      days=body.days, report_every=body.report_every, alert_hours=body.alert_hours)
    return round_view(db, held, books.clock(), me)


@router.get("/councils/{council_id}/rounds", operation_id="list_rounds", response_model=list[RoundView])
def list_route(council_id: RowId, me: Me, db: Db, books: Books) -> list[dict[str, Any]]:
    found(db, Council, council_id, "council")
    return [round_view(db, held, books.clock(), me) for held in rounds_of(db, council_id)]


@router.get("/rounds/{round_id}", operation_id="get_round", response_model=RoundView)
def get_route(round_id: RowId, me: Me, db: Db, books: Books) -> dict[str, Any]:
    return round_view(db, found(db, Round, round_id, "round"), books.clock(), me)


@router.post("/rounds/{round_id}/ballots", operation_id="attach_round_ballot", response_model=RoundView)
def attach_route(round_id: RowId, body: Attached, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Make a ballot of the federation the round's ballot of its kind."""
    return round_view(db, attach_ballot(db, books, me, round_id, body.ballot), books.clock(), me)


@router.post("/rounds/{round_id}/variants", status_code=202, operation_id="start_round_variant",
             response_model=JobSummary)
def variant_route(round_id: RowId, body: NewVariant, me: Me, db: Db, books: Books, worker: Worker) -> Any:
    """Compute a plan variant for the round's votes (202, the job); refused before any job
    starts when a vote or project names a product the economy does not make."""
    return start_variant(db, books, worker, me, round_id, method=body.method, priorities=body.priorities,
                         shares=body.shares, projects=body.projects)


@router.post("/rounds/{round_id}/records", status_code=201, operation_id="send_round_records",
             response_model=RoundView, max_body_size=MAX_RECORDS + MULTIPART_SLACK)
async def records_route(round_id: RowId, me: Me, db: Db, books: Books, council: Sender,
                        kind: Annotated[RecordKind, Form()], file: Annotated[UploadFile, File()]
                        ) -> dict[str, Any]:
    """Send a council's purchases, end-of-day stock or requests (SPEC section 4's columns), or the
    products' groups or declared substitutes that guide the estimate (docs/needs.md), while
    the round gathers needs: 422 listing every problem of the file by row and column."""
    content = await file.read(MAX_RECORDS + 1)
    held = await run_in_threadpool(  # the check reads the whole file: not on the event loop
        send_round_records, db, books, me, round_id, council, kind=kind,
        filename=file.filename or kind, content=content)
    return round_view(db, found(db, Round, held.round_id, "round"), books.clock(), me)


@router.post("/rounds/{round_id}/needs", status_code=202, operation_id="learn_round_needs",
             response_model=JobSummary)
def needs_route(round_id: RowId, body: Learning, me: Me, db: Db, books: Books, worker: Worker) -> Any:
    """Learn the round's needs from every record sent (202, the needs job; `commonplan needs`)."""
    return learn_round_needs(db, books, worker, me, round_id, horizon_days=body.horizon_days)


@router.post("/rounds/{round_id}/advance", operation_id="advance_round", response_model=RoundView)
def advance_route(round_id: RowId, me: Me, db: Db, books: Books, worker: Worker) -> dict[str, Any]:
    """Move the round to its next step: refused (409 not_ready) naming what is not done. Leaving
    the adoption queues the job publishing every workplace's targets (`targets_job`)."""
    return round_view(db, advance(db, books, worker, me, round_id), books.clock(), me)

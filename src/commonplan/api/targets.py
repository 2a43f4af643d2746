"""The REST routes of targets (docs/democracy.md, Targets): every workplace's targets in a round's
adopted plan (the round's, a page at a time, or one producer's, or a workplace council's own),
as JSON or as CSV with exact figures; a workplace council names the producer it is, disputes a
target it cannot meet, and the federation answers. Each a use case of app.targets or app.acts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, Field, StringConstraints

from commonplan.api.auth import Me
from commonplan.api.schemas.councils import CouncilSummary
from commonplan.api.schemas.targets import DisputeView, TargetsView
from commonplan.app.acts.councils import set_producer
from commonplan.app.acts.disputes import answer_dispute, dispute_target
from commonplan.app.civic_views import council_summary
from commonplan.app.targets import (
    DISPUTED,
    council_targets,
    dispute_view,
    every_document,
    published_round,
    round_targets_query,
    stored_targets,
    targets_view,
)
from commonplan.service.deps import Books, Db, RowId
from commonplan.service.downloads import targets_file
from commonplan.service.limits import (
    MAX_REASON,
    MAX_TARGET,
    PAGE_DEFAULT,
    Key,
    OptionalName,
    Strict,
    without_nul,
)
from commonplan.service.paging import Limit, Offset, link_headers, page_of

router = APIRouter(tags=["targets"])
Text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_REASON),
                 AfterValidator(without_nul)]
RoundKey = Annotated[int | None, Query(ge=1, le=2**31 - 1, description=(
    "the round (default: the latest round of a federation above the council with targets for it)"))]


class Producer(Strict):
    producer: OptionalName = Field(description="the producer of the economy's techniques this workplace "
                                               "council is (blank: none)")


class NewDispute(Strict):
    council: Key = Field(description="your workplace council, whose target it is")
    kind: str = Field(max_length=20, description=f"one of {', '.join(DISPUTED)}")
    target: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_TARGET),
                      AfterValidator(without_nul)] = Field(
        description="the technique (output) or product (input, labour) disputed")
    reason: Text = Field(description="why the workplace cannot meet it")


class Answer(Strict):
    answer: Text = Field(description="what the federation does about it")


@router.get("/rounds/{round_id}/targets", operation_id="list_round_targets", response_model=list[TargetsView])
def list_route(round_id: RowId, _me: Me, db: Db, request: Request, response: Response, offset: Offset = 0,
               limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """Every workplace's targets in the round's adopted plan, by producer name, a page at a time;
    409 not_ready before the round publishes them."""
    held = published_round(db, round_id)
    rows, page = page_of(db, round_targets_query(held), offset, limit)
    link_headers(request, response, page)
    return [targets_view(db, held, row, disputes=False) for row in rows]


@router.get("/rounds/{round_id}/targets.csv", operation_id="round_targets_csv",
            response_class=StreamingResponse)
def list_csv_route(round_id: RowId, _me: Me, db: Db, request: Request) -> StreamingResponse:
    """Every workplace's targets as CSV, exact figures (docs/api.md)."""
    published_round(db, round_id)
    return targets_file(every_document(request.app.state.sessions, round_id), f"round-{round_id}-targets.csv")


@router.get("/rounds/{round_id}/targets/{producer:path}", operation_id="get_round_targets",
            response_model=TargetsView)
def get_route(round_id: RowId, producer: str, _me: Me, db: Db) -> dict[str, Any]:
    """One producer's targets in the round's adopted plan, with their disputes."""
    held = published_round(db, round_id)
    return targets_view(db, held, stored_targets(db, held, producer))


@router.get("/councils/{council_id}/targets", operation_id="get_council_targets", response_model=TargetsView)
def council_route(council_id: RowId, _me: Me, db: Db, round: RoundKey = None) -> dict[str, Any]:
    """The workplace council's own targets, for the producer it is."""
    held, row = council_targets(db, council_id, round)
    return targets_view(db, held, row)


@router.get("/councils/{council_id}/targets.csv", operation_id="council_targets_csv",
            response_class=StreamingResponse)
def council_csv_route(council_id: RowId, _me: Me, db: Db, round: RoundKey = None) -> StreamingResponse:
    held, row = council_targets(db, council_id, round)
    return targets_file(iter([row.document]), f"round-{held.id}-council-{council_id}-targets.csv")


@router.put("/councils/{council_id}/producer", operation_id="set_council_producer",
            response_model=CouncilSummary)
def producer_route(council_id: RowId, body: Producer, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Say which producer of the economy's techniques this workplace council is (a member of it);
    409 producer_taken when another workplace council is."""
    return council_summary(set_producer(db, books, me, council_id, body.producer))


@router.post("/rounds/{round_id}/disputes", status_code=201, operation_id="dispute_target",
             response_model=DisputeView)
def dispute_route(round_id: RowId, body: NewDispute, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """Dispute a target of your workplace council that it cannot meet, with the reason: it goes
    to the round's federation; 409 already_disputed while one of that target is open."""
    dispute = dispute_target(db, books, me, round_id, body.council, kind=body.kind,
                             target=body.target, reason=body.reason)
    return dispute_view(db, dispute)


@router.post("/disputes/{dispute_id}/answer", operation_id="answer_dispute", response_model=DisputeView)
def answer_route(dispute_id: RowId, body: Answer, me: Me, db: Db, books: Books) -> dict[str, Any]:
    """The federation's answer to a dispute (a member of the round's federation), closing it."""
    return dispute_view(db, answer_dispute(db, books, me, dispute_id, body.answer))

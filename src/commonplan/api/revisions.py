"""The REST routes of revisions (docs/execution.md, Revision): a member of a round's federation
asks for a revision of the rest of its execution, computed by the job worker and then applied
or put to the federation's vote; anyone signed in reads the revisions, each beside the plan it
revises. Each a use case of app.revisions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from commonplan.api.auth import Me
from commonplan.api.schemas.revisions import LearnedEconomyView, RevisionView
from commonplan.app.acts.revisions import MAX_REVISIONS
from commonplan.app.revisions import (
    learned_view,
    revision_of,
    revision_view,
    revisions_of,
    start_learned_economy,
    start_revision,
)
from commonplan.service.deps import Books, Db, RowId, Worker

router = APIRouter(tags=["revisions"])


@router.post("/rounds/{round_id}/revisions", status_code=202, operation_id="request_revision",
             response_model=RevisionView)
def request_route(round_id: RowId, me: Me, db: Db, books: Books, worker: Worker) -> dict[str, Any]:
    """Ask for a revision of the rest of the round's execution from the reports so far (a member
    of the round's federation, while it is in execution; one at a time, at most
    MAX_REVISIONS per round): 202 with the revision, its job queued."""
    revision = start_revision(db, books, worker, me, round_id, books.clock())
    return revision_view(db, revision)


@router.get("/rounds/{round_id}/revisions", operation_id="list_revisions", response_model=list[RevisionView])
def list_route(round_id: RowId, _me: Me, db: Db) -> list[dict[str, Any]]:
    """The round's revisions, the latest first, each with its comparison once computed."""
    return [revision_view(db, revision) for revision in revisions_of(db, round_id)]


@router.get("/rounds/{round_id}/revisions/{number}", operation_id="get_revision", response_model=RevisionView)
def get_route(round_id: RowId, _me: Me, db: Db,
              number: int = Path(ge=1, le=MAX_REVISIONS)) -> dict[str, Any]:
    """One revision of the round: what became of it, and the comparison beside the plan it revises."""
    return revision_view(db, revision_of(db, round_id, number))


@router.post("/rounds/{round_id}/learned-economy", status_code=202, operation_id="learn_economy",
             response_model=LearnedEconomyView)
def learn_route(round_id: RowId, me: Me, db: Db, books: Books, worker: Worker) -> dict[str, Any]:
    """Learn the economy the next round starts from (the actual coefficients and capacities) from
    the round's reports: a member of its federation, once a period has ended; 202 with its job."""
    job = start_learned_economy(db, books, worker, me, round_id, books.clock())
    db.flush()
    return {"round": round_id, "job": job.id, "state": job.state, "message": job.message or "",
            "economy": None, "name": None, "source": None, "bundle_sha256": None, "periods": None,
            "elapsed": None, "changed": None, "changes": []}


@router.get("/rounds/{round_id}/learned-economy", operation_id="get_learned_economy",
            response_model=LearnedEconomyView)
def learned_route(round_id: RowId, _me: Me, db: Db) -> dict[str, Any]:
    """The latest economy learned from the round's reports, with how it changed (404 before any)."""
    return learned_view(db, round_id)

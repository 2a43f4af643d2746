"""The pages of planning rounds (docs/democracy.md, Planning rounds): a federation's page opens a
round; the round's page shows where it stands, what is next and who must act, and lets the
federation's members attach its ballots, compute its plan variants and move it on. Every act is
the use case the API calls (app.acts.rounds, app.rounds); a refusal is a page naming its reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from commonplan.app.acts.common import found
from commonplan.app.acts.rounds import (
    RECORD_KINDS,
    ROUND_BALLOTS,
    SENDERS,
    attach_ballot,
    open_round,
)
from commonplan.app.comparisons import comparison_of
from commonplan.app.guard import readable_row
from commonplan.app.revisions import (
    learned_view,
    revision_view,
    revisions_of,
    start_learned_economy,
    start_revision,
)
from commonplan.app.rounds import (
    MAX_RECORDS,
    advance,
    learn_round_needs,
    round_view,
    send_round_records,
    start_variant,
)
from commonplan.democracy.closing import BallotState
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import MAX_DAYS
from commonplan.execution.alerts import DEFAULT_HOURS, MAX_HOURS, MIN_HOURS
from commonplan.planning import DEFAULT_METHOD, PlanMethod
from commonplan.service.deps import Books, Db, RowId, Worker
from commonplan.service.limits import OptionalName
from commonplan.store.access import readable
from commonplan.store.models import Ballot, Council, CouncilMember, Job, JobState, Round, StoredEconomy
from commonplan.web.civic_pages import CivicRoute, FormKey
from commonplan.web.rendering import CSRF, render, to
from commonplan.web.session import Me

router = APIRouter(route_class=CivicRoute, include_in_schema=False)
SHOWN_REVISIONS = 5  # the latest revisions a round's page shows
Days = Annotated[int | None, Form(ge=1, le=MAX_DAYS)]


@router.post("/app/councils/{council_id}/rounds", dependencies=CSRF)
def open_page(request: Request, council_id: RowId, me: Me, db: Db, books: Books,
              economy: Annotated[FormKey, Form()], period: Annotated[OptionalName, Form()],
              needs: Days = None, votes: Days = None, variants: Days = None, adoption: Days = None,
              targets: Days = None, execution: Days = None,
              report_every: Annotated[OptionalName, Form()] = "week",
              alert_hours: Annotated[int, Form(ge=MIN_HOURS, le=MAX_HOURS)] = DEFAULT_HOURS) -> Response:
    """Open a round of the federation; a step left blank lasts its default number of days."""
    request.state.back = f"/app/councils/{council_id}"
    readable_row(db, StoredEconomy, economy, me)
    given = {"needs": needs, "votes": votes, "variants": variants, "adoption": adoption,
             "targets": targets, "execution": execution}
    held = open_round(db, books, me, council_id, economy_id=economy, period=period,
                      days={step: days for step, days in given.items() if days is not None},
                      report_every=report_every, alert_hours=alert_hours)
    return to(f"/app/rounds/{held.id}")


@router.get("/app/rounds/{round_id}")
def round_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books) -> HTMLResponse:
    held = found(db, Round, round_id, "round")
    view = round_view(db, held, books.clock(), me)
    economy = db.get(StoredEconomy, held.economy_id)
    attachable = db.scalars(select(Ballot).where(
        Ballot.council_id == held.council_id, Ballot.kind.in_(tuple(ROUND_BALLOTS)))
        .order_by(Ballot.id.desc()).limit(50)).all()
    jobs = {job.id: job for job in db.scalars(readable(me, Job).where(Job.id.in_(held.variants)))}
    done = [jobs[job] for job in held.variants if job in jobs and jobs[job].state == JobState.DONE]
    compared = comparison_of(db, done).to_json() if done else None
    ballots = {ballot.id: ballot for ballot in db.scalars(select(Ballot).where(
        Ballot.id.in_(list(held.ballots.values()))))}
    senders = db.scalars(select(Council).join(CouncilMember, CouncilMember.council_id == Council.id).where(
        CouncilMember.member_id == me.id, Council.level.in_(SENDERS)).order_by(Council.id)).all()
    revisions = [revision_view(db, each) for each in revisions_of(db, held.id)[:SHOWN_REVISIONS]]
    try:
        learned = learned_view(db, held.id)
    except Refusal:
        learned = None
    return render(request, "round.html", view=view, economy=economy, attachable=attachable,
                  jobs=jobs, ballots=ballots, closed=BallotState.CLOSED, senders=senders, compared=compared,
                  record_kinds=RECORD_KINDS, revisions=revisions, learned=learned)


@router.post("/app/rounds/{round_id}/records", dependencies=CSRF)
async def records_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                       council: Annotated[FormKey, Form()], kind: Annotated[OptionalName, Form()],
                       file: Annotated[UploadFile, File()]) -> Response:
    """A council's records sent to the round (checked; every problem named on the refusal page)."""
    request.state.back = f"/app/rounds/{round_id}"
    content = await file.read(MAX_RECORDS + 1)
    await run_in_threadpool(send_round_records, db, books, me, round_id, council, kind=kind,
                            filename=file.filename or kind, content=content)
    return to(f"/app/rounds/{round_id}#needs")


@router.post("/app/rounds/{round_id}/needs", dependencies=CSRF)
def needs_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books, worker: Worker) -> Response:
    """Learn the round's needs from every record sent: the needs job's page."""
    request.state.back = f"/app/rounds/{round_id}"
    return to(f"/app/jobs/{learn_round_needs(db, books, worker, me, round_id).id}")


@router.post("/app/rounds/{round_id}/ballots", dependencies=CSRF)
def attach_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                ballot: Annotated[FormKey, Form()]) -> Response:
    request.state.back = f"/app/rounds/{round_id}"
    attach_ballot(db, books, me, round_id, ballot)
    return to(f"/app/rounds/{round_id}#ballots")


@router.post("/app/rounds/{round_id}/variants", dependencies=CSRF)
def variant_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books, worker: Worker,
                 method: Annotated[PlanMethod, Form()] = DEFAULT_METHOD,
                 priorities: Annotated[bool, Form()] = False,
                 shares: Annotated[bool, Form()] = False) -> Response:
    """A plan variant for the round's votes (each box unticked leaves that vote out)."""
    request.state.back = f"/app/rounds/{round_id}"
    job = start_variant(db, books, worker, me, round_id, method=method, priorities=priorities,
                        shares=shares)
    return to(f"/app/jobs/{job.id}")


@router.post("/app/rounds/{round_id}/revisions", dependencies=CSRF)
def revision_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                  worker: Worker) -> Response:
    """Ask for a revision of the rest of the round's execution: back to the round's revisions."""
    request.state.back = f"/app/rounds/{round_id}"
    start_revision(db, books, worker, me, round_id, books.clock())
    return to(f"/app/rounds/{round_id}#revisions")


@router.post("/app/rounds/{round_id}/learned-economy", dependencies=CSRF)
def learned_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books, worker: Worker) -> Response:
    """Learn the economy the next round starts from, from the round's reports: the job's page."""
    request.state.back = f"/app/rounds/{round_id}"
    job = start_learned_economy(db, books, worker, me, round_id, books.clock())
    db.flush()
    return to(f"/app/jobs/{job.id}")


@router.post("/app/rounds/{round_id}/advance", dependencies=CSRF)
def advance_page(request: Request, round_id: RowId, me: Me, db: Db, books: Books,
                 worker: Worker) -> Response:
    request.state.back = f"/app/rounds/{round_id}"
    advance(db, books, worker, me, round_id)
    return to(f"/app/rounds/{round_id}")


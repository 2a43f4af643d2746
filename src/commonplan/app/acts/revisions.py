"""Revising the rest of a round's execution from what the workplaces reported (docs/execution.md,
Revision): asking for one, and deciding what becomes of it once computed, each one transaction
on the open books.

- **Who asks**: any member of the round's federation council (its delegates: the council that
  adopted the plan), while the round is in execution, once a period has elapsed and while one is
  left. At most one revision of a round is open (computing, or put to the vote) at a time, and a
  round has at most :data:`MAX_REVISIONS`: nobody floods the worker, the councils' agenda or the
  books.
- **Decided** (:func:`settle`) once its job is done: when no voted tier's fulfilment in the
  periods left is lower than the plan it revises promises (execution.revision.TOLERANCE), it is
  **applied**: its targets replace the round's (``revision applied``, with the SHA-256 of the
  targets replaced and of the new ones; the replaced ones are the targets of the plan it revised,
  a job kept for ever); otherwise it **goes to the vote** of the federation: a plan ballot
  (democracy.ballot_kinds) between the plan it revises and the revision, opened by the council
  as the round's adoption is, and applied the same way if the revision is adopted
  (:func:`settle_voted`); rejected, the targets stand.
- **Stale**: a revision is applied only to the plan and the reports it was computed from. When
  the round's targets were replaced meanwhile, or a report of the periods it learned from was
  filed or corrected since, it is ``stale`` (recorded) and is not applied: ask again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import council_actor, found, member_of, utc
from commonplan.app.acts.open_ballot import open_checked
from commonplan.app.targets import store_targets
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import Step
from commonplan.store.books import OpenBooks
from commonplan.store.jobs import queue_job
from commonplan.store.models import (
    Ballot,
    Council,
    ExecutionReport,
    Job,
    JobState,
    Member,
    Round,
    RoundRevision,
    RoundTarget,
)

MAX_REVISIONS = 12  # revisions of one round, whatever became of them
CHOICES = ("method", "priorities_ballot", "tiers", "shares_ballot", "shares", "projects", "needs_job")


class State:
    """What became of a revision; the words stored and recorded."""

    COMPUTING = "computing"
    APPLIED = "applied"
    VOTING = "voting"
    REJECTED = "rejected"
    STALE = "stale"
    FAILED = "failed"


def ask_revision(session: Session, books: OpenBooks, member: Member, round_id: int, *,
                 periods: int, elapsed: Sequence[str]) -> RoundRevision:
    """A revision of the round's rest, asked by ``member`` (module doc) after the periods
    ``elapsed`` (labels, in order) of ``periods``: its job queued (the caller hands it to the
    worker once committed) and ``revision requested`` on the books."""
    held = found(session, Round, round_id, "round")
    council = found(session, Council, held.council_id, "council")
    actor = member_of(session, books, council, member)
    if Step(held.step) is not Step.EXECUTION:
        raise Refusal("not_eligible", f"the rest of a round is revised while it is in execution; round "
                      f"{held.id} is at {held.step!r}")
    if not elapsed:
        raise Refusal("not_ready", "no period of the execution has ended yet: there is nothing to learn from")
    if len(elapsed) >= periods:
        raise Refusal("not_eligible", "no period of the execution is left to revise")
    books.lock(session)
    session.refresh(held)
    for open_one in session.scalars(select(RoundRevision).where(
            RoundRevision.round_id == held.id, RoundRevision.open_slot.is_not(None))):
        settle(session, books, open_one)
        if open_one.open_slot is not None:
            raise Refusal("not_eligible", f"revision {open_one.number} of round {held.id} is "
                          f"{open_one.state} still: one revision at a time")
    asked = session.scalar(select(func.count()).select_from(RoundRevision)
                           .where(RoundRevision.round_id == held.id)) or 0
    if asked >= MAX_REVISIONS:
        raise Refusal("not_eligible", f"round {held.id} was revised {asked} times, the most a round may be")
    plan = current_plan(session, held)
    adopted = found(session, Job, held.adopted_job_id or 0, "job")
    options = {key: adopted.options[key] for key in CHOICES if key in adopted.options}
    job = queue_job(session, "revision", held.economy_id, member.id, {
        **options, "round": held.id, "plan_job": plan.id, "periods": periods, "elapsed": list(elapsed)})
    revision = RoundRevision(round_id=held.id, number=asked + 1, job_id=job.id, plan_job_id=plan.id,
                             state=State.COMPUTING, open_slot="open", requested_by=member.id,
                             requested_at=books.clock(), old_targets_sha256="", new_targets_sha256="")
    session.add(revision)
    session.flush()
    books.record(session, "revision requested", actor, {
        "round": held.id, "revision": revision.number, "job": job.id, "plan_job": plan.id,
        "periods": periods, "elapsed": len(elapsed), "through": elapsed[-1]})
    return revision


def current_plan(session: Session, held: Round) -> Job:
    """The plan the round's targets are of now: its last revision applied, else the adopted one."""
    applied = session.scalar(select(RoundRevision).where(
        RoundRevision.round_id == held.id, RoundRevision.state == State.APPLIED)
        .order_by(RoundRevision.number.desc()).limit(1))
    return found(session, Job, applied.job_id if applied is not None else held.adopted_job_id or 0, "job")


def revised_after(session: Session, held: Round) -> int:
    """The periods elapsed when the revision whose targets the round has now was asked (0 while
    the adopted plan's stand): the watch measures the periods from then against the revised rest."""
    plan = current_plan(session, held)
    return len(plan.options.get("elapsed", [])) if plan.kind == "revision" else 0


def reports_basis(session: Session, round_id: int,
                  labels: Sequence[str]) -> tuple[list[ExecutionReport], str]:
    """The round's current reports of the periods ``labels`` (the latest version of each), by
    producer and period, and the SHA-256 of which they are (producer, period, version, figures):
    what a revision learns from, and how one sees that a report changed since."""
    latest = (select(ExecutionReport.producer, ExecutionReport.period,
                     func.max(ExecutionReport.version).label("version"))
              .where(ExecutionReport.round_id == round_id, ExecutionReport.period.in_(list(labels)))
              .group_by(ExecutionReport.producer, ExecutionReport.period).subquery())
    rows = list(session.scalars(select(ExecutionReport).join(
        latest, (ExecutionReport.producer == latest.c.producer) & (ExecutionReport.period == latest.c.period)
        & (ExecutionReport.version == latest.c.version)).where(ExecutionReport.round_id == round_id)
        .order_by(ExecutionReport.producer, ExecutionReport.period)))
    basis = [[row.producer, row.period, row.version, row.sha256] for row in rows]
    return rows, _sha256(basis)


def _sha256(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def targets_sha256(session: Session, round_id: int) -> str:
    """The SHA-256 of the round's stored targets, as app.targets.store_targets computes it."""
    documents = list(session.scalars(select(RoundTarget.document).where(RoundTarget.round_id == round_id)
                                     .order_by(RoundTarget.position)))
    return _sha256(documents)


def settle(session: Session, books: OpenBooks, revision: RoundRevision) -> RoundRevision:
    """Decide a revision whose job has ended (module doc); nothing while it computes or is put
    to the vote. Called under the books' lock by whoever comes next: the worker when the job
    ends, the next request for a revision."""
    if revision.state != State.COMPUTING:
        return revision
    job = found(session, Job, revision.job_id, "job")
    held = found(session, Round, revision.round_id, "round")
    council = council_actor(held.council_id)
    if job.state in (JobState.FAILED, JobState.CANCELLED):
        _close(revision, State.FAILED, books)
        books.record(session, "revision failed", council, {
            "round": held.id, "revision": revision.number, "job": job.id, "reason": job.message})
        return revision
    if job.state != JobState.DONE or job.result is None:
        return revision
    comparison = job.result["comparison"]
    books.record(session, "revision computed", council, {
        "round": held.id, "revision": revision.number, "job": job.id,
        "fulfilment_before": comparison["fulfilment_before"],
        "fulfilment_after": comparison["fulfilment_after"],
        "lowered": comparison["lowered"], "reports_sha256": job.result.get("reports_sha256", "")})
    if _stale(session, books, revision, job, held):
        return revision
    if comparison["lowers"]:
        found_council = found(session, Council, held.council_id, "council")
        lowered = ", ".join(comparison["lowered"])
        ballot = open_checked(session, books, found_council, council, None, kind="plan",
                              question=f"Revise the rest of {held.period}? (revision {revision.number} of "
                                       f"round {held.id}: it lowers priority {lowered})",
                              options={"plans": [revision.plan_job_id, job.id]}, office_id=None)
        revision.state, revision.ballot_id = State.VOTING, ballot.id
        books.record(session, "revision put to the vote", council, {
            "round": held.id, "revision": revision.number, "job": job.id, "ballot": ballot.id,
            "lowered": comparison["lowered"]})
        return revision
    _apply(session, books, revision, job, held, council)
    return revision


def settle_voted(session: Session, books: OpenBooks, ballot: Ballot) -> None:
    """What a closed plan ballot decides of the revision it was opened for (if any): adopted,
    the revision is applied (unless stale); otherwise rejected, and the targets stand."""
    revision = session.scalar(select(RoundRevision).where(RoundRevision.ballot_id == ballot.id,
                                                          RoundRevision.state == State.VOTING))
    if revision is None:
        return
    job = found(session, Job, revision.job_id, "job")
    held = found(session, Round, revision.round_id, "round")
    council = council_actor(held.council_id)
    if (ballot.result or {}).get("adopted") != job.id:
        _close(revision, State.REJECTED, books)
        books.record(session, "revision rejected", council, {
            "round": held.id, "revision": revision.number, "job": job.id, "ballot": ballot.id})
        return
    if not _stale(session, books, revision, job, held):
        _apply(session, books, revision, job, held, council, ballot=ballot.id)


def _stale(session: Session, books: OpenBooks, revision: RoundRevision, job: Job, held: Round) -> bool:
    """Whether the revision no longer fits: the round left execution, its targets were replaced
    since it was asked for, or the reports it learned from changed; if so it is closed as stale."""
    assert job.result is not None, f"revision job {job.id} has no result"
    why = ""
    if Step(held.step) is not Step.EXECUTION:
        why = f"the round is at {held.step!r}"
    elif current_plan(session, held).id != revision.plan_job_id:
        why = "the round's targets were replaced since it was asked for"
    else:
        _rows, basis = reports_basis(session, held.id, job.options.get("elapsed", []))
        if basis != job.result.get("reports_sha256"):
            why = "reports of the periods it learned from were filed or corrected since"
    if not why:
        return False
    _close(revision, State.STALE, books)
    books.record(session, "revision stale", council_actor(held.council_id), {
        "round": held.id, "revision": revision.number, "job": job.id, "why": why})
    return True


def _apply(session: Session, books: OpenBooks, revision: RoundRevision, job: Job, held: Round, actor: str,
           ballot: int | None = None) -> None:
    assert job.result is not None, f"revision job {job.id} has no result"
    old = targets_sha256(session, held.id)
    new = store_targets(session, held, list(job.result["documents"]))
    revision.old_targets_sha256, revision.new_targets_sha256 = old, new
    _close(revision, State.APPLIED, books)
    books.record(session, "revision applied", actor, {
        "round": held.id, "revision": revision.number, "job": job.id, "replaces": revision.plan_job_id,
        "old_targets_sha256": old, "new_targets_sha256": new,
        **({"ballot": ballot} if ballot is not None else {"vote": "none: no voted tier is lowered"})})


def _close(revision: RoundRevision, state: str, books: OpenBooks) -> None:
    revision.state, revision.open_slot, revision.decided_at = state, None, utc(books.clock())


MAX_LEARNED = 5  # economies learned from one round's reports


def ask_learned_economy(session: Session, books: OpenBooks, member: Member, round_id: int, *,
                        periods: int, elapsed: Sequence[str]) -> Job:
    """The economy the next round starts from, learned from the round's reports (app.revisions
    .learned_document), asked by a member of its federation once a period has ended, in
    execution or closed: its job queued (one at a time, :data:`MAX_LEARNED` per round) and
    ``economy learning requested`` on the books."""
    held = found(session, Round, round_id, "round")
    council = found(session, Council, held.council_id, "council")
    actor = member_of(session, books, council, member)
    if Step(held.step) not in (Step.EXECUTION, Step.CLOSED):
        raise Refusal("not_eligible", f"an economy is learned from a round's reports, in execution or "
                      f"after; round {held.id} is at {held.step!r}")
    if not elapsed:
        raise Refusal("not_ready", "no period of the execution has ended yet: there is nothing to learn from")
    books.lock(session)
    asked = list(session.scalars(select(Job).where(Job.kind == "learned",
                                                   Job.options["round"].as_integer() == held.id)))
    if any(job.state in (JobState.QUEUED, JobState.RUNNING) for job in asked):
        raise Refusal("not_eligible", f"an economy is being learned from round {held.id}'s reports already")
    if len(asked) >= MAX_LEARNED:
        raise Refusal("not_eligible", f"an economy was learned from round {held.id} {len(asked)} times, "
                      "the most allowed")
    plan = current_plan(session, held)
    job = queue_job(session, "learned", held.economy_id, member.id, {
        "round": held.id, "plan_job": plan.id, "periods": periods, "elapsed": list(elapsed)})
    books.record(session, "economy learning requested", actor, {
        "round": held.id, "job": job.id, "plan_job": plan.id, "periods": periods, "elapsed": len(elapsed)})
    return job

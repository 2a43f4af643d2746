"""The acts of a planning round (democracy.rounds): a federation opens it on an economy for a
period, its members attach the ballots it needs and compute its plan variants, and any member
moves it on once a step's work is done; each act on the open books in the same transaction.

Moving from the variants to the adoption opens the round's plan ballot by the council itself,
listing every finished variant of the round: nobody alone chooses what the federation may
adopt, and the variants step lasts until its deadline, so every delegate has its time to add
one. The adopted variant is frozen by the SHA-256 of its result when the round moves on.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import council_actor, found, member_of, utc
from commonplan.app.acts.open_ballot import open_checked
from commonplan.app.rows import ancestors
from commonplan.app.targets import record_published, targets_state
from commonplan.democracy import councils, rounds
from commonplan.democracy.closing import BallotState
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import RoundFacts, Step
from commonplan.execution import alerts
from commonplan.execution.periods import Cadence
from commonplan.needs import record_kinds
from commonplan.store.books import OpenBooks
from commonplan.store.jobs import queue_job
from commonplan.store.models import Ballot, Council, Job, JobState, Member, Round, RoundRecord, StoredEconomy

ROUND_BALLOTS = {"priorities": (Step.NEEDS, Step.VOTES), "shares": (Step.NEEDS, Step.VOTES),
                 "budget": (Step.NEEDS, Step.VOTES)}  # what a member attaches, and in which steps
MAX_VARIANTS = 12  # plan variants of one round: enough to compare, few enough to read
MAX_OPEN_ROUNDS = 4  # rounds of one federation not yet closed: one member cannot flood the books
MAX_SENDINGS = 10  # files of one kind one council sends to one round, replacements included
RECORD_KINDS = tuple(record_kinds.KINDS)  # what councils send (SPEC section 4, and groups and substitutes)
SENDERS = ("consumer", "workplace")  # consumer councils, and shops (workplaces) under the federation


def open_round(session: Session, books: OpenBooks, member: Member, council_id: int, *,
               economy_id: int, period: str, days: dict[str, Any] | None = None,
               report_every: str = Cadence.WEEK.value, alert_hours: int = alerts.DEFAULT_HOURS) -> Round:
    """A new round of the federation ``council_id`` (opened by one of its members) planning the
    economy ``economy_id`` for ``period``; each step's deadline from ``days`` (by step name,
    default democracy.rounds.STEPS); its workplaces report every day or week (``report_every``,
    execution.periods); an alert on a target must be acknowledged, then acted on, within
    ``alert_hours`` each or it climbs (execution.alerts). Its needs are the economy's own until
    records are sent."""
    council = found(session, Council, council_id, "council")
    if council.level not in councils.FEDERATIONS:
        raise Refusal("not_eligible", f"council {council.id} is a {council.level} council: a planning "
                      "round is run by a federation of councils")
    actor = member_of(session, books, council, member)
    economy = found(session, StoredEconomy, economy_id, "economy")
    if not period.strip():
        raise Refusal("invalid_request", "a round needs a period (a year, or its first and last)",
                      field="period")
    if report_every not in tuple(Cadence):
        raise Refusal("invalid_request", f"workplaces report every {' or every '.join(Cadence)}, not "
                      f"{report_every!r}", field="report_every")
    try:
        hours = alerts.checked_hours(alert_hours)
    except ValueError as error:
        raise Refusal("invalid_request", str(error), field="alert_hours") from None
    opened = utc(books.clock())
    deadlines = rounds.deadlines(opened, days)
    books.lock(session)
    open_rounds = session.scalar(select(func.count()).where(
        Round.council_id == council.id, Round.step != Step.CLOSED.value)) or 0
    if open_rounds >= MAX_OPEN_ROUNDS:
        raise Refusal("not_eligible", f"council {council.id} has {open_rounds} rounds not closed, the most "
                      "it may run at once: close one first")
    held = Round(council_id=council.id, economy_id=economy.id, period=period.strip(),
                 step=Step.NEEDS.value, step_since=opened, deadlines=deadlines, needs="economy",
                 ballots={}, variants=[], opened_by=member.id, opened_at=opened, report_every=report_every,
                 alert_hours=hours)
    session.add(held)
    session.flush()
    books.record(session, "round opened", actor, {
        "round": held.id, "council": council.id, "economy": economy.id,
        "bundle_sha256": economy.bundle_sha256, "period": held.period, "deadlines": deadlines,
        "report_every": report_every, "alert_hours": hours})
    return held


def attach_ballot(session: Session, books: OpenBooks, member: Member, round_id: int, ballot_id: int) -> Round:
    """The ballot ``ballot_id`` of the round's federation becomes the round's ballot of its
    kind (priorities, shares or budget), while the votes are still to come."""
    held, council, actor = _round_of_member(session, books, round_id, member)
    ballot = found(session, Ballot, ballot_id, "ballot")
    if ballot.council_id != council.id:
        raise Refusal("not_found_in_council", f"ballot {ballot.id} is not a ballot of council {council.id}")
    if ballot.kind not in ROUND_BALLOTS:
        raise Refusal("invalid_request", f"a round takes ballots on {', '.join(ROUND_BALLOTS)}, not "
                      f"{ballot.kind}", field="ballot")
    if Step(held.step) not in ROUND_BALLOTS[ballot.kind]:
        raise Refusal("not_eligible", f"the round is at {rounds.STEPS[Step(held.step)].title.lower()!r}: "
                      "its votes are settled")
    if held.ballots.get(ballot.kind) == ballot.id:
        raise Refusal("invalid_request", f"ballot {ballot.id} is the round's {ballot.kind} ballot already",
                      field="ballot")
    books.lock(session)
    held.ballots = {**held.ballots, ballot.kind: ballot.id}
    books.record(session, "round ballot", actor, {"round": held.id, "kind": ballot.kind, "ballot": ballot.id})
    return held


def add_variant(session: Session, books: OpenBooks, member: Member, round_id: int, job: Job) -> Round:
    """``job`` (a plan on the round's economy, just started for the round's choices) joins the
    round's variants, while they are being computed."""
    held = variant_maker(session, books, member, round_id)
    actor = books.pseudonym(member.id)
    if len(held.variants) >= MAX_VARIANTS:
        raise Refusal("invalid_request", f"a round has at most {MAX_VARIANTS} variants")
    books.lock(session)
    held.variants = [*held.variants, job.id]
    books.record(session, "round variant", actor, {"round": held.id, "job": job.id, "options": job.options})
    return held


def send_records(session: Session, books: OpenBooks, member: Member, round_id: int, council_id: int, *,
                 kind: str, filename: str, content: bytes) -> RoundRecord:
    """The council's records of ``kind`` for the round (checked beforehand: app.rounds), sent
    by one of its members while the needs are gathered; a council's later file of a kind
    replaces its earlier one, and the open books keep both by their SHA-256."""
    held, council, actor = sender(session, books, member, round_id, council_id, kind)
    books.lock(session)
    sent = session.scalar(select(RoundRecord).where(RoundRecord.round_id == held.id,
                                                    RoundRecord.council_id == council.id,
                                                    RoundRecord.kind == kind))
    if sent is None:
        sent = RoundRecord(round_id=held.id, council_id=council.id, kind=kind, sendings=0)
        session.add(sent)
    if sent.sendings >= MAX_SENDINGS:
        raise Refusal("not_eligible", f"council {council.id} has sent its {kind} {sent.sendings} times to "
                      f"this round, the most allowed")
    sent.sendings += 1
    sha256 = hashlib.sha256(content).hexdigest()
    sent.filename, sent.content, sent.sha256 = filename, content, sha256
    sent.sent_by, sent.sent_at = member.id, books.clock()
    session.flush()
    books.record(session, "round records", actor, {"round": held.id, "council": council.id, "kind": kind,
                                                   "filename": filename, "bytes": len(content),
                                                   "sha256": sha256})
    return sent


def sender(session: Session, books: OpenBooks, member: Member, round_id: int, council_id: int,
           kind: str) -> tuple[Round, Council, str]:
    """The round, the council and the member's pseudonym when ``member`` may send the council's
    records of ``kind`` to the round now; a Refusal otherwise (checked before a file is read)."""
    held = found(session, Round, round_id, "round")
    if Step(held.step) is not Step.NEEDS:
        raise Refusal("not_eligible", "records are sent while the round gathers needs; it is at "
                      f"{rounds.STEPS[Step(held.step)].title.lower()!r}")
    if kind not in RECORD_KINDS:
        raise Refusal("invalid_request", f"records are {', '.join(RECORD_KINDS)}, not {kind!r}", field="kind")
    council = found(session, Council, council_id, "council")
    if council.level not in SENDERS or held.council_id not in ancestors(session, council):
        raise Refusal("not_eligible", f"council {council.id} is not a consumer council or workplace "
                      f"under the round's federation (council {held.council_id})")
    return held, council, member_of(session, books, council, member)


def variant_maker(session: Session, books: OpenBooks, member: Member, round_id: int) -> Round:
    """The round when ``member`` may add a variant to it now; a Refusal otherwise (checked
    before the economy is read)."""
    held, _council, _actor = _round_of_member(session, books, round_id, member)
    if Step(held.step) is not Step.VARIANTS:
        raise Refusal("not_eligible", "plan variants are computed in the step "
                      f"{rounds.STEPS[Step.VARIANTS].title.lower()!r}")
    return held


def learn_needs(session: Session, books: OpenBooks, member: Member, round_id: int, job: Job) -> Round:
    """``job`` (a needs job on the round's records, just queued) becomes where the round's needs
    come from, once it is done."""
    held, _council, actor = _round_of_member(session, books, round_id, member)
    if Step(held.step) is not Step.NEEDS:
        raise Refusal("not_eligible", "needs are learned while the round gathers them")
    books.lock(session)
    held.needs = f"job:{job.id}"
    books.record(session, "round needs", actor, {"round": held.id, "job": job.id, "options": job.options})
    return held


def needs_job(session: Session, held: Round) -> Job | None:
    """The needs job the round's needs come from; None when they are the economy's own."""
    if not held.needs.startswith("job:"):
        return None
    return session.get(Job, int(held.needs.removeprefix("job:")))


def facts_of(session: Session, held: Round) -> RoundFacts:
    """What the round has done: its closed ballots, its finished variants, the variant adopted."""
    found_ballots = {kind: session.get(Ballot, ballot_id) for kind, ballot_id in held.ballots.items()}
    closed = {kind: ballot.id for kind, ballot in found_ballots.items()
              if ballot is not None and ballot.state == BallotState.CLOSED}
    plan = found_ballots.get("plan")
    adopted = (plan.result or {}).get("adopted") if plan is not None and "plan" in closed else None
    learned = needs_job(session, held)
    needs_ready = held.needs == "economy" or (learned is not None and learned.state == JobState.DONE)
    publishing = targets_state(session, held)
    return RoundFacts(closed, len(finished_variants(session, held)), adopted, needs_learned=needs_ready,
                      targets_published=publishing is not None and publishing.state == JobState.DONE)


def finished_variants(session: Session, held: Round) -> list[Job]:
    """The round's variants that are done, in the order they were added."""
    jobs = {job.id: job for job in session.scalars(select(Job).where(
        Job.id.in_(held.variants), Job.state == JobState.DONE))}
    return [jobs[job] for job in held.variants if job in jobs]


MAX_TARGETS_JOBS = 5  # jobs publishing one round's targets, the failed ones queued anew included


def advance_round(session: Session, books: OpenBooks, member: Member, round_id: int) -> Round:
    """Move the round to its next step, refused ("not_ready") while the step's work is not done
    (and, for the variants, before the step's deadline); leaving the variants opens the plan
    ballot on every finished variant, leaving the adoption freezes the adopted variant and
    queues the job that publishes every workplace's targets in it (app.targets; the caller
    hands it to the worker), leaving the targets records them as published. While the targets
    job has failed or was cancelled, moving on queues it anew instead."""
    held, council, actor = _round_of_member(session, books, round_id, member)
    step = Step(held.step)
    if step is Step.TARGETS and _targets_job_ended_undone(session, held):
        books.lock(session)
        _queue_targets(session, books, held, member, actor)
        return held
    target = rounds.check_advance(step, facts_of(session, held))
    now = utc(books.clock())
    if step is Step.VARIANTS and now < datetime.fromisoformat(held.deadlines[step.value]):
        raise Refusal("not_ready", "plan variants may be added until the step's deadline, "
                      f"{held.deadlines[step.value]}: the round moves on then")
    books.lock(session)
    if step is Step.VARIANTS:
        _open_adoption(session, books, council, held)
    if step is Step.ADOPTION:
        _freeze_adopted(session, held)
    if step is Step.TARGETS:
        record_published(session, books, held, actor)
    held.step, held.step_since = target.value, now
    if target is Step.EXECUTION:
        held.executing_since = now  # the first day workplaces report for (execution.periods)
    books.record(session, "round advanced", actor, {
        "round": held.id, "from": step.value, "to": target.value,
        **({"job": held.adopted_job_id, "plan_sha256": held.plan_sha256} if step is Step.ADOPTION else {})})
    if step is Step.ADOPTION:
        _queue_targets(session, books, held, member, actor)
    return held


def _targets_job_ended_undone(session: Session, held: Round) -> bool:
    job = targets_state(session, held)
    return job is not None and job.state in (JobState.FAILED, JobState.CANCELLED)


def _queue_targets(session: Session, books: OpenBooks, held: Round, member: Member, actor: str) -> None:
    """Queue the job publishing every workplace's targets in the adopted plan, on the books;
    refused past MAX_TARGETS_JOBS for one round (a job cancelled and queued anew, again and
    again, would flood the books)."""
    queued = session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == "targets", Job.options["round"].as_integer() == held.id)) or 0
    if queued >= MAX_TARGETS_JOBS:
        raise Refusal("not_eligible", f"round {held.id}'s targets were queued {queued} times, the most "
                      "they may be: the server's operator looks into why they fail")
    job = queue_job(session, "targets", held.economy_id, member.id,
                    {"round": held.id, "adopted_job": held.adopted_job_id})
    held.targets_job_id = job.id
    books.record(session, "targets queued", actor, {"round": held.id, "job": job.id,
                                                   "plan_sha256": held.plan_sha256})


def _open_adoption(session: Session, books: OpenBooks, council: Council, held: Round) -> None:
    plans = [job.id for job in finished_variants(session, held)]
    ballot = open_checked(session, books, council, council_actor(council.id), None, kind="plan",
                          question=f"Which plan for {held.period}?", options={"plans": plans},
                          office_id=None)
    held.ballots = {**held.ballots, "plan": ballot.id}


def _freeze_adopted(session: Session, held: Round) -> None:
    adopted = rounds_adopted(session, held)
    held.adopted_job_id = adopted.id
    held.plan_sha256 = hashlib.sha256(json.dumps(adopted.result, sort_keys=True,
                                                 separators=(",", ":")).encode()).hexdigest()


def rounds_adopted(session: Session, held: Round) -> Job:
    """The variant the round's plan ballot adopted; refused when it adopted none of them."""
    adopted = facts_of(session, held).adopted
    if adopted is None or adopted not in held.variants:
        raise Refusal("not_ready", "the plan ballot adopted no variant of this round")
    return found(session, Job, adopted, "job")


def _round_of_member(session: Session, books: OpenBooks, round_id: int,
                     member: Member) -> tuple[Round, Council, str]:
    held = found(session, Round, round_id, "round")
    if Step(held.step) is Step.CLOSED:
        raise Refusal("ended", f"round {held.id} is closed")
    council = found(session, Council, held.council_id, "council")
    return held, council, member_of(session, books, council, member)

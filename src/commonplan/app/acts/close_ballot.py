"""Closing a ballot: at its closing time, or once every member entitled to vote has voted
(democracy.closing), never earlier and by nobody alone; its anonymous contents published in
random order with the count, the electorate and the lottery's seed, then what the result decides
(an office filled, a delegate recalled, pay set, a plan adopted) applied and recorded.

A count may be long (equal shares over tens of thousands of ballots, STV over a large
electorate), so it holds no write transaction: a short one stops the voting (the ballot is
``counting``) and reads the contents, the count runs outside any transaction, and a second
short one records the result with its effects. Every other act is served meanwhile. A count
that was interrupted (its process ended) may be started again by any member once its lease,
:data:`COUNT_LEASE`, has run out; two closes of one ballot never both record a result."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import (
    council_actor,
    found,
    member_count,
    member_of,
    members_by_pseudonym,
    utc,
    votes_cast,
)
from commonplan.app.acts.mandates import install, vacate
from commonplan.app.acts.open_ballot import open_checked
from commonplan.app.acts.revisions import settle_voted
from commonplan.democracy import recall
from commonplan.democracy.ballot_kinds import tally
from commonplan.democracy.closing import BallotState, check_close
from commonplan.democracy.elections import Outcome
from commonplan.democracy.offices import AfterRecall, office_kind
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks
from commonplan.store.models import (
    Ballot,
    BallotContent,
    Council,
    Job,
    Member,
    Office,
    Petition,
    StoredEconomy,
)

COUNT_LEASE = timedelta(minutes=10)  # a count not recorded by then may be started again


@dataclass(frozen=True)
class Count:
    """What a closing ballot is counted from, read when its voting stopped."""

    ballot: int
    council: int
    kind: str
    options: dict[str, Any]
    seats: int
    seed: str
    voted: int
    electorate: int
    contents: list[Any]
    started: datetime

    def result(self) -> dict[str, Any]:
        """The count, by the ballot's kind (democracy.ballot_kinds.tally); no database involved."""
        return tally(self.kind, self.options, self.contents, self.seats, self.seed, self.electorate)


def close_ballot(sessions: Callable[[], Session], books: OpenBooks, member: Member,
                 ballot_id: int) -> Ballot:
    """Close a ballot (any member of its council may ask): refused before its closing time
    unless every member has voted. Each step in a transaction of its own from ``sessions``,
    the count in none."""
    with sessions() as session, session.begin():
        count = start_count(session, books, member, ballot_id)
    result = count.result()
    with sessions() as session, session.begin():
        return record_count(session, books, count, result)


def start_count(session: Session, books: OpenBooks, member: Member, ballot_id: int) -> Count:
    """Stop the voting of a ballot that may close now (its state becomes ``counting``, so no
    vote is taken any more) and read what it is counted from, its contents in random order."""
    ballot = found(session, Ballot, ballot_id, "ballot")
    council = found(session, Council, ballot.council_id, "council")
    member_of(session, books, council, member)
    books.lock(session)
    session.refresh(ballot)
    now = utc(books.clock())
    if ballot.state == BallotState.CLOSED:
        raise Refusal("ballot_closed", f"ballot {ballot.id} is closed already")
    if ballot.state == BallotState.COUNTING and now < _count_started(ballot) + COUNT_LEASE:
        raise Refusal("ballot_closed", f"ballot {ballot.id} is being counted (since "
                                       f"{_count_started(ballot).isoformat()})")
    voted, electorate = votes_cast(session, ballot.id), member_count(session, council.id)
    if ballot.state == BallotState.OPEN:
        # every open ballot has its closing time: set at opening, and given by migration 0006
        # to the ballots opened before it
        assert ballot.closes_at is not None, f"open ballot {ballot.id} has no closing time"
        check_close(now, utc(ballot.closes_at), voted, electorate, ballot.id)
    ballot.state, ballot.closed_at = BallotState.COUNTING, now
    query = select(BallotContent.content).where(BallotContent.ballot_id == ballot.id)
    contents = list(session.scalars(query))
    random.SystemRandom().shuffle(contents)
    return Count(ballot.id, council.id, ballot.kind, dict(ballot.options), ballot.seats, ballot.seed, voted,
                 electorate, contents, now)


def record_count(session: Session, books: OpenBooks, count: Count, result: dict[str, Any]) -> Ballot:
    """Record the result of ``count``: the contents published and deleted, the ballot closed,
    what it decides applied; refused when another close recorded (or restarted) it meanwhile."""
    ballot = found(session, Ballot, count.ballot, "ballot")
    books.lock(session)
    session.refresh(ballot)
    if ballot.state != BallotState.COUNTING or _count_started(ballot) != count.started:
        raise Refusal("ballot_closed", f"ballot {ballot.id} was counted by another close")
    council = found(session, Council, count.council, "council")
    ballot.state, ballot.result, ballot.closed_at = BallotState.CLOSED, result, books.clock()
    session.execute(delete(BallotContent).where(BallotContent.ballot_id == ballot.id))
    books.record(session, "ballot closed", council_actor(council.id), {
        "ballot": ballot.id, "council": council.id, "kind": ballot.kind, "seed": ballot.seed,
        "voted": count.voted, "electorate": count.electorate, "ballots": count.contents, "result": result})
    EFFECTS.get(ballot.kind, _nothing)(session, books, council, ballot)
    return ballot


def _count_started(ballot: Ballot) -> datetime:
    """When the count of a ``counting`` ballot started (start_count sets it with the state)."""
    assert ballot.closed_at is not None, f"ballot {ballot.id} is counting without a start"
    return utc(ballot.closed_at)


def _decided(ballot: Ballot) -> dict[str, Any]:
    """The result of a ballot whose count is recorded (record_count sets it before the effects)."""
    assert ballot.result is not None, f"ballot {ballot.id} has no result"
    return ballot.result


def _nothing(*_: Any) -> None:
    return None


def _elected(session: Session, books: OpenBooks, council: Council, ballot: Ballot) -> None:
    members = members_by_pseudonym(session, books, council.id)
    for office_id, name in zip(ballot.options["offices"], _decided(ballot)["elected"], strict=False):
        office = found(session, Office, office_id, "office")
        install(session, office, members[name], ballot.id, "replaced by election", books.clock())
        books.record(session, "election", council_actor(council.id),
                     {"ballot": ballot.id, "office": office.id, "title": office.title, "holder": name})


def _recalled(session: Session, books: OpenBooks, council: Council, ballot: Ballot) -> None:
    petition = session.scalar(select(Petition).where(Petition.ballot_id == ballot.id))
    # a recall ballot names its office: it is opened on a petition against the office's holder
    assert ballot.office_id is not None, f"recall ballot {ballot.id} names no office"
    office = found(session, Office, ballot.office_id, "office")
    if petition is not None:
        petition.state = "done"
    holder = ballot.options["holder"]
    if not _decided(ballot)["carried"] or office.holder_id is None:
        return
    if books.pseudonym(office.holder_id) != holder:  # the office changed hands meanwhile
        return
    vacate(session, office, "recalled", books.clock())
    refilled = office_kind(office.kind).after_recall is AfterRecall.REFILLED
    after = f"filled by {council.recall_fill}" if refilled else str(office_kind(office.kind).after_recall)
    books.record(session, "recall", council_actor(council.id), {
        "ballot": ballot.id, "office": office.id, "title": office.title, "recalled": holder, "then": after})
    if refilled:  # a post goes by lot again, among its next volunteers
        _fill(session, books, council, office, holder)


def _fill(session: Session, books: OpenBooks, council: Council, office: Office, recalled: str) -> None:
    """The recalled seat to the runner-up of the election that filled it (when the council so
    decided and one is free), else to a by-election, opened now."""
    members = members_by_pseudonym(session, books, council.id)
    election = session.get(Ballot, office.elected_by) if office.elected_by else None
    holders = {books.pseudonym(h) for h in session.scalars(
        select(Office.holder_id).where(Office.council_id == council.id)) if h is not None}
    if election is not None and election.result:
        outcome = Outcome(**{k: v for k, v in election.result.items() if k in Outcome.__dataclass_fields__})
        runner_up = recall.successor(outcome, recalled, council.recall_fill, holders)  # type: ignore[arg-type]
        if runner_up is not None and runner_up in members:
            install(session, office, members[runner_up], election.id, "recalled", books.clock())
            books.record(session, "election", council_actor(council.id), {
                "ballot": election.id, "office": office.id, "title": office.title, "holder": runner_up,
                "as": "runner-up after a recall"})
            return
    earlier = election.options["candidates"] if election is not None else list(members)
    candidates = [name for name in earlier if name in members and name != recalled] or \
                 [name for name in members if name != recalled]
    if candidates:  # opened by the council, as the rule says, not by any member
        open_checked(session, books, council, council_actor(council.id), None, kind="election",
                     question=f"By-election: {office.title}", options={"candidates": candidates},
                     office_id=office.id)


def _adopted(session: Session, books: OpenBooks, council: Council, ballot: Ballot) -> None:
    job_id = _decided(ballot).get("adopted")
    if job_id is None:
        settle_voted(session, books, ballot)  # nobody voted: a revision put to this vote is rejected
        return
    # the plan ballot listed finished plans only (checked at opening), and no job, result or
    # economy is ever deleted
    job = session.get(Job, job_id)
    assert job is not None and job.result is not None, f"adopted plan {job_id} has no result"
    economy = session.get(StoredEconomy, job.economy_id)
    assert economy is not None, f"plan {job_id} is computed on no economy"  # a foreign key
    result_json = json.dumps(job.result, sort_keys=True, separators=(",", ":")).encode()
    books.record(session, "plan adopted", council_actor(council.id), {
        "ballot": ballot.id, "job": job.id, "options": job.options, "bundle_sha256": economy.bundle_sha256,
        "plan_sha256": hashlib.sha256(result_json).hexdigest(),
        "fulfilment": job.result.get("fulfilment"), "labour_hours": job.result.get("labour_hours")})
    settle_voted(session, books, ballot)  # a revision put to this vote is applied or rejected


def _paid(session: Session, books: OpenBooks, council: Council, ballot: Ballot) -> None:
    """A carried pay ballot sets the office's rate, the pay rule checked once more."""
    if not _decided(ballot)["carried"]:
        return
    office = found(session, Office, ballot.options["office"], "office")
    rate = ballot.options["rate"]
    office_kind(office.kind).check_pay(rate, council.reference_rate, office.title)
    office.pay_rate = rate
    books.record(session, "pay set", council_actor(council.id), {
        "ballot": ballot.id, "council": council.id, "office": office.id, "rate": rate,
        "reference_rate": council.reference_rate})


EFFECTS = {"election": _elected, "recall": _recalled, "pay": _paid, "plan": _adopted}

"""Opening a ballot of a council: its question and options checked, its closing time fixed
from the council's minimum voting period, the lottery's seed drawn and committed (its SHA-256 in
the open books now, the seed itself at the close)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import (
    MAX_ID,
    council_actor,
    found,
    is_member,
    member_of,
    members_by_pseudonym,
    pay_checked,
    utc,
)
from commonplan.app.groups import economy_groups, group_option
from commonplan.democracy.ballot_kinds import KINDS, check_may_open, options_checked
from commonplan.democracy.closing import BallotState, closing_time
from commonplan.democracy.lottery import new_seed
from commonplan.democracy.refusals import Refusal
from commonplan.store.access import lends
from commonplan.store.books import OpenBooks
from commonplan.store.models import Ballot, Council, Job, JobState, Member, Office


def open_ballot(session: Session, books: OpenBooks, member: Member, council_id: int, *, kind: str,
                question: str, options: dict[str, Any], office_id: int | None = None,
                closes_at: datetime | None = None) -> Ballot:
    """A ballot opened by a member of the council (a recall ballot opens only from a petition),
    open until its closing time: ``closes_at`` when given, at least the council's voting period
    away, else exactly that period away (democracy.closing)."""
    council = found(session, Council, council_id, "council")
    actor = member_of(session, books, council, member)
    if kind in KINDS and not KINDS[kind].member_opens:
        raise Refusal("not_eligible", f"a {kind} ballot opens when a petition reaches its threshold")
    if kind == "priorities":  # groups named by an economy the opener may read: in full, from its bundle
        options = _with_economy_groups(session, member, options)
    return open_checked(session, books, council, actor, member.id, kind=kind, question=question,
                        options=options, office_id=office_id, closes_at=closes_at)


def _with_economy_groups(session: Session, member: Member, options: dict[str, Any]) -> dict[str, Any]:
    """The options of a priorities ballot whose ``groups`` are ``true`` (every group of the
    ``economy``'s needs) or names of its groups, with those groups in full (their products,
    quantity and unit); other options as they are. An unknown group is refused, named."""
    asked = options.get("groups")
    names = asked if isinstance(asked, list) and asked and all(isinstance(n, str) for n in asked) else None
    if asked is not True and names is None:
        return options
    economy = options.get("economy")
    if type(economy) is not int or not 1 <= economy <= MAX_ID:
        raise Refusal("invalid_ballot", "groups given by name are the groups of an economy: name it "
                                        "(economy: its number)")
    found = economy_groups(session, member, economy)
    if names is not None:
        known = {group.name: group for group in found}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise Refusal("invalid_ballot", f"{unknown[0]!r} is not a group of the needs of economy "
                                            f"{economy}")
        found = [known[name] for name in dict.fromkeys(names)]
    return {**options, "groups": [group_option(group) for group in found]}


def open_checked(session: Session, books: OpenBooks, council: Council, actor: str, opener_id: int | None, *,
                 kind: str, question: str, options: dict[str, Any], office_id: int | None,
                 closes_at: datetime | None = None) -> Ballot:
    """Open a ballot whose opener is known to be entitled: a member (``opener_id``), or the
    council itself (None) when a rule opens it (a recall after a petition, a by-election)."""
    if opener_id is not None:  # a member's ballot: within the most one member may have open
        check_may_open(session.scalar(select(func.count()).where(
            Ballot.council_id == council.id, Ballot.opened_by == opener_id,
            Ballot.state != BallotState.CLOSED)) or 0)
    seats, offices = 1, []
    about_office = kind in KINDS and KINDS[kind].about_office
    if not about_office:
        office_id = None  # only an election or a recall is about an office (an unknown one broke the insert)
    else:
        several = options.get("offices") if kind == "election" else None
        offices = _offices_of(session, council, office_id, several)
        seats = len(offices)
    if kind in KINDS and KINDS[kind].binding:  # yes-or-no votes: the council's quorum, never the opener's
        options = {**options, "quorum": council.recall_quorum}
    options = options_checked(kind, options, seats)
    if kind == "election":
        _candidates_are_members(session, books, council, options["candidates"])
        options["offices"] = offices
    if kind == "plan":
        _plans_are_finished(session, council, options["plans"], opener_id)
    if kind == "pay":
        office = _office_of(session, council, options["office"])
        pay_checked(session, books, council, actor, office, options["rate"])
    opened_at = books.clock()
    closes = closing_time(utc(opened_at), council.voting_days, utc(closes_at) if closes_at else None)
    seed = new_seed(books.random_bytes)
    books.lock(session)
    ballot = Ballot(council_id=council.id, kind=kind, question=question.strip(), options=options,
                    seats=seats, office_id=office_id, seed=seed, opened_by=opener_id, opened_at=opened_at,
                    closes_at=closes)
    session.add(ballot)
    session.flush()
    books.record(session, "ballot opened", actor, {
        "ballot": ballot.id, "council": council.id, "kind": kind, "question": ballot.question,
        "options": options, "seats": seats, "office": office_id,
        "seed_sha256": hashlib.sha256(seed.encode()).hexdigest(), "closes_at": closes.isoformat(),
        "opened_by": council_actor(council.id) if opener_id is None else actor})
    return ballot


def _offices_of(session: Session, council: Council, office_id: int | None, offices: Any) -> list[int]:
    """The seats a ballot fills: ``office_id``, or the distinct ``offices`` (which include it) of
    an election for several seats, each an office of the council."""
    first = _office_of(session, council, office_id)
    if offices is None:
        return [first.id]
    if (not isinstance(offices, list) or first.id not in offices or len(set(offices)) != len(offices)
            or not all(type(other) is int for other in offices)):
        raise Refusal("invalid_ballot",
                      "offices must list distinct office numbers, the ballot's office among them")
    return [_office_of(session, council, other).id for other in offices]


def _office_of(session: Session, council: Council, office_id: int | None) -> Office:
    if office_id is None:
        raise Refusal("invalid_ballot", "an election or a recall names its office")
    office = found(session, Office, office_id, "office")
    if office.council_id != council.id:
        raise Refusal("not_found_in_council", f"office {office_id} is not an office of council {council.id}")
    return office


def _candidates_are_members(session: Session, books: OpenBooks, council: Council,
                            candidates: list[str]) -> None:
    members = members_by_pseudonym(session, books, council.id)
    for candidate in candidates:
        if candidate not in members:
            raise Refusal("not_a_member", f"candidate {candidate} is not a member of council {council.id}")


PLAN_JOBS = ("plan", "revision")  # the jobs a plan ballot may choose among (a revision: app.acts.revisions)


def _plans_are_finished(session: Session, council: Council, plans: list[int], opener_id: int | None) -> None:
    """Each job a finished plan that the ballot lends its council (store.access.lends): nobody
    asks others to adopt a plan they could not open (refused as if it did not exist), nor shows
    a stranger's plan to a council of their choosing."""
    opener = session.get(Member, opener_id) if opener_id is not None else None
    for job_id in plans:
        job = session.get(Job, job_id) if 1 <= job_id <= MAX_ID else None
        if job is None or job.kind not in PLAN_JOBS or job.state != JobState.DONE or not lends(
                opener, job, is_member(session, council.id, job.owner_id)):
            raise Refusal("invalid_ballot", f"job {job_id} is not a finished plan of yours or of a "
                                            f"member of council {council.id}")

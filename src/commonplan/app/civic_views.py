"""What the API and the pages show of councils, offices, ballots and petitions: members only by
pseudonym (and the public name they chose), ballots never with who voted what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import council_actor, utc, votes_cast
from commonplan.app.acts.recall_delegate import petition_status
from commonplan.app.comparisons import comparison_of, readable_plans
from commonplan.democracy.closing import BallotState
from commonplan.store.books import OpenBooks
from commonplan.store.models import Ballot, Council, CouncilMember, Member, Office, Participation, Petition


def council_summary(council: Council) -> dict[str, Any]:
    return {"id": council.id, "name": council.name, "level": council.level, "parent": council.parent_id,
            "reference_rate": council.reference_rate, "recall_fraction": council.recall_fraction,
            "recall_fill": council.recall_fill, "recall_quorum": council.recall_quorum,
            "voting_days": council.voting_days, "producer": council.producer}


def public_names(db: Session, books: OpenBooks, council_id: int, me: Member) -> dict[str, str]:
    """The council's members, pseudonym to the public name each chose to show its members, in
    the order they joined; to anyone else the names are blank, so that nobody outside a council
    can put names to its members' entries in the open books."""
    rows = db.execute(select(CouncilMember.member_id, CouncilMember.public_name)
                      .where(CouncilMember.council_id == council_id).order_by(CouncilMember.since)).all()
    member = any(member_id == me.id for member_id, _ in rows)
    return {books.pseudonym(member_id): name if member else "" for member_id, name in rows}


def council_view(db: Session, books: OpenBooks, council: Council, me: Member) -> dict[str, Any]:
    """The council with its members (their public names shown to its members only), offices,
    ballots, petitions and children."""
    names = public_names(db, books, council.id, me)
    offices = db.scalars(select(Office).where(Office.council_id == council.id).order_by(Office.id))
    ballots = db.scalars(select(Ballot).where(Ballot.council_id == council.id).order_by(Ballot.id.desc()))
    petitions = db.scalars(select(Petition).join(Office, Office.id == Petition.office_id)
                           .where(Office.council_id == council.id, Petition.state == "open"))
    children = db.scalars(select(Council).where(Council.parent_id == council.id).order_by(Council.id))
    return {**council_summary(council),
            "members": [{"member": pseudonym, "public_name": name} for pseudonym, name in names.items()],
            "you": books.pseudonym(me.id),
            "offices": [office_view(books, office) for office in offices],
            "ballots": [ballot_summary(ballot) for ballot in ballots],
            "petitions": [petition_view(db, books, petition) for petition in petitions],
            "councils_below": [council_summary(child) for child in children]}


def office_view(books: OpenBooks, office: Office) -> dict[str, Any]:
    return {"id": office.id, "council": office.council_id, "title": office.title, "kind": office.kind,
            "holder": books.pseudonym(office.holder_id) if office.holder_id is not None else None,
            "pay_rate": office.pay_rate, "term_limit": office.term_limit}


def ballot_summary(ballot: Ballot) -> dict[str, Any]:
    return {"id": ballot.id, "council": ballot.council_id, "kind": ballot.kind, "question": ballot.question,
            "state": ballot.state, "office": ballot.office_id}


def ballot_view(db: Session, books: OpenBooks, ballot: Ballot, me: Member) -> dict[str, Any]:
    """A ballot: its question and options, how many voted and whether you did; the result and
    the seed once closed."""
    voted = votes_cast(db, ballot.id)
    mine = db.get(Participation, (ballot.id, me.id)) is not None
    view = {**ballot_summary(ballot), "options": ballot.options, "seats": ballot.seats, "voted": voted,
            "you_voted": mine, "opened_by": opener(books, ballot),
            "opened_at": utc(ballot.opened_at).isoformat(),
            "closes_at": utc(ballot.closes_at).isoformat() if ballot.closes_at else None}
    if ballot.state == BallotState.CLOSED:
        view |= {"result": ballot.result, "seed": ballot.seed,
                 "closed_at": utc(ballot.closed_at).isoformat() if ballot.closed_at else None}
    if ballot.kind == "plan":
        view["variants"] = plan_variants(db, ballot, me)
    return view


def opener(books: OpenBooks, ballot: Ballot) -> str:
    """Who opened the ballot, as the open books name them: a member's pseudonym, or the council
    itself when a rule opened it (a recall after a petition, a by-election after a recall)."""
    if ballot.opened_by is None:
        return council_actor(ballot.council_id)
    return books.pseudonym(ballot.opened_by)


def plan_variants(db: Session, ballot: Ballot, me: Member) -> dict[str, Any]:
    """A plan ballot's variants compared (planning.compare): each plan's labour, fulfilment per
    tier and what binds, and the products whose net output differs most, for the plans ``me``
    may read; ``unreadable`` lists the others (a member of the council reads them all)."""
    plans = [job for job in (ballot.options or {}).get("plans", []) if isinstance(job, int)]
    jobs = readable_plans(db, plans, me)
    shown = {job.id for job in jobs}
    compared = comparison_of(db, jobs).to_json() if jobs else {"variants": [], "differences": []}
    return {**compared, "unreadable": [job for job in plans if job not in shown]}


def petition_view(db: Session, books: OpenBooks, petition: Petition) -> dict[str, Any]:
    return {"id": petition.id, "office": petition.office_id, "holder": books.pseudonym(petition.holder_id),
            "state": petition.state, "ballot": petition.ballot_id, **petition_status(db, petition)}

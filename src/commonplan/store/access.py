"""Who may do what with economies and jobs: the one rule every route and page calls.

A member reads, runs and uploads their own. A delegate also reads every economy and job and
computes plans on any economy (for the council that sent them); a workplace reporter also reads
every economy and job (to see their workplace's targets); an auditor reads everything and
changes nothing.

A member votes only on what they can read: a member of a council with a plan ballot (open or
closed) that lists a job reads that job, its results and the economy it was computed on, as
long as the ballot's opener could read the job themselves and it is the opener's own plan or a
member's of that council (so that opening a ballot never lends a right its opener lacks, nor
shows a stranger's private plan). Reading is all such a ballot grants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, object_session

from commonplan.store.models import Ballot, CouncilMember, Job, Member, StoredEconomy

Action = Literal["read", "run", "upload"]
Scope = Literal["own", "any"]
Owned = StoredEconomy | Job
Listed = TypeVar("Listed", StoredEconomy, Job)  # a table of owned rows

GRANTS: dict[str, dict[Action, Scope]] = {
    "member": {"read": "own", "run": "own", "upload": "own"},
    "delegate": {"read": "any", "run": "any", "upload": "own"},
    "workplace reporter": {"read": "any", "run": "own", "upload": "own"},
    "auditor": {"read": "any"},
}


def may(member: Member, action: Action, row: Owned | None = None) -> bool:
    """Whether ``member`` may do ``action`` to ``row`` (None: a new row of their own, as an
    upload): by their role and ownership, or, to read, through a plan ballot of their council
    (module doc; the ballots are read in the row's own session)."""
    if row is None:
        return _granted(member.role, member.id, action, None)
    return (action == "read" and bool(readable_among(member, [row]))) or (
        action != "read" and _granted(member.role, member.id, action, row.owner_id))


def readable_among(member: Member, rows: Sequence[Owned]) -> list[Owned]:
    """The ``rows`` that ``member`` may read, in order: by role or ownership, else lent by a
    plan ballot of their council (the ballots read once, in the rows' own session)."""
    granted = [_granted(member.role, member.id, "read", row.owner_id) for row in rows]
    session = next((object_session(row) for row, ok in zip(rows, granted, strict=True) if not ok), None)
    if session is None:
        return [row for row, ok in zip(rows, granted, strict=True) if ok]
    jobs = plans_on_ballots_of(session, member)
    economies = set(session.scalars(select(Job.economy_id).where(Job.id.in_(jobs)))) if jobs else set()
    return [row for row, ok in zip(rows, granted, strict=True)
            if ok or (row.id in jobs if isinstance(row, Job) else row.id in economies)]


def _granted(role: str, member_id: int, action: Action, owner_id: int | None) -> bool:
    """What the role grants the member ``member_id`` on a row of ``owner_id``."""
    scope = GRANTS.get(role, {}).get(action)
    return scope == "any" or (scope == "own" and owner_id in (None, member_id))


def lends(opener: Member | None, job: Job, owner_is_member: bool) -> bool:
    """Whether a plan ballot opened by ``opener`` lends the reading of ``job`` to its council:
    the opener may read it by role or ownership, and it is the opener's own plan or that of a
    member of the ballot's council (``owner_is_member``). Nobody, a delegate or an auditor
    included, shows a stranger's private plan to a council of their choosing. A plan ballot the
    council opens itself (``opener`` None: a planning round's, on the variants its members
    computed for the round) lends its members' plans."""
    if opener is None:
        return owner_is_member
    return _granted(opener.role, opener.id, "read", job.owner_id) and (
        job.owner_id == opener.id or owner_is_member)


def plans_on_ballots_of(session: Session, member: Member) -> set[int]:
    """The plan jobs that the plan ballots of ``member``'s councils lend them (``lends``)."""
    listed = session.execute(
        select(Ballot.options, Ballot.opened_by, Ballot.council_id)
        .join(CouncilMember, CouncilMember.council_id == Ballot.council_id)
        .where(CouncilMember.member_id == member.id, Ballot.kind == "plan")).all()
    wanted = {job for options, _, _ in listed for job in _plans_of(options)}
    if not wanted:
        return set()
    jobs = {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(wanted)))}
    openers = {m.id: m for m in session.scalars(select(Member).where(
        Member.id.in_({opener for _, opener, _ in listed if opener is not None})))}
    councils = {council for _, _, council in listed}
    seated = {(council, member) for council, member in session.execute(
        select(CouncilMember.council_id, CouncilMember.member_id).where(
            CouncilMember.council_id.in_(councils),
            CouncilMember.member_id.in_({job.owner_id for job in jobs.values()})))}
    return {job for options, opener, council in listed for job in _plans_of(options)
            if job in jobs and lends(openers.get(opener) if opener is not None else None, jobs[job],
                                     (council, jobs[job].owner_id) in seated)}


def _plans_of(options: object) -> list[int]:
    plans = options.get("plans") if isinstance(options, dict) else None
    return [job for job in plans if type(job) is int] if isinstance(plans, list) else []


def readable(member: Member, table: type[Listed]) -> Select[Listed]:
    """The rows of ``table`` ``member`` may list, newest first: every row for a role that reads
    any, their own otherwise (what a plan ballot lets them read is reached from the ballot)."""
    query = select(table).order_by(table.id.desc())
    if GRANTS.get(member.role, {}).get("read") == "any":
        return query
    return query.where(table.owner_id == member.id)

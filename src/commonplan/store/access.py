"""Who may do what with economies and jobs: the one rule every route and page calls.

A member reads, runs and uploads their own. A delegate also reads every economy and job and
computes plans on any economy (for the council that sent them); a workplace reporter also reads
every economy and job (to see their workplace's targets); an auditor reads everything and
changes nothing.

A member votes only on what they can read: a member of a council with a plan ballot (open or
closed) that lists a job reads that job, its results and the economy it was computed on, as
long as the ballot's opener could read the job themselves (so that opening a ballot never
lends anyone a right its opener lacks). Reading is all such a ballot grants.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, object_session

from commonplan.store.models import Ballot, CouncilMember, Job, Member, StoredEconomy

Action = Literal["read", "run", "upload"]
Scope = Literal["own", "any"]
Owned = StoredEconomy | Job

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
    if _granted(member.role, member.id, action, None if row is None else row.owner_id):
        return True
    session = object_session(row) if row is not None else None
    if action != "read" or row is None or session is None:
        return False
    jobs = plans_on_ballots_of(session, member)
    if isinstance(row, Job):
        return row.id in jobs
    return bool(jobs) and session.scalar(
        select(Job.id).where(Job.id.in_(jobs), Job.economy_id == row.id).limit(1)) is not None


def _granted(role: str, member_id: int, action: Action, owner_id: int | None) -> bool:
    """What the role grants the member ``member_id`` on a row of ``owner_id``."""
    scope = GRANTS.get(role, {}).get(action)
    return scope == "any" or (scope == "own" and owner_id in (None, member_id))


def plans_on_ballots_of(session: Session, member: Member) -> set[int]:
    """The plan jobs listed on the plan ballots of ``member``'s councils whose opener could read
    them by role or ownership."""
    listed = session.execute(
        select(Ballot.options, Ballot.opened_by)
        .join(CouncilMember, CouncilMember.council_id == Ballot.council_id)
        .where(CouncilMember.member_id == member.id, Ballot.kind == "plan"))
    openers: dict[int, set[int | None]] = {}
    for options, opener in listed:
        plans = options.get("plans") if isinstance(options, dict) else None
        for job in plans if isinstance(plans, list) else []:
            if isinstance(job, int) and not isinstance(job, bool):
                openers.setdefault(job, set()).add(opener)
    if not openers:
        return set()
    owners = dict(session.execute(select(Job.id, Job.owner_id).where(Job.id.in_(openers))).all())
    ids = {opener for found in openers.values() for opener in found if opener is not None}
    roles = dict(session.execute(select(Member.id, Member.role).where(Member.id.in_(ids))).all())
    return {job for job, found in openers.items() if job in owners and any(
        opener in roles and _granted(roles[opener], opener, "read", owners[job])
        for opener in found)}


def readable(member: Member, table: type) -> Select:
    """The rows of ``table`` ``member`` may list, newest first: every row for a role that reads
    any, their own otherwise (what a plan ballot lets them read is reached from the ballot)."""
    query = select(table).order_by(table.id.desc())  # type: ignore[attr-defined]
    if GRANTS.get(member.role, {}).get("read") == "any":
        return query
    return query.where(table.owner_id == member.id)  # type: ignore[attr-defined]

"""Giving an office to a member and taking it away; a delegate is a member of the council above
while the mandate lasts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.democracy.offices import kinds_sitting_above, office_kind
from commonplan.store.models import Council, CouncilMember, Mandate, Office


def install(session: Session, office: Office, member_id: int, ballot_id: int | None,
            why_previous: str, when: datetime) -> None:
    """``member_id`` holds ``office`` from now; the previous holder's mandate ends for ``why_previous``."""
    if office.holder_id is not None:
        vacate(session, office, why_previous, when)
    office.holder_id = member_id
    office.elected_by = ballot_id if ballot_id is not None else office.elected_by
    session.add(Mandate(office_id=office.id, member_id=member_id, started_at=when))
    parent_id = _delegates_to(session, office)
    if parent_id is not None and session.get(CouncilMember, (parent_id, member_id)) is None:
        session.add(CouncilMember(council_id=parent_id, member_id=member_id))


def vacate(session: Session, office: Office, why: str, when: datetime) -> None:
    """The holder's mandate ends now; a delegate leaves the council above unless another
    mandate still sends them there."""
    holder = office.holder_id
    if holder is None:
        return
    mandate = session.scalar(select(Mandate).where(
        Mandate.office_id == office.id, Mandate.member_id == holder, Mandate.ended_at.is_(None)))
    if mandate is not None:
        mandate.ended_at, mandate.ended_why = when, why
    office.holder_id = None
    parent_id = _delegates_to(session, office)
    if parent_id is None:
        return
    session.flush()
    still = session.scalar(select(Office.id).join(Council, Council.id == Office.council_id).where(
        Office.holder_id == holder, Office.kind.in_(kinds_sitting_above()), Council.parent_id == parent_id))
    if still is None and (row := session.get(CouncilMember, (parent_id, holder))) is not None:
        session.delete(row)


def terms_held(session: Session, office_id: int) -> dict[int, int]:
    """How many terms each member has held ``office_id``."""
    counts: dict[int, int] = {}
    for member_id in session.scalars(select(Mandate.member_id).where(Mandate.office_id == office_id)):
        counts[member_id] = counts.get(member_id, 0) + 1
    return counts


def _delegates_to(session: Session, office: Office) -> int | None:
    if not office_kind(office.kind).sits_above:
        return None
    return session.scalar(select(Council.parent_id).where(Council.id == office.council_id))

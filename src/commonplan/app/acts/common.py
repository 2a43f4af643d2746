"""What every act needs: finding rows (or refusing), membership, members' pseudonyms, the
ballots' clock and the pay rule with its refusals on the books."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commonplan.app.rows import MAX_ID as MAX_ID  # the acts find rows as every use case does
from commonplan.app.rows import found as found
from commonplan.democracy.offices import office_kind
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks, record_apart
from commonplan.store.models import Council, CouncilMember, Member, Office, Participation

_FINITE = Decimal(10**300)  # a rate below it is recorded as a number, above it as text


def member_count(session: Session, council_id: int) -> int:
    """How many members the council has: its electorate, the base of every threshold and quorum."""
    return session.scalar(select(func.count()).where(CouncilMember.council_id == council_id)) or 0


def votes_cast(session: Session, ballot_id: int) -> int:
    """How many members voted in the ballot (never what)."""
    return session.scalar(select(func.count()).where(Participation.ballot_id == ballot_id)) or 0


def is_member(session: Session, council_id: int, member_id: int) -> bool:
    return session.get(CouncilMember, (council_id, member_id)) is not None


def member_of(session: Session, books: OpenBooks, council: Council, member: Member) -> str:
    """``member``'s pseudonym, refusing one who is not a member of ``council``."""
    if not is_member(session, council.id, member.id):
        raise Refusal("not_a_member", f"{books.pseudonym(member.id)} is not a member of council {council.id}")
    return books.pseudonym(member.id)


def members_by_pseudonym(session: Session, books: OpenBooks, council_id: int) -> dict[str, int]:
    """The council's members: pseudonym to member number."""
    ids = session.scalars(select(CouncilMember.member_id).where(CouncilMember.council_id == council_id))
    return {books.pseudonym(member_id): member_id for member_id in ids}


def utc(moment: datetime) -> datetime:
    """``moment`` with its time zone (SQLite gives back times without one: they are UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def past_deadline(closes_at: datetime | None, books: OpenBooks) -> bool:
    """Whether a ballot's closing time (if it has one) has passed by the books' clock."""
    return closes_at is not None and utc(books.clock()) >= utc(closes_at)


def council_actor(council_id: int) -> str:
    return f"council:{council_id}"


def pay_checked(session: Session, books: OpenBooks, council: Council, actor: str, held: Office,
                rate: float | Decimal, voted_rate: float | None = None) -> None:
    """The pay rule, checked before anything is written (with ``voted_rate``, a payment: neither
    above the reference nor above the rate the council voted): a breach is recorded apart (in a
    transaction of its own, so it stays when the act is rolled back) and then refused."""
    kind, office = office_kind(held.kind), held.title  # the pay rule of the office's kind
    try:
        if voted_rate is None:
            kind.check_pay(rate, council.reference_rate, office)
        else:
            kind.check_payment(rate, voted_rate, council.reference_rate, office)
    except Refusal as refusal:
        if refusal.code == "pay_above_rule":
            bind = session.get_bind()  # the acts' sessions are on an engine; a connection has one
            record_apart(bind if isinstance(bind, Engine) else bind.engine, books, "refusal", actor, {
                "council": council.id, "office": office,
                "rate": float(rate) if abs(Decimal(rate)) < _FINITE else str(rate),  # JSON holds no infinity
                "reference_rate": council.reference_rate, "voted_rate": voted_rate,
                "code": refusal.code, "reason": refusal.reason})
        raise

"""Founding a council, joining it, creating its offices (delegates to the council above,
administrative posts), and naming the producer a workplace council is (the ``producer`` of the
economy's techniques whose targets it receives, app.targets)."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, is_member, member_of
from commonplan.democracy import closing, councils, recall
from commonplan.democracy.offices import office_kind
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks
from commonplan.store.models import Council, CouncilMember, Member, Office

MAX_PRODUCER = 200  # characters of a producer's name a council may take (the column's width)


def found_council(session: Session, books: OpenBooks, founder: Member, *, name: str, level: str,
                  reference_rate: float, parent_id: int | None = None, recall_fraction: str = "1/5",
                  recall_fill: str = "by-election", public_name: str = "",
                  recall_quorum: str = "1/2", voting_days: int = closing.DEFAULT_VOTING_DAYS,
                  producer: str | None = None) -> Council:
    """A new council; the founder of a workplace, consumer or neighbourhood council is its
    first member (a federation's members are the delegates sent from below). Its rules: the
    share of members whose signatures open a recall ballot, the share who must take part for a
    recall to carry, and the least number of days every ballot stays open. A workplace council
    may say at once which ``producer`` of the economy it is (:func:`set_producer`)."""
    councils.check_level(level)
    parent = found(session, Council, parent_id, "council") if parent_id is not None else None
    if parent is not None:
        councils.check_parent(level, parent.level)
    fraction = _fraction(recall_fraction, "recall_fraction")
    quorum = _fraction(recall_quorum, "recall_quorum")
    closing.check_voting_days(voting_days)
    if recall_fill not in recall.RULES:
        raise Refusal("invalid_council", f"recall_fill must be one of {', '.join(recall.RULES)}")
    if not reference_rate > 0 or reference_rate == float("inf"):
        raise Refusal("invalid_pay", "the reference rate for skilled work must be a positive number")
    books.lock(session)
    producer = _producer_checked(session, level, producer)  # under the lock: two never take one name
    council = Council(name=name, level=level, parent_id=parent_id, reference_rate=reference_rate,
                      recall_fraction=str(fraction), recall_fill=recall_fill, recall_quorum=str(quorum),
                      voting_days=voting_days, producer=producer)
    session.add(council)
    session.flush()
    if level not in councils.FEDERATIONS:
        session.add(CouncilMember(council_id=council.id, member_id=founder.id, public_name=public_name))
    books.record(session, "council founded", books.pseudonym(founder.id), {
        "council": council.id, "name": name, "level": level, "parent": parent_id,
        "reference_rate": reference_rate, "recall_fraction": str(fraction), "recall_fill": recall_fill,
        "recall_quorum": str(quorum), "voting_days": voting_days,
        **({"producer": producer} if producer is not None else {})})
    return council


def set_producer(session: Session, books: OpenBooks, member: Member, council_id: int,
                 producer: str | None) -> Council:
    """The workplace council ``council_id`` says (by one of its members, on the open books)
    which ``producer`` of the economy's techniques it is, or none (None or blank); refused
    (producer_taken) when another workplace council is that producer."""
    council = found(session, Council, council_id, "council")
    actor = member_of(session, books, council, member)
    books.lock(session)
    council.producer = _producer_checked(session, council.level, producer, council.id)
    books.record(session, "council producer", actor, {"council": council.id, "producer": council.producer})
    return council


def _producer_checked(session: Session, level: str, producer: str | None,
                      council_id: int | None = None) -> str | None:
    """``producer`` stripped (None when blank), refused for a council that is not a workplace
    or when another council is that producer already."""
    name = (producer or "").strip() or None
    if name is None:
        return None
    if level != "workplace":
        raise Refusal("not_eligible", f"a {level} council makes nothing: only a workplace council is "
                      "a producer")
    if len(name) > MAX_PRODUCER:
        raise Refusal("invalid_request", f"a producer's name has at most {MAX_PRODUCER} characters",
                      field="producer")
    other = session.scalar(select(Council.id).where(Council.producer == name,
                                                    Council.id != (council_id or 0)))
    if other is not None:
        raise Refusal("producer_taken", f"council {other} is the producer {name!r} already")
    return name


def join_council(session: Session, books: OpenBooks, member: Member, council_id: int,
                 public_name: str = "") -> Council:
    """``member`` joins a workplace, consumer or neighbourhood council."""
    books.lock(session)
    council = found(session, Council, council_id, "council")
    if council.level in councils.FEDERATIONS:
        raise Refusal("not_eligible", f"the members of a {council.level} federation are the delegates "
                                      "its councils send; nobody joins it directly")
    if is_member(session, council.id, member.id):
        raise Refusal("already_member",
                      f"{books.pseudonym(member.id)} is already a member of council {council.id}")
    session.add(CouncilMember(council_id=council.id, member_id=member.id, public_name=public_name))
    books.record(session, "joined council", books.pseudonym(member.id), {"council": council.id})
    return council


def create_office(session: Session, books: OpenBooks, member: Member, council_id: int, *, title: str,
                  kind: str, pay_rate: float = 0.0, term_limit: int | None = None) -> Office:
    """A new office of the council, of a kind of democracy.offices, created by one of its members,
    unpaid: its pay is the council's decision, by a pay ballot (set_pay.propose_pay), never one member's."""
    council = found(session, Council, council_id, "council")
    actor = member_of(session, books, council, member)
    if office_kind(kind).sits_above and council.parent_id is None:
        raise Refusal("invalid_council", f"council {council.id} has no council above to send delegates to")
    if term_limit is not None and term_limit < 1:
        raise Refusal("term_limit", "a term limit is at least one term")
    if pay_rate != 0:
        raise Refusal("pay_by_ballot", f"an office opens unpaid: propose its pay of {pay_rate} per hour "
                                       "to the council, which decides it by a pay ballot")
    books.lock(session)
    office = Office(council_id=council.id, title=title, kind=kind, pay_rate=pay_rate, term_limit=term_limit)
    session.add(office)
    session.flush()
    books.record(session, "office created", actor, {
        "council": council.id, "office": office.id, "title": title, "kind": kind, "pay_rate": pay_rate,
        "term_limit": term_limit})
    return office


def _fraction(text: str, name: str) -> Fraction:
    try:
        fraction = Fraction(text)
    except (ValueError, ZeroDivisionError, TypeError):
        raise Refusal("invalid_council", f"{name} {text!r} is not a fraction such as 1/5") from None
    if not 0 < fraction <= 1 or fraction.denominator > 1000:
        raise Refusal("invalid_council", f"{name} must be above 0 and at most 1, with a denominator "
                                         f"of at most 1000, not {text!r}")
    return fraction

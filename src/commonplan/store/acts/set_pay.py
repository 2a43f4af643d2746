"""The pay rule at work: no office pays more than its council's reference rate for skilled
work; a pay set above it is refused, and the refusal itself is recorded in the open books."""

from __future__ import annotations

from sqlalchemy.orm import Session

from commonplan.democracy.pay import check_pay
from commonplan.democracy.refusals import Refusal
from commonplan.store.acts.common import found, member_of
from commonplan.store.books import OpenBooks, record_apart
from commonplan.store.models import Council, Member, Office


def pay_checked(session: Session, books: OpenBooks, council: Council, actor: str, office: str,
                rate: float) -> None:
    """The pay rule, checked before anything is written: a breach is recorded apart (in a
    transaction of its own, so it stays when the act is rolled back) and then refused."""
    try:
        check_pay(rate, council.reference_rate, office)
    except Refusal as refusal:
        if refusal.code == "pay_above_rule":
            record_apart(session.get_bind(), books, "refusal", actor, {
                "council": council.id, "office": office, "rate": rate,
                "reference_rate": council.reference_rate, "code": refusal.code, "reason": refusal.reason})
        raise


def set_pay(session: Session, books: OpenBooks, member: Member, office_id: int, rate: float) -> Office:
    """Set the pay of an office (by a member of its council), within the pay rule."""
    office = found(session, Office, office_id, "office")
    council = found(session, Council, office.council_id, "council")
    actor = member_of(session, books, council, member)
    pay_checked(session, books, council, actor, office.title, rate)
    books.lock(session)
    office.pay_rate = rate
    books.record(session, "pay set", actor, {"council": council.id, "office": office.id, "rate": rate,
                                             "reference_rate": council.reference_rate})
    return office

"""The pay rule at work: no office pays more than its council's reference rate for skilled
work; a pay set or paid above it is refused, and the refusal itself is recorded in the open books."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from sqlalchemy.orm import Session

from commonplan.democracy.pay import check_pay
from commonplan.democracy.refusals import Refusal
from commonplan.store.acts.common import found, member_of
from commonplan.store.books import OpenBooks, record_apart
from commonplan.store.models import Council, Member, Office


def pay_checked(session: Session, books: OpenBooks, council: Council, actor: str, office: str,
                rate: float | Decimal) -> None:
    """The pay rule, checked before anything is written: a breach is recorded apart (in a
    transaction of its own, so it stays when the act is rolled back) and then refused."""
    try:
        check_pay(rate, council.reference_rate, office)
    except Refusal as refusal:
        if refusal.code == "pay_above_rule":
            record_apart(session.get_bind(), books, "refusal", actor, {
                "council": council.id, "office": office,
                "rate": float(rate) if abs(rate) < 10**300 else str(rate),  # JSON holds no infinity
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


def pay_holder(session: Session, books: OpenBooks, member: Member, office_id: int, hours: float,
               amount: float) -> dict[str, object]:
    """Record a payment to an office's holder for ``hours`` of its work, within the pay rule:
    ``amount`` over ``hours`` may not pass the council's reference rate (nor is a payment made
    to an office nobody holds)."""
    office = found(session, Office, office_id, "office")
    council = found(session, Council, office.council_id, "council")
    actor = member_of(session, books, council, member)
    if office.holder_id is None:
        raise Refusal("not_a_delegate", f"office {office.id} has no holder to pay")
    if not hours > 0 or hours == float("inf"):
        raise Refusal("invalid_pay", "the hours paid for must be a positive number")
    rate = Decimal(amount) / Decimal(hours)
    if rate < 10**15:  # a greater rate passes any rule, and has too many digits to quantize
        rate = rate.quantize(Decimal("0.000001"), rounding=ROUND_CEILING)
    pay_checked(session, books, council, actor, office.title, rate)
    books.lock(session)
    payment = {"council": council.id, "office": office.id, "holder": books.pseudonym(office.holder_id),
               "hours": hours, "amount": amount, "reference_rate": council.reference_rate}
    books.record(session, "paid", actor, payment)
    return payment

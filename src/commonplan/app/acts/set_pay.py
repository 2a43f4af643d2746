"""Pay is the council's decision: a member proposes a rate for an office, which opens a pay
ballot of the council (its close sets the rate, close_ballot); nobody sets pay alone. No office
pays more than its council's reference rate for skilled work, and no payment passes the rate the
council voted: a pay proposed or paid above either is refused, and the refusal itself is
recorded in the open books."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, member_of, pay_checked
from commonplan.app.acts.open_ballot import open_checked
from commonplan.democracy.refusals import Refusal
from commonplan.store.books import OpenBooks
from commonplan.store.models import Ballot, Council, Member, Office


def propose_pay(session: Session, books: OpenBooks, member: Member, office_id: int, rate: float) -> Ballot:
    """A member of the office's council proposes ``rate``: a pay ballot opens (the rule is
    checked now, and again when it carries)."""
    office = found(session, Office, office_id, "office")
    council = found(session, Council, office.council_id, "council")
    actor = member_of(session, books, council, member)
    return open_checked(session, books, council, actor, member.id, kind="pay",
                        question=f"Pay {office.title} {rate:g} per hour?",
                        options={"office": office.id, "rate": rate}, office_id=None)


def pay_holder(session: Session, books: OpenBooks, member: Member, office_id: int, hours: float,
               amount: float) -> dict[str, object]:
    """Record a payment to an office's holder for ``hours`` of its work: ``amount`` over
    ``hours`` may pass neither the rate the council voted for the office nor the council's
    reference rate (nor is a payment made to an office nobody holds)."""
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
    pay_checked(session, books, council, actor, office, rate, voted_rate=office.pay_rate)
    books.lock(session)
    payment = {"council": council.id, "office": office.id, "holder": books.pseudonym(office.holder_id),
               "hours": hours, "amount": amount, "voted_rate": office.pay_rate,
               "reference_rate": council.reference_rate}
    books.record(session, "paid", actor, payment)
    return payment

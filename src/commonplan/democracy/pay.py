"""The pay rule: no office is paid more than the council's reference rate for skilled work.

Rates are per hour and compared exactly (a float is taken at its exact binary value); a rate
equal to the reference is allowed, anything above it is refused. An office's rate is the
council's decision, by a pay ballot; a payment to its holder passes neither that rate nor the
reference.
"""

from __future__ import annotations

from decimal import Decimal

from commonplan.democracy.refusals import INVALID_PAY, PAY_ABOVE_RULE, Refusal

MAX_RATE = 1e9  # pay per hour, or an amount paid: beyond any reference rate a council may set


def _exact(value: Decimal | float, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        raise Refusal(INVALID_PAY, f"the {what}, {value!r}, is not a number")
    exact = value if isinstance(value, Decimal) else Decimal(value)
    if not exact.is_finite():
        raise Refusal(INVALID_PAY, f"the {what}, {value}, is not a finite number")
    if exact < 0:
        raise Refusal(INVALID_PAY, f"the {what}, {value} per hour, is negative")
    return exact


def check_pay(rate: Decimal | float, reference_rate: Decimal | float, office: str) -> None:
    """Refuse pay above the reference rate for skilled work (pay_above_rule) or not a rate (invalid_pay)."""
    exact = _exact(rate, f"pay of {office}")
    reference = _exact(reference_rate, "council's reference rate for skilled work")
    if exact > reference:
        raise Refusal(PAY_ABOVE_RULE, f"the pay of {office}, {rate} per hour, is above the council's "
                                      f"reference rate for skilled work, {reference_rate} per hour")


def check_payment(rate: Decimal | float, office_rate: Decimal | float, reference_rate: Decimal | float,
                  office: str) -> None:
    """Refuse a payment whose rate per hour passes the reference (pay_above_rule) or the rate the
    council voted for the office (pay_above_rule too: nobody pays themselves a raise)."""
    check_pay(rate, reference_rate, office)
    if _exact(rate, f"pay of {office}") > _exact(office_rate, f"voted pay of {office}"):
        raise Refusal(PAY_ABOVE_RULE, f"the payment to {office}, {rate} per hour, is above the pay the "
                                      f"council voted for it, {office_rate} per hour")

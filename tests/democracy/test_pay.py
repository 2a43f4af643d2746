import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.pay import check_pay
from commonplan.democracy.refusals import Refusal


def test_pay_above_the_reference_rate_is_refused_in_plain_words() -> None:
    with pytest.raises(Refusal) as caught:
        check_pay(Decimal("31.50"), Decimal("30.00"), "the delegate of council 3")
    assert caught.value == Refusal("pay_above_rule", "the pay of the delegate of council 3, 31.50 per hour, "
                                   "is above the council's reference rate for skilled work, 30.00 per hour")


def test_pay_at_or_below_the_reference_rate_is_allowed() -> None:
    assert check_pay(Decimal("30.00"), Decimal("30"), "the secretary") is None
    assert check_pay(0.0, 30.0, "the secretary") is None


@given(st.decimals(0, 1000, places=2), st.decimals(0, 1000, places=2))
def test_the_rule_refuses_exactly_the_rates_above_the_reference(rate: Decimal, reference: Decimal) -> None:
    if rate > reference:
        with pytest.raises(Refusal, match="above the council's reference rate"):
            check_pay(rate, reference, "an office")
    else:
        check_pay(rate, reference, "an office")


def test_a_float_a_hair_above_the_reference_is_refused() -> None:
    with pytest.raises(Refusal):
        check_pay(math.nextafter(30.0, 31.0), 30.0, "an office")


@pytest.mark.parametrize(("rate", "reference"), [(-1, 30), (math.inf, 30), (math.nan, 30),
                                                 (Decimal("NaN"), 30), (10, -5), (10, math.inf),
                                                 ("ten", 30), (True, 30)])
def test_a_rate_that_is_no_rate_is_refused(rate: object, reference: object) -> None:
    with pytest.raises(Refusal) as caught:
        check_pay(rate, reference, "an office")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_pay"

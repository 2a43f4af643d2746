import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.democracy.priorities import aggregate_tiers, lower_median, tier_ballot_checked
from commonplan.democracy.refusals import Refusal

PRODUCTS = ["bread", "housing", "bicycles", "cinema"]


def test_each_product_gets_the_lower_median_of_its_tiers() -> None:
    ballots = [{"bread": 1, "housing": 1, "bicycles": 3},
               {"bread": 2, "housing": 1, "bicycles": 2},
               {"bread": 1, "bicycles": 4},
               {"bread": 3, "bicycles": 5}]
    # bread 1,1,2,3 -> 1; housing 1,1 -> 1; bicycles 2,3,4,5 -> 3; cinema unrated: no entry
    assert aggregate_tiers(ballots, PRODUCTS) == {"bread": 1, "housing": 1, "bicycles": 3}


def test_a_tier_ballot_is_checked() -> None:
    assert tier_ballot_checked({"bread": 1, "cinema": 9}, PRODUCTS) == {"bread": 1, "cinema": 9}
    with pytest.raises(Refusal, match="'caviar' is not a product"):
        tier_ballot_checked({"caviar": 1}, PRODUCTS)
    for tier in (0, 10, 1.5, True, "1"):
        with pytest.raises(Refusal) as caught:
            tier_ballot_checked({"bread": tier}, PRODUCTS)
        assert caught.value.code == "invalid_ballot" and "the tier of bread" in caught.value.reason
    assert tier_ballot_checked({"bread": 3}, PRODUCTS, max_tier=3) == {"bread": 3}
    with pytest.raises(Refusal, match="from 1 to 2"):
        tier_ballot_checked({"bread": 3}, PRODUCTS, max_tier=2)


@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_the_lower_median_is_a_tier_someone_gave_and_ignores_the_order(tiers: list[int], rng) -> None:
    result = lower_median(tiers)
    assert result in tiers
    assert sum(t <= result for t in tiers) >= len(tiers) / 2
    assert sum(t >= result for t in tiers) > len(tiers) / 2
    rng.shuffle(tiers)
    assert lower_median(tiers) == result

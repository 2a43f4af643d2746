import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.democracy.refusals import Refusal
from commonplan.democracy.shares import CATEGORIES, _median, aggregate_shares, proposal_checked

METHODS = ("median", "independent markets")


def shares(c: float, i: float, p: float) -> dict[str, float]:
    return dict(zip(CATEGORIES, (c, i, p), strict=True))


proposals = st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)).filter(any).map(
    lambda v: shares(*(x / sum(v) for x in v)))


def test_a_proposal_is_checked_naming_the_share_at_fault() -> None:
    assert proposal_checked(shares(0.6, 0.3, 0.1)) == shares(0.6, 0.3, 0.1)
    assert proposal_checked({"consumption": 1, "investment": 0, "public services": 0}) == shares(1.0, 0, 0)
    for content, words in [({"consumption": 1.0, "investment": 0.0}, "no share for public services"),
                           ({**shares(0.5, 0.5, 0), "defence": 0.0}, "'defence' is not a category"),
                           (shares(0.7, 0.5, -0.2), "the share for public services, -0.2"),
                           (shares(0.5, math.nan, 0.5), "the share for investment, nan"),
                           (shares(60, 30, 10), "sum to 100.0, not 1"),
                           (shares(0.5, "half", 0), "'half', is not a number"),
                           ([0.5, 0.5, 0], "must map categories")]:
        with pytest.raises(Refusal) as caught:
            proposal_checked(content)  # type: ignore[arg-type]
        assert caught.value.code == "invalid_ballot" and words in caught.value.reason, caught.value.reason


def test_the_per_share_median_worked_example() -> None:
    # consumption 0.5, 0.6, 0.7 -> 0.6; investment 0.1, 0.2, 0.3 -> 0.2; public services -> 0.2
    three = [shares(0.6, 0.3, 0.1), shares(0.5, 0.2, 0.3), shares(0.7, 0.1, 0.2)]
    assert aggregate_shares(three) == pytest.approx(shares(0.6, 0.2, 0.2))
    # even count: the mean of the middle two: 0.55, 0.25, 0.2 (these sum to 1 already)
    four = [*three, shares(0.4, 0.4, 0.2)]
    assert aggregate_shares(four) == pytest.approx(shares(0.55, 0.25, 0.2))
    # renormalised: medians 0.5, 0.3, 0.1 sum to 0.9
    lopsided = [shares(0.5, 0.5, 0), shares(0.5, 0.3, 0.2), shares(0.6, 0.3, 0.1)]
    assert aggregate_shares(lopsided) == pytest.approx(shares(0.5 / 0.9, 0.3 / 0.9, 0.1 / 0.9))
    two = [shares(1, 0, 0), shares(0, 0, 1)]
    assert aggregate_shares(two) == pytest.approx(shares(0.5, 0, 0.5))


def test_all_medians_zero_fall_back_to_equal_shares() -> None:
    three = [shares(1, 0, 0), shares(0, 1, 0), shares(0, 0, 1)]
    assert aggregate_shares(three) == pytest.approx(shares(1 / 3, 1 / 3, 1 / 3))


def test_the_independent_markets_worked_example() -> None:
    # n = 3 phantoms 3t, 2t, t, 0; at t = 1/4 the medians are 0.5, 0.25, 0.25 and sum to 1
    three = [shares(0.6, 0.3, 0.1), shares(0.5, 0.2, 0.3), shares(0.7, 0.1, 0.2)]
    assert aggregate_shares(three, method="independent markets") == pytest.approx(shares(0.5, 0.25, 0.25))
    two = [shares(1, 0, 0), shares(0, 1, 0)]
    assert aggregate_shares(two, method="independent markets") == pytest.approx(shares(0.5, 0.5, 0))


def test_aggregating_nothing_or_by_an_unknown_method_is_an_error() -> None:
    with pytest.raises(ValueError, match="proposals"):
        aggregate_shares([])
    with pytest.raises(ValueError, match="method"):
        aggregate_shares([shares(1, 0, 0)], method="mean")


@settings(max_examples=80, deadline=None)
@given(st.lists(proposals, min_size=1, max_size=9), st.sampled_from(METHODS),
       st.randoms(use_true_random=False))
def test_the_shares_sum_to_one_and_ignore_who_proposed_what(props, method, rng) -> None:
    result = aggregate_shares(props, method=method)
    assert math.isclose(math.fsum(result.values()), 1, abs_tol=1e-9)
    assert all(value >= 0 for value in result.values())
    rng.shuffle(props)
    assert aggregate_shares(props, method=method) == pytest.approx(result, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(proposals, st.integers(1, 7), st.sampled_from(METHODS))
def test_a_unanimous_council_gets_what_it_proposed(proposal, n, method) -> None:
    assert aggregate_shares([proposal] * n, method=method) == pytest.approx(proposal, abs=1e-9)


@given(st.lists(proposals, min_size=1, max_size=9))
def test_each_median_lies_within_the_proposed_shares_before_renormalising(props) -> None:
    for key in CATEGORIES:
        values = [p[key] for p in props]
        assert min(values) <= _median(values) <= max(values)


def _distance(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(abs(a[key] - b[key]) for key in CATEGORIES)


@settings(max_examples=80, deadline=None)
@given(st.lists(proposals, min_size=1, max_size=6), proposals, proposals)
def test_independent_markets_rewards_no_member_for_misreporting(others, truth, lie) -> None:
    honest = aggregate_shares([truth, *others], method="independent markets")
    lying = aggregate_shares([lie, *others], method="independent markets")
    assert _distance(honest, truth) <= _distance(lying, truth) + 1e-7

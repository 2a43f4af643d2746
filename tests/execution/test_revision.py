"""The revision of the rest of the period: reports exactly on plan change nothing; a workplace
reporting less output never raises the fulfilment of the first tier it changes (the tiers are
lexicographic: a lower tier may gain what a higher one can no longer use); a shortfall caps the
workplace's capacity at the best rate it showed lately and raises its learned coefficients;
stocks on hand are supply; the comparison names the products and why; a revision below what the
plan promised lowers a tier, however much better it does than carrying on regardless."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.app.revisions import revise
from commonplan.app.variants import Choices, plan_variant
from commonplan.economy.model import Needs
from commonplan.execution.revision import RECENT_PERIODS, TOLERANCE, Reported, fulfilment_of, learn
from tests.factories import planned_bakery

PRODUCERS = {"farm": ("Farm", "grain"), "bakery": ("Bakery", "bread"), "bakery2": ("Old bakery", "bread"),
             "saltworks": ("Saltworks", "salt")}


def on_plan(economy, activity, periods, elapsed, *, less=None, factor=1.0, stocks=None):
    """Every workplace's reports of the elapsed periods as planned (``less``: a producer whose
    output is ``factor`` of plan in every period, its inputs as planned)."""
    dense = economy.inputs.toarray()
    product_ids = economy.products.ids.to_pylist()
    reports = []
    for t, technique in enumerate(economy.techniques.ids.to_pylist()):
        producer, product = PRODUCERS[technique]
        if activity[t] <= 0:
            continue
        per = activity[t] / periods
        used = {product_ids[q]: dense[q, t] * per for q in np.flatnonzero(dense[:, t])}
        made = per * (factor if producer == less else 1.0)
        for k in range(elapsed):
            reports.append(Reported(producer, k, {product: made},
                                    {q: v for q, v in used.items() if q != "work"},
                                    {"work": used.get("work", 0.0)},
                                    (stocks or {}).get(producer, {}) if k == elapsed - 1 else {}))
    return reports


economies = st.builds(lambda hours, capacity, second, salt: planned_bakery(
    hours, capacity=capacity, second_bakery=second, salt_needed=salt),
    st.floats(600, 1500), st.one_of(st.none(), st.floats(300, 1200)), st.booleans(),
    st.sampled_from([0.0, 50.0]))


def _plan(economy):
    return plan_variant(economy, Choices()).result


@settings(max_examples=25, deadline=None)
@given(economies, st.integers(2, 52), st.data())
def test_reports_exactly_on_plan_change_nothing(economy, periods, data):
    elapsed = data.draw(st.integers(0, periods - 1))
    plan = _plan(economy)
    revision = revise(economy, plan.activity, Choices(), None, periods=periods, elapsed=elapsed,
                      reports=on_plan(economy, plan.activity, periods, elapsed))
    comparison = revision["comparison"]
    assert comparison["lowers"] is False
    for tier, before in comparison["fulfilment_before"].items():
        assert comparison["fulfilment_after"][tier] == pytest.approx(before, abs=TOLERANCE)
        assert before == pytest.approx(float(plan.fulfilment[list(plan.tiers).index(int(tier))]), abs=1e-6)
    left = (periods - elapsed) / periods
    assert revision["rest"]["labour_hours"] == pytest.approx(plan.labour_hours * left, rel=1e-6, abs=1e-6)
    assert revision["learned"]["coefficients_changed"] == 0
    assert revision["learned"]["capacities_lowered"] == 0


def _after(revision):
    return [revision["comparison"]["fulfilment_after"][tier]
            for tier in sorted(revision["comparison"]["fulfilment_after"], key=int)]


@settings(max_examples=25, deadline=None)
@given(economies, st.integers(2, 30), st.data(), st.sampled_from(["Farm", "Bakery", "Saltworks"]),
       st.floats(0.0, 1.0))
def test_a_workplace_reporting_less_output_never_raises_the_first_tier_it_changes(
        economy, periods, data, producer, factor):
    elapsed = data.draw(st.integers(1, periods - 1))
    plan = _plan(economy)
    kept, less = (revise(economy, plan.activity, Choices(), None, periods=periods, elapsed=elapsed,
                         reports=on_plan(economy, plan.activity, periods, elapsed, less=producer,
                                         factor=f)) for f in (1.0, factor))
    for before, after in zip(_after(kept), _after(less), strict=True):
        if abs(before - after) > TOLERANCE:
            assert after < before
            break
    assert _after(less)[0] <= _after(kept)[0] + TOLERANCE


def test_a_shortfall_caps_the_capacity_at_the_best_rate_shown_and_raises_the_coefficients():
    economy = planned_bakery(1100, capacity=900)
    plan = _plan(economy)
    reports = on_plan(economy, plan.activity, 10, 4, less="Bakery", factor=0.8)
    learned = learn(economy, plan.activity, 10, 4, reports)
    bakery = economy.techniques.ids.to_pylist().index("bakery")
    assert learned.lowered[bakery]
    assert learned.capacities[bakery] == pytest.approx(900 / 10 * 0.8 * 6)
    assert learned.coefficients[:, [bakery]].toarray().ravel().max() > 0.5  # grain and work per loaf rose
    revision = revise(economy, plan.activity, Choices(), None, periods=10, elapsed=4, reports=reports)
    assert revision["comparison"]["lowered"] == ["1"]
    change = revision["comparison"]["changes"][0]
    assert change["product"] == "bread"
    assert any("capacity of bakery at Bakery lowered" in why for why in change["why"])


def _broken_down_from(reports, producer, start, factor):
    """``reports`` with ``producer``'s output ``factor`` of what it reported from period ``start`` on."""
    return [Reported(r.producer, r.period, {p: q * factor for p, q in r.outputs.items()}, r.inputs, r.labour,
                     r.stocks) if r.producer == producer and r.period >= start else r for r in reports]


def test_a_breakdown_that_lasts_caps_the_capacity_at_its_recent_rate_and_one_that_passed_does_not():
    economy = planned_bakery(1100, capacity=900)
    plan = _plan(economy)
    periods, elapsed = 20, 2 + RECENT_PERIODS
    bakery = economy.techniques.ids.to_pylist().index("bakery")
    lasting = _broken_down_from(on_plan(economy, plan.activity, periods, elapsed), "Bakery", 2, 0.6)
    learned = learn(economy, plan.activity, periods, elapsed, lasting)
    assert learned.lowered[bakery]  # on plan at first, then at 60% in every recent period
    assert learned.capacities[bakery] == pytest.approx(900 / periods * 0.6 * (periods - elapsed))
    reports = on_plan(economy, plan.activity, periods, elapsed)
    early = _broken_down_from(reports, "Bakery", 0, 0.6)  # at 60% in the first two periods only
    passed = [r for r in early if r.producer != "Bakery" or r.period < 2] + [
        r for r in reports if r.producer == "Bakery" and r.period >= 2]
    learned = learn(economy, plan.activity, periods, elapsed, passed)
    assert not learned.lowered[bakery]  # short to date, but back on plan lately: not capped


def test_a_revision_below_the_promise_lowers_a_tier_however_much_it_beats_carrying_on():
    economy = planned_bakery(1100, capacity=900)
    plan = _plan(economy)
    reports = on_plan(economy, plan.activity, 10, 4, less="Bakery", factor=0.8)
    promised = {int(tier): float(value) for tier, value in zip(plan.tiers, plan.fulfilment, strict=True)}
    revision = revise(economy, plan.activity, Choices(), None, periods=10, elapsed=4, reports=reports,
                      promised=promised)
    comparison = revision["comparison"]
    assert comparison["fulfilment_promised"] == {str(tier): value for tier, value in promised.items()}
    assert comparison["lowered"] == [tier for tier, after in comparison["fulfilment_after"].items()
                                     if after < promised[int(tier)] - TOLERANCE] == ["1"]
    generous = {tier: 0.0 for tier in promised}  # a plan that promised nothing: nothing can be lowered
    revision = revise(economy, plan.activity, Choices(), None, periods=10, elapsed=4, reports=reports,
                      promised=generous)
    assert revision["comparison"]["lowers"] is False


def test_stocks_on_hand_are_supply_for_the_rest():
    economy = planned_bakery(1100, capacity=900)
    plan = _plan(economy)
    held = on_plan(economy, plan.activity, 10, 4, stocks={"Bakery": {"bread": 50.0}})
    revision = revise(economy, plan.activity, Choices(), None, periods=10, elapsed=4, reports=held)
    assert revision["rest"]["stocks_drawn"] == pytest.approx(50.0)
    assert revision["comparison"]["lowers"] is False


def test_a_missing_report_counts_as_done_as_planned():
    economy = planned_bakery(1100, capacity=900)
    plan = _plan(economy)
    reports = [r for r in on_plan(economy, plan.activity, 10, 4) if r.producer != "Farm"]
    learned = learn(economy, plan.activity, 10, 4, reports)
    assert learned.activity == pytest.approx(plan.activity * 0.4)


def test_fulfilment_holds_the_earlier_tiers():
    needs = Needs(np.array([0, 0, 1]), np.array([10.0, 10.0, 5.0]), np.array([1, 2, 2]))
    assert fulfilment_of(np.array([15.0, 5.0]), needs) == {1: 1.0, 2: 0.5}
    assert fulfilment_of(np.array([5.0, 5.0]), needs) == {1: 0.5, 2: 0.0}


def test_elapsed_must_leave_periods_to_revise():
    economy = planned_bakery(1100)
    with pytest.raises(ValueError, match="some left"):
        learn(economy, np.zeros(3), 4, 4, [])


def test_the_next_economy_keeps_what_was_learned_and_says_what_changed():
    from commonplan.execution.revision import economy_changes, next_economy

    economy = planned_bakery(1100, capacity=900)
    plan = _plan(economy)
    learned = learn(economy, plan.activity, 10, 4,
                    on_plan(economy, plan.activity, 10, 4, less="Bakery", factor=0.8))
    following = next_economy(economy, learned)
    bakery = economy.techniques.ids.to_pylist().index("bakery")
    assert following.techniques.capacities[bakery] == pytest.approx(900 * 0.8)
    changes, count = economy_changes(economy, following)
    assert count == 3  # grain and work per loaf, and the bakery's capacity
    assert {(c.technique, c.product) for c in changes} == {(bakery, 0), (bakery, 3), (bakery, None)}
    same, none = economy_changes(economy, next_economy(economy, learn(
        economy, plan.activity, 10, 4, on_plan(economy, plan.activity, 10, 4))))
    assert (same, none) == ([], 0)

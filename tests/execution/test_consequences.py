"""Consequences of a shortfall through the plan's input-output structure: a small economy worked
by hand, and properties on random ones: no shortfall puts nothing at risk, a bigger shortfall
never puts less at risk, a product nobody uses hurts only its own deliveries, and the rank puts
a risk to an earlier tier above any risk to a later one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.analysis.requirements import gross_requirements
from commonplan.economy.build import build_economy
from commonplan.economy.model import Economy
from commonplan.execution.consequences import (
    Consequence,
    Structure,
    consequence,
    deliveries_by_tier,
    rank_key,
    ration,
    shortfall_cap,
    structure,
)


def farm_and_bakery() -> Economy:
    """Grain from half an hour of work (the Farm); bread from half a kilo of grain and an hour
    (the Bakery); cake from two hours alone (the Cake shop). Needs: 10 loaves in tier 1, 5 kg of
    grain and 4 cakes in tier 2. So the plan grows 10 kg (5 for bread, 5 delivered)."""
    return build_economy(
        products=[{"id": "grain", "name": "Grain", "kind": "good"}, {"id": "bread", "kind": "good"},
                  {"id": "cake", "kind": "good"}, {"id": "work", "kind": "labour"}],
        techniques=[{"id": "grow", "output": "grain", "producer": "Farm"},
                    {"id": "bake", "output": "bread", "producer": "Bakery"},
                    {"id": "ice", "output": "cake", "producer": "Cake shop"}],
        inputs=[{"technique": "grow", "product": "work", "quantity": 0.5},
                {"technique": "bake", "product": "grain", "quantity": 0.5},
                {"technique": "bake", "product": "work", "quantity": 1},
                {"technique": "ice", "product": "work", "quantity": 2}],
        needs=[{"product": "bread", "quantity": 10, "priority": 1},
               {"product": "grain", "quantity": 5, "priority": 2},
               {"product": "cake", "quantity": 4, "priority": 2}])


def planned(economy: Economy, fulfilment: dict[int, float] | None = None) -> Structure:
    activity = gross_requirements(economy).activity
    tiers = sorted({int(p) for p in economy.needs.priorities})
    deliveries, tiers_ = deliveries_by_tier(economy.needs, fulfilment or dict.fromkeys(tiers, 1.0),
                                            len(economy.products))
    return structure(economy, activity, deliveries, tiers_)


def short(plan: Structure, producer: str, product: int, fraction: float) -> Consequence:
    return consequence(plan, shortfall_cap(plan, producer, product, fraction))


def test_the_plans_labour_values_are_direct_and_indirect_hours():
    plan = planned(farm_and_bakery())
    assert plan.hours[:3] == pytest.approx([0.5, 1.25, 2.0])
    assert plan.tier_hours == pytest.approx([12.5, 2.5 + 8.0])


def test_a_farm_short_by_a_fifth_puts_a_fifth_of_bread_and_of_grain_at_risk():
    result = short(planned(farm_and_bakery()), "Farm", 0, 0.8)
    first, second = result.tiers
    assert (first.priority, second.priority) == (1, 2)
    assert first.hours == pytest.approx(2 * 1.25)  # 2 of 10 loaves at 1.25 hours
    assert second.hours == pytest.approx(1 * 0.5)  # 1 of 5 kg of grain (the cakes are safe)
    assert [(each.product, each.quantity) for each in first.products] == [(1, pytest.approx(2.0))]
    assert {hit.producer: (hit.fraction, hit.hours) for hit in result.workplaces} == {
        "Farm": (pytest.approx(0.8), pytest.approx(10 * 0.2 * 0.5)),
        "Bakery": (pytest.approx(0.8), pytest.approx(2 * 1.25))}
    assert result.first_tier == 1 and result.products_short == 2


def test_a_bakery_short_by_half_hurts_bread_alone_not_its_supplier():
    result = short(planned(farm_and_bakery()), "Bakery", 1, 0.5)
    assert result.tiers[0].hours == pytest.approx(5 * 1.25)
    assert result.tiers[1].hours == 0
    assert [hit.producer for hit in result.workplaces] == ["Bakery"]


def test_a_surplus_in_the_plan_absorbs_a_shortfall_before_anybody_is_short():
    economy = farm_and_bakery()
    activity = gross_requirements(economy).activity * np.array([1.2, 1.0, 1.0])  # 12 kg grown
    deliveries, tiers = deliveries_by_tier(economy.needs, {1: 1.0, 2: 1.0}, len(economy.products))
    plan = structure(economy, activity, deliveries, tiers)
    assert not short(plan, "Farm", 0, 11 / 12).at_risk  # 11 kg still cover 10
    assert short(plan, "Farm", 0, 0.75).tiers[0].hours == pytest.approx(1.25 * 10 * (1 - 9 / 10))


def test_an_alert_risking_an_earlier_tier_ranks_above_any_risking_a_later_one():
    plan = planned(farm_and_bakery())
    small_bread = short(plan, "Bakery", 1, 0.99)  # a tenth of a loaf: tier 1
    all_cakes = short(plan, "Cake shop", 2, 0.0)  # every cake: 8 hours, tier 2
    assert all_cakes.hours > small_bread.hours
    assert sorted([all_cakes, small_bread], key=rank_key) == [small_bread, all_cakes]


# -- properties on random economies --------------------------------------------------------------


@st.composite
def economies(draw: st.DrawFn) -> tuple[Economy, Structure]:
    n = draw(st.integers(2, 7))
    density = draw(st.floats(0.1, 0.6))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    a = rng.random((n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(a, 0.0)
    a *= 0.8 / max(1.0, float(a.sum(axis=0).max()))  # column sums below 1: productive
    products = [{"id": f"p{i}", "kind": "good"} for i in range(n)] + [{"id": "work", "kind": "labour"}]
    techniques = [{"id": f"t{i}", "output": f"p{i}", "producer": f"W{i}"} for i in range(n)]
    inputs = [{"technique": f"t{j}", "product": f"p{i}", "quantity": repr(float(a[i, j]))}
              for i in range(n) for j in range(n) if a[i, j] > 0]
    inputs += [{"technique": f"t{j}", "product": "work", "quantity": "1"} for j in range(n)]
    needs = [{"product": f"p{i}", "quantity": repr(float(rng.integers(1, 50))),
              "priority": str(int(rng.integers(1, 4)))} for i in range(n) if rng.random() < 0.7]
    needs = needs or [{"product": "p0", "quantity": "10", "priority": "1"}]
    economy = build_economy(products=products, techniques=techniques, inputs=inputs, needs=needs)
    return economy, planned(economy)


def rounds_over_everything(plan: Structure, cap: np.ndarray) -> np.ndarray:
    """The fixpoint by the module doc's definition, every technique and product each round."""
    run = np.clip(cap, 0, 1)
    for _ in range(10_000):
        supply = np.bincount(plan.outputs, weights=plan.made * run, minlength=plan.uses.shape[0])
        covered = np.where(plan.covered > 0, plan.covered, 1)
        share = np.where(plan.covered > 0, np.minimum(1, supply / covered), 1)
        scarcest = run.copy()
        for t in range(len(run)):
            rows = plan.uses.indices[plan.uses.indptr[t]:plan.uses.indptr[t + 1]]
            if len(rows):
                scarcest[t] = min(run[t], share[rows].min())
        if np.max(run - scarcest, initial=0) <= 1e-14:
            return scarcest
        run = scarcest
    raise AssertionError("no fixpoint")


@settings(max_examples=60, deadline=None)
@given(economies(), st.data())
def test_the_waves_reach_the_fixpoint_of_rounds_over_everything(drawn, data):
    _, plan = drawn
    cap = np.array(data.draw(st.lists(st.sampled_from([1.0, 1.0, 0.9, 0.5, 0.0]), min_size=len(plan.outputs),
                                      max_size=len(plan.outputs))))
    assert ration(plan, cap).run == pytest.approx(rounds_over_everything(plan, cap), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(economies())
def test_no_shortfall_puts_nothing_at_risk(drawn):
    _, plan = drawn
    result = consequence(plan, np.ones(len(plan.outputs)))
    assert not result.at_risk and result.workplaces == () and result.products_short == 0


@settings(max_examples=60, deadline=None)
@given(economies(), st.data())
def test_a_bigger_shortfall_never_puts_less_at_risk(drawn, data):
    _, plan = drawn
    which = data.draw(st.integers(0, len(plan.outputs) - 1))
    smaller, bigger = sorted(data.draw(st.lists(st.floats(0, 1), min_size=2, max_size=2)), reverse=True)
    one = short(plan, f"W{which}", which, smaller)
    two = short(plan, f"W{which}", which, bigger)
    scale = float(plan.tier_hours.sum())
    for a, b in zip(one.tiers, two.tiers, strict=True):
        assert b.hours >= a.hours - 1e-9 * scale
    assert np.all(ration(plan, shortfall_cap(plan, f"W{which}", which, bigger)).run
                  <= ration(plan, shortfall_cap(plan, f"W{which}", which, smaller)).run + 1e-12)


@settings(max_examples=60, deadline=None)
@given(economies(), st.data())
def test_a_product_nobody_uses_hurts_only_its_own_deliveries(drawn, data):
    economy, plan = drawn
    used = np.asarray(economy.inputs[: len(plan.outputs)].sum(axis=1)).ravel() > 0
    unused = [p for p in range(len(plan.outputs)) if not used[p]]
    if not unused:
        return
    p = data.draw(st.sampled_from(unused))
    fraction = data.draw(st.floats(0, 1))
    result = short(plan, f"W{p}", p, fraction)
    assert all(each.product == p for tier in result.tiers for each in tier.products)
    assert [hit.producer for hit in result.workplaces] in ([], [f"W{p}"])
    delivered = plan.deliveries.toarray()[p]
    for k, tier in enumerate(result.tiers):
        assert tier.hours == pytest.approx((1 - fraction) * delivered[k] * plan.hours[p], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(economies(), st.data())
def test_the_rank_puts_the_earliest_tier_at_risk_first(drawn, data):
    _, plan = drawn
    results = [short(plan, f"W{i}", i, data.draw(st.floats(0, 1))) for i in range(len(plan.outputs))]
    ranked = sorted(results, key=rank_key)
    firsts = [result.first_tier if result.first_tier is not None else 10**9 for result in ranked]
    assert firsts == sorted(firsts)

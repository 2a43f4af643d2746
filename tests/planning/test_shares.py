"""Plans within the voted shares of work (planning.shares): each part's needs claim at most
its share of the labour force, valued at labour values, and the tiers still come in order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.economy.build import build_economy
from commonplan.economy.model import Economy, Part
from commonplan.errors import InputError
from commonplan.planning import make_plan
from commonplan.planning.problem import breaches, planning_problem
from commonplan.planning.shares import ceilings_of, plan_within_shares

PRODUCTS = [{"id": "bread", "kind": "good"}, {"id": "tools", "kind": "good"},
            {"id": "school", "kind": "service"}, {"id": "work", "kind": "labour"}]


def town(hours: float = 1000.0, *, tools_capacity: float | None = None,
         parts: tuple[str, str, str] = ("consumption", "investment", "Public services")) -> Economy:
    """Bread 1 hour a loaf, tools 2 hours, a school day 0.5 hours. Needs: 400 loaves
    (consumption) and 200 tools (investment) at priority 1, 800 school days (public
    services) at priority 2: 400 hours each, 1200 in all; or for other ``parts``."""
    return build_economy(
        products=PRODUCTS,
        techniques=[{"id": "bake", "output": "bread"},
                    {"id": "forge", "output": "tools", "capacity": tools_capacity},
                    {"id": "teach", "output": "school"}],
        inputs=[{"technique": "bake", "product": "work", "quantity": 1},
                {"technique": "forge", "product": "work", "quantity": 2},
                {"technique": "teach", "product": "work", "quantity": 0.5}],
        resources=[{"product": "work", "available": hours}],
        needs=[{"product": "bread", "quantity": 400, "priority": 1, "part": parts[0]},
               {"product": "tools", "quantity": 200, "priority": 1, "part": parts[1]},
               {"product": "school", "quantity": 800, "priority": 2, "part": parts[2]}])


def test_each_part_is_met_as_far_as_its_own_share_allows() -> None:
    # budgets 500, 300, 200 hours: bread in full (400 h), tools 300/400, school 200/400
    shared = plan_within_shares(town(), town().needs, [0.5, 0.3, 0.2])
    assert shared.met[Part.CONSUMPTION, 0] == pytest.approx(1.0)
    assert shared.met[Part.INVESTMENT, 0] == pytest.approx(0.75)
    assert shared.met[Part.PUBLIC_SERVICES, 1] == pytest.approx(0.5)
    assert shared.plan.fulfilment == pytest.approx([0.75, 0.5])
    assert shared.claimed == pytest.approx([400, 300, 200])
    assert shared.plan.labour_hours == pytest.approx(900)
    assert set(shared.limiting) == {Part.INVESTMENT, Part.PUBLIC_SERVICES}


def test_without_binding_shares_the_plan_is_the_ordinary_plan() -> None:
    economy = town(hours=2000)
    shared = plan_within_shares(economy, economy.needs, [0.4, 0.3, 0.3])  # 800, 600, 600 hours
    ordinary = make_plan(economy)
    np.testing.assert_allclose(shared.plan.fulfilment, ordinary.fulfilment)
    assert shared.plan.labour_hours == pytest.approx(ordinary.labour_hours)
    assert shared.limiting == [] and shared.solves == 1


def test_a_tier_short_for_another_reason_leaves_its_part_budget_to_the_next() -> None:
    # investment's tools are capped at 50 by the forge: tier 1 is met at 0.25 and the
    # investment part spends 100 of its 600 hours; the labour force is the limit, not the shares
    economy = town(hours=1000, tools_capacity=50)
    economy_needs = economy.needs
    shared = plan_within_shares(economy, economy_needs, [0.4, 0.6, 0.0])
    assert shared.met[Part.INVESTMENT, 0] == pytest.approx(0.25)
    assert shared.met[Part.PUBLIC_SERVICES, 1] == pytest.approx(0.0)  # a share of 0: nothing
    assert shared.plan.fulfilment[1] == pytest.approx(0.0)


def test_a_part_held_back_by_its_share_does_not_hold_back_another() -> None:
    # 2000 hours; consumption's 200 let the bread reach half; the forge makes at most 100
    # tools, half the need: the bread is met at 50% (its share), the tools at 50% (the forge),
    # not the bread at a share of the tools' half
    economy = town(2000, tools_capacity=100)
    shared = plan_within_shares(economy, economy.needs, [0.1, 0.6, 0.3])
    assert shared.met[Part.CONSUMPTION, 0] == pytest.approx(0.5)
    assert shared.met[Part.INVESTMENT, 0] == pytest.approx(0.5)
    assert shared.plan.fulfilment[0] == pytest.approx(0.5)
    assert shared.met[Part.PUBLIC_SERVICES, 1] == pytest.approx(1.0)  # 400 of its 600 hours


def test_a_budget_an_earlier_tier_could_not_spend_goes_to_the_later_tiers() -> None:
    # all consumption, 1000 hours: tier 1 asks 800 hours but the forge caps it at 25% (200
    # hours); the first solve assumed 800 and left tier 2 a ceiling of 0.5, the second gives it all
    economy = town(1000, tools_capacity=50, parts=("consumption",) * 3)
    shared = plan_within_shares(economy, economy.needs, [1.0, 0.0, 0.0])
    assert shared.solves == 2
    assert shared.plan.fulfilment == pytest.approx([0.25, 1.0])
    assert shared.claimed[Part.CONSUMPTION] == pytest.approx(600)


def test_later_ceilings_rise_when_an_earlier_tier_falls_short() -> None:
    claims = np.array([[100.0, 100.0]])  # one part, two tiers of 100 hours, a budget of 150
    first = ceilings_of(claims, np.array([150.0]))
    assert first.tolist() == [[1.0, 0.5]]
    risen = ceilings_of(claims, np.array([150.0]), np.array([[0.4, 1.0]]))  # tier 1 met at 40%
    assert risen.tolist() == [[1.0, 1.0]]


def test_shares_need_a_labour_force() -> None:
    economy = build_economy(products=PRODUCTS[:1] + PRODUCTS[3:],
                            techniques=[{"id": "bake", "output": "bread"}],
                            inputs=[{"technique": "bake", "product": "work", "quantity": 1}],
                            needs=[{"product": "bread", "quantity": 1}])
    with pytest.raises(InputError, match=r"labour force.*work"):
        plan_within_shares(economy, economy.needs, [1, 0, 0])


@pytest.mark.parametrize("shares", [[0.5, 0.5], [0.5, 0.6, -0.1], [0.2, 0.2, 0.2]])
def test_shares_are_one_per_part_and_sum_to_one(shares: list[float]) -> None:
    with pytest.raises(InputError, match="one share per part"):
        plan_within_shares(town(), town().needs, shares)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=3, max_size=3).filter(lambda w: sum(w) > 0),
       st.floats(300, 3000), st.sampled_from(["lp", "harmony"]))
def test_no_part_claims_more_than_its_share_and_no_limit_breaks(weights: list[int], hours: float,
                                                                 method: str) -> None:
    economy = town(hours)
    shares = np.array(weights, float) / sum(weights)
    shared = plan_within_shares(economy, economy.needs, shares.tolist(), method=method)
    budgets = shares * hours
    assert np.all(shared.claimed <= budgets * (1 + 1e-7) + 1e-9 * hours)
    assert breaches(planning_problem(economy), shared.plan.activity, shared.plan.fulfilment) == []
    assert np.all((shared.met >= -1e-12) & (shared.met <= 1 + 1e-9))

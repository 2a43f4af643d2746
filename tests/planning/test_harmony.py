"""Harmony: every plan keeps every constraint, its fulfilment comes close to the exact optimum,
degenerate economies give plans (not errors), and the loop reports progress and can be stopped."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonplan.economy.synthetic import generate
from commonplan.planning import make_plan
from commonplan.planning.harmony import harmony, harmony_plan, scale_to_fit
from commonplan.planning.problem import PlanningProblem, breaches, fulfilment_of, planning_problem
from tests.factories import HARMONY_GAP as GAP
from tests.factories import HARMONY_SHARE as SHARE
from tests.factories import planned_bakery as bakery


def assert_feasible(problem: PlanningProblem, activity: np.ndarray, fulfilment: np.ndarray) -> None:
    assert not breaches(problem, activity, fulfilment)
    assert np.all((fulfilment >= 0) & (fulfilment <= 1))


# -- the harmony function and the rescaling ------------------------------------------------


def test_harmony_is_zero_at_target_quadratic_below_and_logarithmic_above():
    target = np.array([10.0, 10.0, 10.0])
    values = harmony(np.array([10.0, 5.0, 20.0]), target)
    assert values == pytest.approx([0.0, -0.5 - 0.125, np.log(2.0)])


def test_scale_to_fit_gives_each_tier_what_the_binding_row_leaves():
    # two rows (bounds 10 and 6); tier 1 takes 8 and 2, tier 2 takes 4 and 4
    load = np.array([[8.0, 2.0], [4.0, 4.0]])
    assert scale_to_fit(load, np.array([10.0, 6.0])) == pytest.approx([1.0, 0.5])
    assert scale_to_fit(load, np.array([4.0, 6.0])) == pytest.approx([0.5, 0.0])


# -- golden cases ------------------------------------------------------------------------


def test_enough_hours_for_bread_but_none_left_for_grain():
    plan = make_plan(bakery(1000), method="harmony")
    assert plan.status == "approximate"
    assert plan.fulfilment == pytest.approx([1.0, 0.0], abs=1e-9)
    assert plan.labour_hours == pytest.approx(1000, rel=1e-9)
    assert plan.shadow_prices is None and plan.capacity_prices is None


def test_too_few_hours_scale_the_first_tier_down_to_the_binding_limit():
    plan = make_plan(bakery(800), method="harmony")
    assert plan.fulfilment == pytest.approx([0.8, 0.0], abs=1e-9)
    assert plan.problem.economy.products.ids.take(plan.binding_limits).to_pylist() == ["work"]


def test_a_capacity_shifts_the_rest_to_the_dearer_technique():
    plan = make_plan(bakery(2000, capacity=600, second_bakery=True), method="harmony")
    assert plan.fulfilment == pytest.approx([1.0, 1.0], abs=1e-9)
    # 600 loaves in the capped bakery, 400 in the old one (the exact plan's 1280 hours)
    assert plan.activity[1:] == pytest.approx([600, 0, 400], rel=1e-6)
    assert plan.labour_hours == pytest.approx(1280, rel=1e-6)


def test_a_scarce_capacity_is_worked_round_by_mixing_techniques():
    # 1100 hours: the capped bakery (600 loaves) saves hours, the old bakery makes the rest
    plan = make_plan(bakery(1100, capacity=600, second_bakery=True), method="harmony")
    exact = make_plan(bakery(1100, capacity=600, second_bakery=True), method="lp")
    assert plan.fulfilment == pytest.approx(exact.fulfilment, abs=1e-6)


# -- degenerate economies ----------------------------------------------------------------


def test_no_needs_plans_nothing():
    economy = bakery(1000)
    plan = make_plan(economy, type(economy.needs).empty(), method="harmony")
    assert len(plan.fulfilment) == 0
    assert plan.labour_hours == 0
    assert not np.any(plan.activity)


def test_no_hours_at_all_is_a_plan_of_nothing_not_an_error():
    plan = make_plan(bakery(0), method="harmony")
    assert plan.fulfilment == pytest.approx([0.0, 0.0], abs=1e-12)
    assert plan.labour_hours == 0
    assert_feasible(plan.problem, plan.activity, plan.fulfilment)


def test_a_capacity_of_zero_on_the_only_technique_leaves_its_tier_unmet_and_the_next_met():
    plan = make_plan(bakery(5000, capacity=0), method="harmony")
    assert plan.fulfilment == pytest.approx([0.0, 1.0], abs=1e-9)
    assert plan.activity[1] == 0
    assert_feasible(plan.problem, plan.activity, plan.fulfilment)


def test_a_tier_nobody_can_meet_gets_nothing_and_the_others_their_share():
    # salt needs the mine, which yields nothing this period
    plan = make_plan(bakery(5000, mine=0, salt_needed=10), method="harmony")
    assert plan.fulfilment == pytest.approx([1.0, 1.0, 0.0], abs=1e-9)
    assert_feasible(plan.problem, plan.activity, plan.fulfilment)


# -- against the exact optimum -------------------------------------------------------------


def assert_close_to_exact(harmony_fulfilment: np.ndarray, exact_fulfilment: np.ndarray) -> None:
    assert np.all(np.abs(harmony_fulfilment - exact_fulfilment) <= GAP)
    unmet = np.flatnonzero(exact_fulfilment < 1 - 1e-9)
    if len(unmet):
        k = unmet[0]
        assert harmony_fulfilment[k] >= SHARE * exact_fulfilment[k] - 1e-9


@pytest.mark.parametrize(("size", "seed"), [(300, 0), (300, 1), (500, 2), (1000, 3), (1000, 4)])
def test_generated_economies_come_within_the_gap_of_the_exact_plan(size, seed):
    economy = generate(size, seed=seed)
    plan, exact = make_plan(economy, method="harmony"), make_plan(economy, method="lp")
    assert_feasible(plan.problem, plan.activity, plan.fulfilment)
    assert_close_to_exact(plan.fulfilment, exact.fulfilment)


def test_many_alternatives_and_scarce_limits_come_within_the_gap_too():
    economy = generate(400, seed=11, alternatives=0.5)
    plan, exact = make_plan(economy, method="harmony"), make_plan(economy, method="lp")
    assert_feasible(plan.problem, plan.activity, plan.fulfilment)
    assert_close_to_exact(plan.fulfilment, exact.fulfilment)


# -- every plan keeps every constraint --------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), size=st.integers(2, 60), alternatives=st.floats(0.0, 0.6),
       scarcity=st.just(0.0) | st.floats(0.01, 2.0), capacity=st.just(1.0) | st.floats(0.0, 1.5))
def test_every_harmony_plan_keeps_every_constraint(seed, size, alternatives, scarcity, capacity):
    economy = generate(size, inputs_per_product=4, seed=seed, alternatives=alternatives)
    problem = planning_problem(economy)
    finite = np.isfinite(problem.capacities)
    capacities = np.where(finite, np.where(finite, problem.capacities, 0.0) * capacity, np.inf)
    problem = PlanningProblem(**{**vars(problem), "available": problem.available * scarcity,
                                 "capacities": capacities})
    plan = harmony_plan(problem)
    assert plan.status == "approximate"
    assert_feasible(problem, plan.activity, plan.fulfilment)
    assert plan.fulfilment == pytest.approx(fulfilment_of(problem, plan.activity), abs=0)


# -- progress and stopping -------------------------------------------------------------------


def test_progress_is_reported_from_zero_to_one():
    reports: list[tuple[float, str]] = []
    make_plan(generate(200, seed=5), method="harmony",
              progress=lambda fraction, message: reports.append((fraction, message)))
    fractions = [fraction for fraction, _ in reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(message.startswith("Harmony") for _, message in reports)


def test_an_interrupt_stops_the_rounds_and_propagates():
    def interrupt(fraction: float, message: str) -> None:
        if "round" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_plan(generate(200, seed=5), method="harmony", progress=interrupt)

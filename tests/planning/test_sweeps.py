"""What a sweep is (planning.sweeps): the grid of scenarios as plain data, capped before it is
made; each scenario's economy derived from the base one; a plan read as an outcome."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.errors import InputError
from commonplan.planning import make_plan
from commonplan.planning.sweeps import (
    MAX_SCENARIOS,
    Priorities,
    Scenario,
    grid,
    outcome_of,
    parse_span,
    scaled_economy,
    shares_for,
)
from tests.factories import planned_bakery


def test_a_span_gives_its_steps_from_start_to_stop():
    span = parse_span("0.5:0.9:5", "--shares", low=0, high=1)
    assert span.values == pytest.approx((0.5, 0.6, 0.7, 0.8, 0.9))
    assert parse_span("0.7", "--shares", low=0, high=1).values == (0.7,)


@pytest.mark.parametrize(("text", "said"), [
    ("0.5:0.9", "START:STOP:STEPS"), ("a:b:3", "numbers"), ("0.5:1.5:3", "from 0 to 1"),
    ("0.5:0.9:0", "STEPS"), ("0.5:0.9:1e9", "whole number"), (f"0.1:0.9:{MAX_SCENARIOS + 1}", "STEPS"),
    ("nan", "from 0 to 1"), ("0.5:0.5:4", "one number"),
])
def test_a_bad_span_is_refused_naming_the_option(text, said):
    with pytest.raises(InputError, match="--shares") as refused:
        parse_span(text, "--shares", low=0, high=1)
    assert said in str(refused.value)


def test_the_grid_is_every_combination_numbered_in_order():
    north, south = Priorities("north", {"bread": 1}), Priorities("south", {"grain": 1})
    scenarios = grid(methods=["lp", "harmony"], priorities=[north, south], capacity=[0.5, 1.0, 2.0])
    assert len(scenarios) == 12
    assert [s.number for s in scenarios] == list(range(1, 13))
    assert scenarios[0] == Scenario(1, "lp", None, 0.5, 1.0, north)
    assert scenarios[-1] == Scenario(12, "harmony", None, 2.0, 1.0, south)
    assert scenarios[0].label == "capacities x0.5, priorities north, lp"


@given(st.lists(st.sampled_from(["lp", "harmony"]), min_size=1, max_size=2, unique=True),
       st.lists(st.floats(0, 1), max_size=4, unique=True), st.lists(st.floats(0, 5), max_size=4, unique=True),
       st.lists(st.floats(0, 5), max_size=3, unique=True))
def test_a_grid_holds_each_combination_once(methods, consumption, capacity, labour):
    scenarios = grid(methods=methods, consumption=consumption, capacity=capacity, labour=labour)
    sizes = [len(methods), *(max(len(axis), 1) for axis in (consumption, capacity, labour))]
    assert len(scenarios) == math.prod(sizes)
    keys = {(s.method, s.shares and s.shares["consumption"], s.capacity_scale, s.labour_scale)
            for s in scenarios}
    assert len(keys) == len(scenarios)
    assert [s.number for s in scenarios] == list(range(1, len(scenarios) + 1))


def test_a_grid_too_large_is_refused_before_any_scenario_is_made():
    # 10 x 10 x 11 = 1,100 scenarios: each axis is allowed, their product is not
    steps = [i / 10 for i in range(10)]
    with pytest.raises(InputError, match=r"1,100 scenarios \(10 x 10 x 11\)"):
        grid(consumption=steps, capacity=steps, labour=[*steps, 1.0])


def test_a_grid_without_a_method_is_refused():
    with pytest.raises(InputError, match="no scenario"):
        grid(methods=[])


@given(st.floats(0, 1), st.floats(0, 10), st.floats(0, 10))
def test_shares_for_give_consumption_its_share_and_split_the_rest_as_voted(consumption, investment, public):
    shares = shares_for(consumption, {"investment": investment, "public services": public})
    assert shares["consumption"] == consumption
    assert math.fsum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(value >= -1e-15 for value in shares.values())
    if investment + public > 0 and consumption < 1:
        rest = 1 - consumption
        assert shares["investment"] == pytest.approx(rest * (investment / (investment + public)), abs=1e-12)


def test_shares_for_split_the_rest_in_halves_by_default():
    assert shares_for(0.6) == pytest.approx({"consumption": 0.6, "investment": 0.2, "public services": 0.2})


def test_a_scaled_economy_scales_finite_capacities_and_labour_only():
    economy = planned_bakery(1000.0, capacity=800.0)
    scaled = scaled_economy(economy, Scenario(1, capacity_scale=0.5, labour_scale=2.0))
    assert scaled.techniques.capacities.tolist() == [math.inf, 400.0, math.inf]
    positions = economy.products.ids.to_pylist()
    assert scaled.available[positions.index("work")] == 2000.0
    assert scaled.available[positions.index("mine")] == economy.available[positions.index("mine")]
    assert economy.techniques.capacities.tolist() == [math.inf, 800.0, math.inf]  # the base is untouched
    assert scaled_economy(economy, Scenario(2)) is economy


def test_an_outcome_reads_the_plan_and_its_document_is_exact():
    economy = planned_bakery(1100.0)  # priority 1 in full (1000 hours), priority 2 at 100/200
    scenario = Scenario(3)
    outcome = outcome_of(scenario, make_plan(economy))
    assert outcome.status == "optimal"
    assert outcome.fulfilment == {"1": pytest.approx(1.0), "2": pytest.approx(0.5)}
    assert outcome.labour_hours == pytest.approx(1100.0)
    assert outcome.binding["resources"] == ["work"]
    document = outcome.document()
    assert document["scenario"]["number"] == 3 and document["error"] is None
    assert np.isfinite(document["labour_hours"])

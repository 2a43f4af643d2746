"""Each workplace's targets in a plan (planning.targets): what it makes, what it receives and
from whom, the labour it may use; worked by hand on the two bakeries, and as properties on
synthetic economies (every input split among its suppliers adds up, every output is someone's)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.economy.build import build_economy
from commonplan.economy.synthetic import generate
from commonplan.planning import targets as targets_module
from commonplan.planning.targets import Input, Output, Supply, workplace_targets
from tests.factories import planned_bakery


def by_name(economy, activity):
    return {target.producer: target for target in workplace_targets(economy, np.asarray(activity, float))}


def test_each_workplace_receives_its_inputs_from_the_makers_in_proportion_to_their_output():
    economy = planned_bakery(2000, second_bakery=True)  # farm, bakery, saltworks, bakery2
    targets = by_name(economy, [700, 800, 0, 500])  # 700 grain; 800 + 500 loaves
    assert list(targets) == ["Bakery", "Farm", "Old bakery"]  # by name; the idle saltworks has none
    bakery = targets["Bakery"]
    assert bakery.outputs == (Output("bakery", "bread", 800.0, 800.0),)
    assert bakery.inputs == (Input("grain", 400.0, (Supply("Farm", 400.0),)),)
    assert bakery.labour == (Input("work", 400.0),) and bakery.labour_hours == 400.0
    assert targets["Old bakery"].inputs == (Input("grain", 100.0, (Supply("Farm", 100.0),)),)
    farm = targets["Farm"]
    assert farm.outputs == (Output("farm", "grain", 700.0, 700.0),) and farm.inputs == ()
    assert farm.labour_hours == 700.0


def test_a_resource_comes_from_nobody():
    economy = planned_bakery(2000)
    targets = by_name(economy, [0, 0, 30])
    assert targets["Saltworks"].resources == (Input("mine", 30.0),)
    assert targets["Saltworks"].inputs == ()


def test_many_makers_of_one_input_are_listed_largest_first_and_the_rest_summed(monkeypatch):
    economy = build_economy(
        products=[{"id": "grain", "kind": "good"}, {"id": "bread", "kind": "good"},
                  {"id": "work", "kind": "labour"}],
        techniques=[{"id": "farm", "output": "grain", "producer": "Farm"},
                    {"id": "hill", "output": "grain", "producer": "Hill farm"},
                    {"id": "plot", "output": "grain"},  # named by nobody
                    {"id": "bake", "output": "bread", "producer": "Bakery"}],
        inputs=[{"technique": "bake", "product": "grain", "quantity": 0.5},
                *({"technique": t, "product": "work", "quantity": 1} for t in ("farm", "hill", "plot"))])
    activity = [240, 100, 60, 800]  # 400 grain: 60% from the Farm, 25% from the hill, 15% unnamed
    grain = by_name(economy, activity)["Bakery"].inputs[0]
    assert grain == Input("grain", 400.0, (Supply("Farm", 240.0), Supply("Hill farm", 100.0),
                                           Supply("", 60.0)))
    monkeypatch.setattr(targets_module, "MAX_SUPPLIERS", 1)
    grain = by_name(economy, activity)["Bakery"].inputs[0]
    assert grain == Input("grain", 400.0, (Supply("Farm", 240.0),), others=2, others_quantity=160.0)
    assert "" in by_name(economy, activity)  # the unnamed plot's output is listed too


@given(products=st.integers(5, 40), seed=st.integers(0, 10_000), producers=st.integers(1, 8),
       limit=st.integers(1, 4))
def test_every_input_made_is_split_among_its_makers_in_full_and_every_output_is_a_workplaces(
        products, seed, producers, limit):
    economy = generate(products, inputs_per_product=4, seed=seed, alternatives=0.3)
    rng = np.random.default_rng(seed)
    count = len(economy.techniques)
    activity = np.where(rng.random(count) < 0.7, rng.uniform(0, 10, count), 0)
    names = [f"w{rng.integers(producers)}" for _ in range(count)]
    economy = with_producers(economy, names)
    original = targets_module.MAX_SUPPLIERS
    targets_module.MAX_SUPPLIERS = limit
    try:
        targets = workplace_targets(economy, activity)
    finally:
        targets_module.MAX_SUPPLIERS = original
    scale = float(np.abs(economy.inputs @ activity).max(initial=1.0))
    made = sum(output.quantity for target in targets for output in target.outputs)
    assert made == pytest.approx(float((economy.techniques.yields * activity).sum()), rel=1e-12)
    made_of = np.bincount(economy.techniques.outputs, weights=economy.techniques.yields * activity,
                          minlength=len(economy.products))
    position = {product: p for p, product in enumerate(economy.products.ids.to_pylist())}
    for target in targets:
        for item in target.inputs:
            if made_of[position[item.product]] == 0:  # not made in this plan: from nobody
                assert (item.suppliers, item.others) == ((), 0)
                continue
            assert len(item.suppliers) <= limit
            split = sum(supply.quantity for supply in item.suppliers) + item.others_quantity
            assert split == pytest.approx(item.quantity, abs=1e-12 * scale)
            sent = [supply.quantity for supply in item.suppliers]
            assert sent == sorted(sent, reverse=True)
    used = np.zeros(len(economy.products))
    for target in targets:
        for item in (*target.inputs, *target.resources, *target.labour):
            used[position[item.product]] += item.quantity
    assert np.allclose(used, economy.inputs @ activity, rtol=1e-12, atol=1e-12 * scale)


def test_an_activity_that_does_not_fit_the_economy_is_refused():
    with pytest.raises(ValueError, match="3 finite numbers"):
        workplace_targets(planned_bakery(10), np.array([1.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="one per technique"):
        workplace_targets(planned_bakery(10), np.ones(2))


def with_producers(economy, names):
    techniques = dataclasses.replace(economy.techniques, producers=pa.array(names, pa.string()))
    return dataclasses.replace(economy, techniques=techniques)

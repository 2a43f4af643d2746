"""Gross requirements: exact delivery of final demand, yields, and warnings about limits."""

from __future__ import annotations

import numpy as np
import pytest

from commonplan.analysis.requirements import gross_requirements
from commonplan.analysis.values import labour_values
from commonplan.economy.build import build_economy


def _bakery(capacity: str = "", flour_hours: str = ""):
    return build_economy(
        products=[{"id": "work", "kind": "labour"}, {"id": "land", "kind": "resource"},
                  {"id": "flour", "kind": "good"}, {"id": "bread", "kind": "good"}],
        techniques=[{"id": "mill", "output": "flour", "yield": 4, "capacity": capacity},
                    {"id": "bakery", "output": "bread"}],
        inputs=[{"technique": "mill", "product": "work", "quantity": 2},
                {"technique": "mill", "product": "land", "quantity": 1},
                {"technique": "bakery", "product": "flour", "quantity": 0.5},
                {"technique": "bakery", "product": "work", "quantity": 0.25}],
        resources=[{"product": "work", "available": flour_hours or 1e9},
                   {"product": "land", "available": 1e9}],
        needs=[{"product": "bread", "quantity": 100, "priority": 1},
               {"product": "flour", "quantity": 10, "priority": 2}])


def test_net_output_equals_final_demand_and_yields_divide_activity() -> None:
    economy = _bakery()
    result = gross_requirements(economy)
    np.testing.assert_allclose(result.gross_output, [60, 100])  # flour: 50 for bread + 10
    np.testing.assert_allclose(result.activity, [15, 100])  # the mill yields 4 per unit
    net = economy.inputs @ result.activity
    made = np.bincount(economy.techniques.outputs, economy.techniques.yields * result.activity,
                       minlength=len(economy.products))
    np.testing.assert_allclose((made - net)[2:], [10, 100])
    np.testing.assert_allclose(result.use, [30 + 25, 15])  # work, land
    assert result.warnings == []


def test_labour_in_requirements_equals_the_value_of_final_demand() -> None:
    economy = _bakery()
    values = labour_values(economy)
    result = gross_requirements(economy, values=values)
    assert values.hours @ np.array([10, 100]) == pytest.approx(result.use[0], rel=1e-12)


def test_exceeded_capacity_and_availability_are_warned_about_not_enforced() -> None:
    economy = _bakery(capacity="12", flour_hours="40")
    result = gross_requirements(economy)
    assert result.activity[0] == pytest.approx(15)
    assert result.warnings == [
        "technique 'mill' would run at 15, above its capacity of 12",
        "labour 'work': 55 needed, above the 40 available"]


def test_a_demand_given_apart_replaces_the_bundles_needs() -> None:
    demand = np.array([0, 0, 4, 0])  # four units of flour and nothing else
    result = gross_requirements(_bakery(), demand)
    np.testing.assert_allclose(result.activity, [1, 0])
    np.testing.assert_allclose(result.use, [2, 1])

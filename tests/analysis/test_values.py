"""Labour values: textbook cases, the minimum over alternative techniques, and properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from commonplan.analysis.requirements import gross_requirements
from commonplan.analysis.values import labour_values
from commonplan.economy import leontief
from commonplan.economy.build import build_economy
from tests.factories import leontief_economy

# Miller and Blair, Input-Output Analysis (2009), section 2.3: the two-sector example.
MB_A = np.array([[0.15, 0.25], [0.20, 0.05]])
MB_L = np.array([[1.254, 0.330], [0.264, 1.122]])  # as printed, to three decimals


def test_values_are_direct_labour_times_the_leontief_inverse_of_miller_and_blair() -> None:
    labour = np.array([0.3, 0.25])
    result = labour_values(leontief_economy(MB_A, labour))
    np.testing.assert_allclose(result.hours, labour @ MB_L, rtol=2e-3)
    np.testing.assert_allclose(result.hours, labour @ np.linalg.inv(np.eye(2) - MB_A), rtol=1e-12)
    assert result.residual <= 1e-10


def test_requirements_reproduce_miller_and_blairs_gross_outputs() -> None:
    economy = leontief_economy(MB_A, np.array([0.3, 0.25]), demand=np.array([350, 1700]))
    assert gross_requirements(economy).gross_output == pytest.approx([1000, 2000], rel=1e-12)
    new_demand = np.array([600, 1500, 0])  # the book's second final demand; 0 for labour
    assert gross_requirements(economy, new_demand).gross_output == pytest.approx(
        [1247.52, 1841.58], abs=0.01)


def test_a_cheaper_alternative_technique_lowers_the_value_and_attains_it() -> None:
    economy = leontief_economy(MB_A, np.array([0.3, 0.25]),
                               alternatives=[(1, np.array([0.1, 0.0]), 0.1)])
    result = labour_values(economy)
    single = labour_values(leontief_economy(MB_A, np.array([0.3, 0.25])))
    assert result.hours[1] < single.hours[1]
    assert result.hours[0] < single.hours[0]  # p0 uses p1, so it is cheaper too
    assert economy.techniques.ids.take(result.techniques).to_pylist() == ["t0", "alt0"]


def test_among_techniques_that_tie_the_first_in_file_order_attains_the_value() -> None:
    economy = leontief_economy(MB_A, np.array([0.3, 0.25]),
                               alternatives=[(1, MB_A[:, 1].copy(), 0.25)])
    result = labour_values(economy)
    assert economy.techniques.ids.take(result.techniques).to_pylist() == ["t0", "t1"]


def test_by_kind_splits_hours_among_kinds_of_labour_and_counts_resources_apart() -> None:
    economy = build_economy(
        products=[{"id": "ore", "kind": "resource"}, {"id": "smith", "kind": "labour"},
                  {"id": "miner", "kind": "labour"}, {"id": "iron", "kind": "good"},
                  {"id": "tool", "kind": "good"}],
        techniques=[{"id": "mine", "output": "iron"}, {"id": "forge", "output": "tool", "yield": 2}],
        inputs=[{"technique": "mine", "product": "miner", "quantity": 3},
                {"technique": "mine", "product": "ore", "quantity": 5},
                {"technique": "forge", "product": "iron", "quantity": 1},
                {"technique": "forge", "product": "smith", "quantity": 4}])
    result = labour_values(economy, by_kind=True)
    kinds = economy.products.ids.take(economy.primary).to_pylist()
    assert kinds == ["ore", "smith", "miner"]
    assert result.hours.tolist() == pytest.approx([3, 3.5])  # tool: (4 + 3) / 2
    np.testing.assert_allclose(result.embodied, [[5, 0, 3], [2.5, 2, 1.5]], rtol=1e-12)


def test_the_iterative_solver_agrees_with_the_factorisation(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    n = 300
    a = rng.random((n, n)) * (rng.random((n, n)) < 0.05)
    a *= 0.8 / a.sum(axis=0).max()
    economy = leontief_economy(a, rng.random(n) + 0.1, demand=rng.random(n),
                               alternatives=[(5, a[:, 5] * 0.5, 0.05), (7, a[:, 7], 2.0)])
    direct = labour_values(economy)
    monkeypatch.setattr(leontief, "DIRECT_LIMIT", 0)
    iterative = labour_values(economy)
    np.testing.assert_allclose(iterative.hours, direct.hours, rtol=1e-9)
    assert iterative.residual <= 1e-10
    np.testing.assert_array_equal(iterative.techniques, direct.techniques)


# A coefficient a valid bundle may hold: zero, or within the bounds `validate` keeps (positive
# values far below 1e-12 are refused); drawn from 1e-6 up, so that even after the scaling below
# (by at least 0.02) and a chain of five products, values stay far above the solver's rounding.
COEFFICIENTS = st.just(0.0) | st.floats(1e-6, 1.0)


def scale_of(*arrays: np.ndarray) -> float:
    """The size of the data at hand (its largest magnitude, at least the smallest normal float)."""
    return max([float(np.abs(a).max(initial=0.0)) for a in arrays] + [np.finfo(float).tiny])


@st.composite
def small_economies(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list]:
    n = draw(st.integers(1, 5))
    cells = COEFFICIENTS
    a = np.array(draw(st.lists(cells, min_size=n * n, max_size=n * n))).reshape(n, n)
    a *= (np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))).reshape(n, n))
    scale = draw(st.floats(0.1, 0.95))
    a *= scale / max(a.sum(axis=0).max(), 1e-9)
    a[a < 1e-12] = 0.0  # cells are at most 1: smaller ones are below what a bundle accepts (docs/bundle.md)
    labour = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=n, max_size=n)))
    alternatives = []
    for _ in range(draw(st.integers(0, 3))):
        column = np.array(draw(st.lists(cells, min_size=n, max_size=n)))
        column *= draw(st.floats(0.05, 1.5)) / max(column.sum(), 1e-9)
        column[column < 1e-12] = 0.0
        alternatives.append((draw(st.integers(0, n - 1)), column, draw(st.sampled_from([0.0, 0.2, 2.0]))))
    return a, labour, alternatives


def _brute_force_minimum(a: np.ndarray, labour: np.ndarray, alternatives: list) -> np.ndarray | None:
    """SPEC section 2 literally: the componentwise minimum over every productive choice.

    None when some choice has a spectral radius within 1e-6 of 1: whether it is productive is then
    a matter of rounding (the solver certifies productivity with a relative margin).
    """
    n = len(labour)
    options = [[(a[:, p], labour[p])] + [(col, hours) for q, col, hours in alternatives if q == p]
               for p in range(n)]
    best = np.full(n, np.inf)
    for choice in itertools.product(*options):
        matrix = np.column_stack([column for column, _ in choice])
        radius = max(abs(np.linalg.eigvals(matrix)))
        if abs(radius - 1) <= 1e-6:
            return None
        if radius < 1:
            hours = np.array([h for _, h in choice])
            best = np.minimum(best, np.linalg.solve((np.eye(n) - matrix).T, hours))
    return best


@settings(max_examples=60, deadline=None)
@given(small_economies())
def test_values_are_the_minimum_over_every_productive_choice(case) -> None:
    a, labour, alternatives = case
    result = labour_values(leontief_economy(a, labour, alternatives=alternatives))
    expected = _brute_force_minimum(a, labour, alternatives)
    assume(expected is not None)
    # to 1e-12 of the hours in the data: a value that is zero may come out of the brute force as
    # a rounding below zero (-5e-17 seen), which the relative tolerance alone cannot absorb
    hours = np.array([labour.max(initial=0.0), *(abs(alternative[2]) for alternative in alternatives)])
    np.testing.assert_allclose(result.hours, expected, rtol=1e-9, atol=1e-12 * scale_of(hours, expected))


@settings(max_examples=60, deadline=None)
@given(small_economies(), st.lists(st.just(0.0) | st.floats(1e-6, 100), min_size=5, max_size=5))
def test_values_are_non_negative_and_price_final_demand_at_its_labour(case, demand) -> None:
    a, labour, alternatives = case
    economy = leontief_economy(a, labour, alternatives=alternatives)
    values = labour_values(economy)
    assert (values.hours >= 0).all()
    inputs = economy.inputs.toarray()[:, values.techniques]  # under the attaining techniques
    takes_labour = inputs[economy.products.is_labour()].sum(axis=0) > 0
    for _ in range(len(labour)):  # or through a produced input that does
        takes_labour |= (inputs[: len(labour)] > 0).T @ takes_labour
    assert (values.hours[takes_labour] > 0).all()
    y = np.zeros(len(economy.products))
    y[: len(labour)] = demand[: len(labour)]
    requirements = gross_requirements(economy, y, values=values)
    # exact to a relative 1e-9 of the sum's largest terms, whatever the size of the demand
    assert values.hours @ y[: len(labour)] == pytest.approx(
        requirements.labour_hours, rel=1e-9, abs=1e-9 * scale_of(values.hours * y[: len(labour)]))
    assert (requirements.activity >= 0).all()


@settings(max_examples=60, deadline=None)
@given(small_economies(), st.lists(COEFFICIENTS, min_size=5, max_size=5),
       st.sampled_from([0.0, 0.3, 5.0]), st.integers(0, 4))
def test_adding_a_technique_never_raises_any_value(case, column, hours, product) -> None:
    a, labour, alternatives = case
    n = len(labour)
    before = labour_values(leontief_economy(a, labour, alternatives=alternatives))
    extra = (product % n, np.array(column[:n]), hours)
    after = labour_values(leontief_economy(a, labour, alternatives=[*alternatives, extra]))
    assert (after.hours <= before.hours * (1 + 1e-9) + 1e-12 * scale_of(before.hours)).all()


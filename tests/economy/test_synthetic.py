"""The synthetic economy generator: deterministic, productive, realistic in shape, partly
constrained, and a valid bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from commonplan.analysis.requirements import gross_requirements
from commonplan.analysis.values import labour_values
from commonplan.economy.bundle import read_bundle, write_bundle
from commonplan.economy.model import Economy, Kind
from commonplan.economy.synthetic import generate

N = 2000


@pytest.fixture(scope="module")
def economy() -> Economy:
    return generate(N, seed=7)


def input_matrix(economy: Economy, techniques: np.ndarray) -> sp.csc_array:
    """A_c: produced inputs per unit of output of the chosen techniques, one per product."""
    n = len(economy.produced)
    chosen = economy.inputs[:n][:, techniques]
    return (chosen @ sp.diags_array(1.0 / economy.techniques.yields[techniques])).tocsc()


def spectral_radius(matrix: sp.csc_array) -> float:
    return float(np.abs(spla.eigs(matrix, k=1, which="LM", return_eigenvectors=False))[0])


def suppliers_per_technique(economy: Economy) -> np.ndarray:
    return np.diff(economy.inputs[: len(economy.produced)].tocsc().indptr)


def customers_per_product(economy: Economy) -> np.ndarray:
    n = len(economy.produced)
    return np.bincount(economy.inputs.indices, minlength=len(economy.products))[:n]


def assert_same(a: Economy, b: Economy) -> None:
    assert a.products.ids.equals(b.products.ids)
    assert a.products.names.equals(b.products.names)
    assert a.products.units.equals(b.products.units)
    assert np.array_equal(a.products.kinds, b.products.kinds)
    assert np.array_equal(a.products.public, b.products.public)
    assert a.techniques.ids.equals(b.techniques.ids)
    assert np.array_equal(a.techniques.outputs, b.techniques.outputs)
    assert np.array_equal(a.techniques.yields, b.techniques.yields)
    assert np.array_equal(a.techniques.capacities, b.techniques.capacities)
    assert (a.inputs != b.inputs).nnz == 0
    assert np.array_equal(a.available, b.available)
    assert np.array_equal(a.needs.products, b.needs.products)
    assert np.array_equal(a.needs.quantities, b.needs.quantities)
    assert np.array_equal(a.needs.priorities, b.needs.priorities)
    assert a.info == b.info


def test_the_same_seed_gives_the_same_economy(economy: Economy) -> None:
    assert_same(economy, generate(N, seed=7))


def test_another_seed_gives_another_economy(economy: Economy) -> None:
    other = generate(N, seed=8)
    assert (economy.inputs != other.inputs).nnz > 0


def test_products_are_goods_and_services_then_labour_then_resources(economy: Economy) -> None:
    ids = economy.products.ids.to_pylist()
    assert ids[:2] == ["p0000001", "p0000002"]
    assert ids[N - 1] == f"p{N:07d}"
    assert ids[N:] == [
        "labour-1", "labour-2", "labour-3", "labour-4", "ore-1", "ore-2", "land-1", "water-1"
    ]  # fmt: skip
    kinds = economy.products.kinds
    assert set(kinds[:N]) == {Kind.GOOD, Kind.SERVICE}
    assert list(economy.produced) == list(range(N))
    assert economy.techniques.ids[0].as_py() == "t0000001"
    assert all(economy.products.names.to_pylist()) and all(economy.products.units.to_pylist())


def test_every_technique_choice_is_productive_with_spectral_radius_about_a_half(
    economy: Economy,
) -> None:
    main = np.arange(N)
    with_alternatives = main.copy()
    alternatives = np.arange(N, len(economy.techniques))
    with_alternatives[economy.techniques.outputs[alternatives]] = alternatives
    for choice in (main, with_alternatives):
        assert 0.3 < spectral_radius(input_matrix(economy, choice)) < 0.7


def test_labour_values_exist_and_are_positive(economy: Economy) -> None:
    values = labour_values(economy)
    assert np.all(values.hours > 0)
    assert np.all(np.isfinite(values.hours))


def test_the_number_of_suppliers_is_heavy_tailed(economy: Economy) -> None:
    suppliers = suppliers_per_technique(economy)
    assert 17 <= suppliers.mean() <= 23
    assert np.median(suppliers) < suppliers.mean()
    assert suppliers.max() > 8 * suppliers.mean()


def test_a_few_products_feed_very_many_others(economy: Economy) -> None:
    customers = customers_per_product(economy)
    assert customers.max() > 0.1 * len(economy.techniques)
    assert np.median(customers) < customers.mean()
    assert np.percentile(customers, 99) > 5 * np.median(customers)


def test_there_are_several_kinds_of_labour_all_used_and_limited(economy: Economy) -> None:
    labour = np.flatnonzero(economy.products.kinds == Kind.LABOUR)
    assert len(labour) >= 3
    assert np.all(customers_of(economy, labour) > 0)
    assert np.all(np.isfinite(economy.available[labour]))


def test_there_are_natural_resources_used_and_limited(economy: Economy) -> None:
    resources = np.flatnonzero(economy.products.kinds == Kind.RESOURCE)
    assert len(resources) >= 2
    assert np.all(customers_of(economy, resources) > 0)
    assert np.all(np.isfinite(economy.available[resources]))


def customers_of(economy: Economy, products: np.ndarray) -> np.ndarray:
    return np.bincount(economy.inputs.indices, minlength=len(economy.products))[products]


def test_about_one_product_in_twenty_has_an_alternative_technique(economy: Economy) -> None:
    techniques_per_product = np.bincount(economy.techniques.outputs, minlength=N)
    assert set(techniques_per_product) == {1, 2}
    assert (techniques_per_product == 2).sum() == round(0.05 * N)


def test_alternatives_are_cheapest_for_some_products_but_not_all(economy: Economy) -> None:
    attaining = labour_values(economy).techniques
    alternatives_used = (attaining >= N).sum()
    assert 0 < alternatives_used < len(economy.techniques) - N


def test_no_alternatives_gives_one_technique_per_product() -> None:
    single = generate(500, seed=1, alternatives=0.0)
    assert np.array_equal(single.techniques.outputs, np.arange(500))


def test_needs_come_in_three_priority_tiers_on_a_subset_of_products(economy: Economy) -> None:
    assert set(economy.needs.priorities) == {1, 2, 3}
    needed = np.unique(economy.needs.products)
    assert 0.1 * N < len(needed) < 0.6 * N
    assert np.all(economy.needs.quantities > 0)


def test_some_products_are_public_and_needed(economy: Economy) -> None:
    public = np.flatnonzero(economy.products.public)
    assert 0 < len(public) < 0.2 * N
    assert np.isin(public, economy.needs.products).any()


def test_limits_make_meeting_every_need_partly_impossible(economy: Economy) -> None:
    requirements = gross_requirements(economy)
    primary = economy.primary
    share = economy.available[primary] / requirements.use
    assert np.all((share > 0.7) & (share < 1.0))
    capped = np.isfinite(economy.techniques.capacities)
    assert 0.02 * N < capped.sum() < 0.08 * N
    assert np.all(economy.techniques.capacities[capped] > 0)


def test_a_generated_economy_writes_and_reads_back_the_same(economy: Economy, tmp_path: Path) -> None:
    for format in ("csv", "parquet"):
        write_bundle(economy, tmp_path / format, format=format)
        loaded = read_bundle(tmp_path / format)
        assert loaded.warnings == []
        assert_same(economy, loaded.economy)


@pytest.mark.parametrize("products", [1, 2, 3, 10])
def test_tiny_economies_are_productive_too(products: int) -> None:
    tiny = generate(products, seed=products)
    assert len(tiny.produced) == products
    assert np.all(labour_values(tiny).hours > 0)


def test_an_economy_without_produced_inputs_is_allowed() -> None:
    flat = generate(50, inputs_per_product=0)
    assert suppliers_per_technique(flat).max() == 0


@pytest.mark.parametrize(
    "arguments",
    [{"products": 0}, {"products": 5, "inputs_per_product": -1}, {"products": 5, "alternatives": 2}],
)
def test_impossible_arguments_are_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        generate(**arguments)

"""The simulator's scenarios, and the estimator on the hardest of them (smaller than the benchmark,
which holds the targets on the full scenarios: bench/needs_accuracy.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from commonplan.needs.discover import NeedsEstimate, discover_needs
from commonplan.needs.privacy import Pseudonymiser
from commonplan.needs.scenarios import SCENARIOS, scenario
from commonplan.needs.simulate import Shoppers, Truth, simulate
from tests.needs.records import scenario_records

SMALL = {"products": 150, "stores": 12, "rows": 60_000}


def wape(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.abs(estimate - truth).sum() / truth.sum())


def estimated(folder: Path, name: str, substitutes: bool = True) -> tuple[NeedsEstimate, np.ndarray, Truth]:
    paths, truth = scenario_records(folder, name, **SMALL)
    result = discover_needs([paths["purchases"]], [paths["stock"]], [paths["requests"]], rule=None,
                            pseudonymiser=Pseudonymiser("test"), groups=[paths["groups"]],
                            substitutes=[paths["substitutes"]] if substitutes else [])
    order = np.array([result.products.index(product) for product in truth.products])
    return result, order, truth


def test_a_scenario_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    small = Shoppers(products=20, stores=3, days=30, rows=500)
    first, again, other = (simulate(replace(small, seed=seed))[0] for seed in (1, 1, 2))
    assert first.equals(again) and not first.equals(other)


def test_every_scenario_is_named_described_and_unknown_names_are_refused() -> None:
    assert all(len(found.description) > 20 for found in SCENARIOS.values())
    assert scenario("chronic-7", seed=3).shoppers.seed == 3
    with pytest.raises(KeyError, match="known: baseline"):
        scenario("famine")


def test_substitutes_are_declared_within_a_group_and_receive_moved_demand() -> None:
    _, _, _, truth = simulate(replace(scenario("substitution").shoppers, **SMALL))
    has = np.flatnonzero(truth.substitute >= 0)
    assert len(has) >= 10
    assert (truth.group[has] == truth.group[truth.substitute[has]]).all()
    assert truth.moved[has].sum() > 0 and truth.moved[truth.substitute < 0].sum() == 0


def test_requests_carry_every_state_and_unlisted_products_only_requests(tmp_path) -> None:
    paths, _ = scenario_records(tmp_path, "requests", **SMALL)
    states = set(pq.read_table(paths["requests"]).column("state").to_pylist())
    assert states == {"open", "served", "cancelled"}
    paths, truth = scenario_records(mkdir(tmp_path / "new"), "new-products", **SMALL)
    never = {truth.products[i] for i in np.flatnonzero(truth.launch >= 365)}
    sold = set(pc.unique(pq.read_table(paths["purchases"]).column("product")).to_pylist())
    asked = set(pc.unique(pq.read_table(paths["requests"]).column("product")).to_pylist())
    assert never and not never & sold and never <= asked


@pytest.fixture(scope="module")
def chronic(tmp_path_factory: pytest.TempPathFactory) -> tuple[NeedsEstimate, np.ndarray, Truth]:
    return estimated(tmp_path_factory.mktemp("chronic"), "chronic-mix")


def test_where_shelves_are_empty_most_often_the_error_is_a_fraction_of_the_naive(chronic) -> None:
    result, order, truth = chronic
    often = truth.empty_share >= 0.2
    assert often.sum() >= 10
    forecast = result.forecast
    assert wape(forecast.quantity[order][often], truth.horizon[often]) <= \
        wape(forecast.naive[order][often], truth.horizon[often]) / 3
    assert wape(forecast.quantity[order], truth.horizon) < 0.08


def test_the_80_percent_interval_holds_the_held_out_outcome_about_as_often(chronic) -> None:
    result, order, truth = chronic
    low, high = result.forecast.low[order], result.forecast.high[order]
    inside = (low <= truth.outcome) & (truth.outcome <= high)
    assert 0.68 <= inside.mean() <= 0.92  # 150 products: the binomial spread is about +-3%


def test_leaving_out_a_substitute_s_days_while_its_source_was_out_cuts_its_error(tmp_path) -> None:
    corrected, order, truth = estimated(mkdir(tmp_path / "with"), "substitution")
    ignoring, _, _ = estimated(mkdir(tmp_path / "without"), "substitution", substitutes=False)
    targets = np.unique(truth.substitute[truth.substitute >= 0])
    assert wape(corrected.forecast.quantity[order][targets], truth.horizon[targets]) <= \
        wape(ignoring.forecast.quantity[order][targets], truth.horizon[targets]) * 2 / 3  # half at full size
    assert sum(moved.units for moved in corrected.moved) > 0


def test_a_product_known_only_from_requests_is_estimated_from_them_and_says_so(tmp_path) -> None:
    result, order, truth = estimated(tmp_path, "new-products")
    never = truth.launch >= 365
    assert never.sum() >= 3
    quantity = result.forecast.quantity[order][never]
    assert (quantity > 0).all() and wape(quantity, truth.horizon[never]) < 0.35
    assert result.forecast.shrunk[order][never].all()
    forecast = result.forecast
    width = (forecast.high - forecast.low)[order] / np.maximum(forecast.quantity[order], 1)
    assert np.median(width[never]) > np.median(width[~never & (truth.launch == 0)])


def mkdir(folder: Path) -> Path:
    folder.mkdir()
    return folder

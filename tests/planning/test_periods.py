"""Multi-period plans: investment in one period raises capacity in later ones, priorities hold in
every period, and the capital tables are checked like the bundle's own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from commonplan.app.documents import periods_document
from commonplan.economy.build import build_economy
from commonplan.economy.bundle import PLANNING_TABLES, read_bundle, write_bundle
from commonplan.economy.model import Economy
from commonplan.economy.problems import BundleError
from commonplan.economy.synthetic import generate
from commonplan.planning.capital import (
    CAPITAL_TABLES,
    Capital,
    capital_from_rows,
    capital_tables,
    read_capital,
    synthetic_capital,
)
from commonplan.planning.periods import PeriodPlans, plan_periods
from commonplan.planning.problem import planning_problem
from commonplan.planning.reference import reference_plan

DATA = Path(__file__).parent / "data"
OVENS = DATA / "bakery-periods"
EXACT = 1e-6  # SPEC: results exact to 1e-6
RELATIVE = 1e-7  # SPEC: every constraint holds to 1e-7 relative


@pytest.fixture(scope="module")
def ovens() -> Economy:
    return read_bundle(OVENS).economy


# The worked example (tests/planning/data/bakery-periods), solved by hand:
# baking a loaf takes an hour of work, building an oven an hour; 20 hours a period.  The bakery
# can bake 10 loaves (its capacity), wearing 10% a period; one oven adds a loaf of capacity from
# the next period on.  People need 10 loaves at priority 1 and 5 more at priority 2.
# Period 1: bake 10 (priority 1 met, priority 2 not at all: the capacity binds); build 6 ovens,
# so that period 2's capacity is 0.9 * 10 + 6 = 15 and priority 2 is met there.  Labour:
# 10 + 6 = 16 hours, then 15: 31 in all.  One more loaf of capacity in period 1 would meet
# 1/5 more of priority 2 there: its price is 0.2.


def test_ovens_built_in_period_one_meet_priority_two_in_period_two(ovens):
    plans = plan_periods(ovens, None, 2, read_capital(OVENS, ovens))
    first, second = plans.plans
    assert first.fulfilment == pytest.approx([1, 0], abs=EXACT)
    assert second.fulfilment == pytest.approx([1, 1], abs=EXACT)
    assert first.activity == pytest.approx([10, 6], rel=EXACT)
    assert second.activity == pytest.approx([15, 0], rel=EXACT, abs=EXACT)
    assert plans.investment[:, 0] == pytest.approx([6, 0], rel=EXACT, abs=EXACT)
    assert plans.capacity[:, 0] == pytest.approx([10, 15], rel=EXACT)
    assert np.isinf(plans.capacity[:, 1]).all()
    assert plans.labour_hours == pytest.approx(31, rel=EXACT)
    assert plans.least_fulfilment == pytest.approx([1, 0], abs=EXACT)
    assert first.capacity_prices[0] == pytest.approx(0.2, rel=EXACT)
    assert plans.breaches() == []


def test_without_investment_priority_two_is_never_met(ovens):
    plans = plan_periods(ovens, None, 2, capital_from_rows(ovens, capital=[{"technique": "bake",
                                                                            "depreciation": 0.1}]))
    assert [plan.fulfilment[1] for plan in plans.plans] == pytest.approx([0, 0], abs=EXACT)
    assert plans.capacity[:, 0] == pytest.approx([10, 9], rel=EXACT)
    assert plans.plans[1].fulfilment[0] == pytest.approx(0.9, abs=EXACT)  # 9 of 10 loaves


def test_growing_needs_and_labour_are_met_by_investing_as_much_as_the_work_allows(ovens):
    # Period 2 needs 15 + 7.5 loaves and has 22 hours.  Period 1's 20 hours bake 10 loaves and
    # build 10 ovens, so period 2 bakes 20: priority 1 in full, priority 2 at 5 / 7.5.
    capital = capital_from_rows(ovens, investments=[{"technique": "bake", "product": "oven",
                                                      "quantity": 1}],
                                growth=[{"product": "bread", "rate": 0.5}, {"product": "work",
                                                                            "rate": 0.1}])
    plans = plan_periods(ovens, None, 2, capital)
    assert plans.plans[1].fulfilment == pytest.approx([1, 2 / 3], abs=EXACT)
    assert plans.investment[0, 0] == pytest.approx(10, rel=EXACT)
    assert plans.plans[1].problem.available == pytest.approx([22])
    assert plans.labour_hours == pytest.approx(40, rel=EXACT)
    assert plans.breaches() == []


def test_an_investment_that_would_come_after_the_last_period_is_not_made(ovens):
    capital = capital_from_rows(ovens, investments=[{"technique": "bake", "product": "oven",
                                                      "quantity": 1}],
                                capital=[{"technique": "bake", "lag": 2}])
    plans = plan_periods(ovens, None, 2, capital)
    assert plans.investment.sum() == 0
    assert plans.plans[1].fulfilment == pytest.approx([1, 0], abs=EXACT)
    assert plan_periods(ovens, None, 3, capital).plans[2].fulfilment == pytest.approx([1, 1], abs=EXACT)


@pytest.mark.parametrize("economy", [
    pytest.param(lambda: read_bundle(OVENS).economy, id="ovens"),
    pytest.param(lambda: generate(60, seed=4), id="generated"),
])
def test_one_period_without_capital_is_the_single_period_plan(economy):
    economy = economy()
    single = reference_plan(planning_problem(economy))
    plans = plan_periods(economy, None, 1)
    assert plans.plans[0].fulfilment == pytest.approx(single.fulfilment, abs=EXACT)
    assert plans.labour_hours == pytest.approx(single.labour_hours, rel=EXACT)
    assert plans.least_fulfilment == pytest.approx(single.fulfilment, abs=EXACT)


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_every_constraint_holds_in_every_period(seed):
    economy = generate(150, seed=seed)
    capital = synthetic_capital(economy, seed=seed)
    plans = plan_periods(economy, None, 4, capital)
    assert plans.investment.sum() > 0  # the example exercises investment
    assert plans.breaches() == []
    _check_constraints(economy, capital, plans)


def _check_constraints(economy: Economy, capital: Capital, plans: PeriodPlans) -> None:
    """Every row of the model, recomputed from the bundle's arrays, holds to 1e-7 relative."""
    problem = planning_problem(economy)
    goods = capital.goods[problem.produced]
    survive = 1 - capital.depreciation
    for s, plan in enumerate(plans.plans):
        x, invest = plan.activity, plans.investment[s]
        scale = (1 + capital.growth) ** s
        left = problem.net @ x - goods @ invest
        flows = abs(problem.net) @ x + goods @ invest
        needed = plan.fulfilment @ (problem.demand * scale[problem.produced])
        assert np.all(left >= needed - RELATIVE * np.maximum(flows, needed))
        assert np.all(problem.use @ x <= problem.available * scale[problem.limited] * (1 + RELATIVE))
        room = problem.capacities * survive ** s
        for r in range(s):
            arrived = r + capital.lag <= s
            room = room + np.where(arrived, plans.investment[r] * survive ** (s - r - capital.lag), 0)
        assert np.all(x <= room * (1 + RELATIVE) + RELATIVE)
        assert np.all(invest[s + capital.lag >= plans.periods] == 0)
        assert np.all(x >= 0) and np.all(invest >= 0)
    assert plans.least_fulfilment == pytest.approx(np.min([p.fulfilment for p in plans.plans], axis=0))


def test_the_document_describes_the_first_period_and_lists_every_period(ovens):
    plans = plan_periods(ovens, None, 2, read_capital(OVENS, ovens))
    document = json.loads(json.dumps(periods_document(plans), allow_nan=False))
    assert document["fulfilment"] == pytest.approx({"1": 1, "2": 0}, abs=EXACT)
    assert document["least_fulfilment"] == pytest.approx({"1": 1, "2": 0}, abs=EXACT)
    assert document["total_labour_hours"] == pytest.approx(31, rel=EXACT)
    assert [period["period"] for period in document["periods"]] == [1, 2]
    second = document["periods"][1]
    assert second["fulfilment"] == pytest.approx({"1": 1, "2": 1}, abs=EXACT)
    assert second["capacity"]["bake"] == pytest.approx(15, rel=EXACT)
    assert second["capacity"]["build"] is None  # unlimited
    assert document["periods"][0]["investment"] == pytest.approx({"bake": 6, "build": 0}, rel=EXACT)
    assert document["periods"][0]["investment_goods"] == pytest.approx({"bread": 0, "oven": 6}, rel=EXACT)
    assert document["binding"] == {"resources": [], "capacities": ["bake"]}
    assert set(document["shadow_prices"]) == {"work"}
    assert "Investment raises the capacity of 'bake'" in document["explanation"]


def test_progress_is_reported_from_start_to_finish(ovens):
    seen: list[tuple[float, str]] = []
    plan_periods(ovens, None, 2, read_capital(OVENS, ovens), lambda done, what: seen.append((done, what)))
    fractions = [done for done, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    assert seen[-2][1] == "minimising labour over all periods"


def test_periods_must_be_a_whole_number_of_at_least_one(ovens):
    with pytest.raises(ValueError, match="periods"):
        plan_periods(ovens, None, 0)


# The tables


def test_a_bundle_with_capital_tables_reads_without_warnings_and_they_count_in_its_hash(tmp_path):
    assert set(PLANNING_TABLES) == set(CAPITAL_TABLES)
    assert read_bundle(OVENS).warnings == []
    plain = tmp_path / "plain"
    plain.mkdir()
    for file in OVENS.iterdir():
        if file.stem not in PLANNING_TABLES:
            (plain / file.name).write_bytes(file.read_bytes())
    assert read_bundle(plain).sha256 != read_bundle(OVENS).sha256


def test_a_bundle_without_capital_tables_has_none(make_bundle):
    folder = make_bundle()
    economy = read_bundle(folder).economy
    capital = read_capital(folder, economy)
    assert len(capital.invested) == 0 and not capital.growth.any() and not capital.depreciation.any()


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_synthetic_capital_written_beside_a_bundle_reads_back_the_same(tmp_path, form):
    economy = generate(50, seed=3)
    capital = synthetic_capital(economy, seed=3)
    folder = write_bundle(economy, tmp_path / "bundle", format=form)
    for name, table in capital_tables(economy, capital).items():
        write = pa_csv.write_csv if form == "csv" else pq.write_table
        write(table, folder / f"{name}.{form}")
    economy = read_bundle(folder).economy
    again = read_capital(folder, economy)
    assert (again.goods != capital.goods).nnz == 0
    assert np.array_equal(again.invested, capital.invested)
    assert np.array_equal(again.lag, capital.lag)
    assert np.array_equal(again.depreciation, capital.depreciation)
    assert np.array_equal(again.growth, capital.growth)


def _lines(folder: Path) -> list[str]:
    with pytest.raises(BundleError) as caught:
        read_capital(folder, read_bundle(folder).economy)
    return [str(problem) for problem in caught.value.problems]


def test_bad_capital_tables_name_file_row_and_column(make_bundle):
    folder = make_bundle({
        "investments.csv": "technique,product,quantity\n"
                           "grow,bread,1\n"
                           "nope,bread,1\n"
                           "bake,bread,1\n"
                           "grow,labour,2\n"
                           "grow,bread,-1\n"
                           "grow,wheat,x\n",
        "capital.csv": "technique,lag,depreciation\n"
                       "grow,0,0.1\n"
                       "grow,1,1.5\n",
        "growth.csv": "product,rate\n"
                      "bread,-1\n"
                      "cake,0.1\n"
                      "labour,\n",
    })
    assert _lines(folder) == [
        "investments.csv:3:technique: unknown technique 'nope'",
        "investments.csv:4:technique: the technique has unlimited capacity in techniques.csv: "
        "investment cannot raise it",
        "investments.csv:5:product: names labour or a resource, not a good or service: the work "
        "of building belongs to a technique making an investment good",
        "investments.csv:7:quantity: 'x' is not a number",
        "investments.csv:6:quantity: must be >= 0",
        "investments.csv:6:product: duplicate (technique, product) pair (first at row 2)",
        "capital.csv:3:technique: a second row for this technique (first at row 2)",
        "capital.csv:2:lag: must be a whole number of at least 1",
        "capital.csv:3:depreciation: must be between 0 and 1",
        "growth.csv:3:product: unknown product 'cake'",
        "growth.csv:4:rate: a number is required",
        "growth.csv:2:rate: must be > -1 (a rate of -0.1 is a fall of 10%)",
    ]


def test_an_unknown_column_of_a_capital_table_is_an_error(make_bundle):
    folder = make_bundle({"growth.csv": "product,rat\nbread,0.1\n"})
    assert _lines(folder) == [
        "growth.csv:1:rat: unknown column 'rat' (expected product, rate)",
        "growth.csv:1: missing required column 'rate'",
    ]


def test_a_capital_table_in_both_forms_is_an_error(make_bundle):
    folder = make_bundle({"growth.csv": "product,rate\nbread,0.1\n",
                          "growth.parquet": b"not really parquet"})
    assert _lines(folder) == ["growth.csv: both growth.csv and growth.parquet are present: keep one"]


def test_capital_from_rows_checks_like_the_tables():
    economy = build_economy(products=[{"id": "bread", "kind": "good"}, {"id": "work", "kind": "labour"}],
                            techniques=[{"id": "bake", "output": "bread", "capacity": 5}],
                            inputs=[{"technique": "bake", "product": "work", "quantity": 1}])
    with pytest.raises(BundleError, match=re.escape("investments.csv:2:product: unknown product 'oven'")):
        capital_from_rows(economy, investments=[{"technique": "bake", "product": "oven", "quantity": 1}])


def test_when_highs_cannot_maximise_a_tiers_total_the_plan_keeps_its_least_and_says_so(ovens, monkeypatch):
    from commonplan.planning import period_result
    from commonplan.planning.highs import LPError, optimise

    def failing_total_stage(highs):
        lp = highs.getLp()
        lambdas = lp.col_cost_[-4:-2]  # the lambdas of the second period's tiers, then mu
        if (np.asarray(lp.col_cost_) < 0).sum() > 1 and lambdas.min() < 0:
            raise LPError("HiGHS stopped with status 'Unknown'")
        return optimise(highs)

    monkeypatch.setattr(period_result, "optimise", failing_total_stage)  # the held models' solve
    plans = plan_periods(ovens, None, 2, read_capital(OVENS, ovens), engine="whole")
    assert plans.warnings == ["priority 2: its fulfilment over all periods could not be maximised "
                              "(HiGHS stopped with status 'Unknown'); only its least fulfilment in "
                              "any period is held"]
    assert plans.least_fulfilment == pytest.approx([1, 0], abs=EXACT)
    assert plans.breaches() == []
    assert plans.status == "approximate"  # not the optimum over all periods SPEC asks for
    assert {plan.status for plan in plans.plans} == {"approximate"}


def test_an_economy_nobody_needs_anything_from_is_planned_idle():
    economy = build_economy(products=[{"id": "bread", "kind": "good"}, {"id": "work", "kind": "labour"}],
                            techniques=[{"id": "bake", "output": "bread", "capacity": 5}],
                            inputs=[{"technique": "bake", "product": "work", "quantity": 1}])
    plans = plan_periods(economy, None, 3)
    assert plans.labour_hours == 0 and len(plans.least_fulfilment) == 0
    assert periods_document(plans)["periods"][2]["activity"] == {"bake": 0}


def test_no_period_is_sacrificed_for_a_larger_total():
    # 12 loaves needed each period; 10 hours of work in period 1, 20 in period 2; half an oven
    # adds a loaf of capacity.  Baking 9 loaves and building 1 oven in period 1 would give
    # 9/12 + 12/12, the largest total; the least period comes first: bake 10 in both.
    economy = build_economy(
        products=[{"id": "bread", "kind": "good"}, {"id": "oven", "kind": "good"},
                  {"id": "work", "kind": "labour"}],
        techniques=[{"id": "bake", "output": "bread", "capacity": 10}, {"id": "build", "output": "oven"}],
        inputs=[{"technique": "bake", "product": "work", "quantity": 1},
                {"technique": "build", "product": "work", "quantity": 1}],
        resources=[{"product": "work", "available": 10}], needs=[{"product": "bread", "quantity": 12}])
    capital = capital_from_rows(economy, investments=[{"technique": "bake", "product": "oven",
                                                        "quantity": 0.5}],
                                growth=[{"product": "work", "rate": 1}])
    plans = plan_periods(economy, None, 2, capital)
    assert [plan.fulfilment[0] for plan in plans.plans] == pytest.approx([10 / 12, 10 / 12], abs=EXACT)
    assert plans.investment.sum() == pytest.approx(0, abs=EXACT)

"""Plan variants compared: each plan's labour, fulfilment and what binds, named; the products
whose net output differs most, by relative difference, with names and units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.planning.compare import NOISE, Names, Product, compare

NAMES = Names({"bread": ("Bread", "loaf"), "wheat": ("Wheat", "kg"), "labour": ("Work", "hour"),
               "land": ("Land", "ha"), "park": ("", "visit")}, {"bake": "bread", "grow": "wheat"})


def plan(net: dict[str, float], hours: float, fulfilment: dict[str, float] | None = None,
         resources: tuple[str, ...] = (), capacities: tuple[str, ...] = ()) -> dict:
    return {"status": "optimal", "net_output": net, "labour_hours": hours,
            "fulfilment": fulfilment or {"1": 1.0}, "binding": {"resources": list(resources),
                                                               "capacities": list(capacities)}}


def test_each_variant_is_summarised_with_names_and_units_not_ids():
    compared = compare([(7, plan({"bread": 10}, 12.5, {"2": 0.5, "1": 1.0}, ("land",), ("grow",)))], NAMES)
    (variant,) = compared.variants
    assert (variant.job, variant.labour_hours) == (7, 12.5)
    assert variant.fulfilment == (("1", 1.0), ("2", 0.5))  # tiers in order
    assert variant.binding_resources == (Product("land", "Land", "ha"),)
    assert variant.binding_capacities[0].technique == "grow"
    assert variant.binding_capacities[0].product == Product("wheat", "Wheat", "kg")
    assert compared.differences == ()  # one plan: nothing to compare


def test_the_products_that_differ_most_come_first_by_relative_difference():
    first = plan({"bread": 10, "wheat": 5, "park": 100, "labour": -12}, 12)
    second = plan({"bread": 15, "wheat": 5, "park": 50, "labour": -12.4}, 12.4)
    compared = compare([(1, first), (2, second)], NAMES)
    listed = [(d.product.id, round(d.relative, 6)) for d in compared.differences]
    assert listed == [("park", 0.5), ("bread", round(5 / 15, 6)), ("labour", round(0.4 / 12.4, 6))]
    assert compared.differences[0].product == Product("park", "park", "visit")  # no name: its id
    assert compared.differences[1].net_output == (10.0, 15.0)


def test_a_product_missing_from_one_plan_counts_as_zero_and_unknown_ids_keep_their_id():
    compared = compare([(1, plan({"bread": 4}, 1)), (2, plan({"bread": 4, "cake": 2}, 1))], NAMES)
    assert [(d.product, d.net_output, d.relative) for d in compared.differences] == [
        (Product("cake", "cake", ""), (0.0, 2.0), 1.0)]


def test_the_json_holds_exact_ids_and_figures_keyed_by_job():
    document = compare([(3, plan({"bread": 1}, 2, resources=("labour",))), (5, plan({"bread": 3}, 4))],
                       NAMES).to_json()
    assert document["variants"][0]["binding"]["resources"] == [{"product": "labour", "name": "Work",
                                                                "unit": "hour", "price": None}]
    assert document["variants"][0]["parts"] == {}  # not planned within voted shares
    assert document["differences"] == [{"product": "bread", "name": "Bread", "unit": "loaf",
                                        "relative": pytest.approx(2 / 3), "net_output": {"3": 1.0, "5": 3.0}}]


outputs = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)


@given(st.lists(st.tuples(outputs, outputs, outputs), min_size=1, max_size=40),
       st.floats(1e-3, 1e3), st.integers(1, 12))
def test_differences_are_at_most_top_ordered_bounded_and_the_same_at_any_scale(rows, factor, top):
    products = [f"p{i}" for i in range(len(rows))]
    plans = [(job, plan({p: row[job] for p, row in zip(products, rows, strict=True)}, 1.0))
             for job in range(3)]
    scaled = [(job, plan({p: v * factor for p, v in document["net_output"].items()}, 1.0))
              for job, document in plans]
    found, again = compare(plans, NAMES, top), compare(scaled, NAMES, top)
    relatives = [d.relative for d in found.differences]
    assert len(relatives) <= top and relatives == sorted(relatives, reverse=True)
    assert all(0 < r <= 2 for r in relatives)
    largest = max(abs(v) for row in rows for v in row)
    for difference in found.differences:
        assert max(difference.net_output) - min(difference.net_output) > NOISE * largest
    # relative differences do not depend on the unit: scaling every plan alike keeps them, up to round-off
    assert [d.relative for d in again.differences] == pytest.approx(relatives, rel=1e-9, abs=1e-9)


def test_what_binds_carries_its_price_and_a_capacity_its_workplace():
    names = Names(NAMES.products, NAMES.outputs, producers={"grow": "Farm"})
    document = plan({"bread": 1}, 2, resources=("land",), capacities=("grow", "bake"))
    document |= {"shadow_prices": {"labour": 0.0, "land": 0.25},
                 "capacity_prices": {"grow": 1.5, "bake": 0.0}}
    (variant,) = compare([(1, document)], names).variants
    assert variant.resource_prices == (0.25,) and variant.capacity_prices == (1.5, 0.0)
    assert [c.label for c in variant.binding_capacities] == [
        "the capacity to make Wheat (Farm)", "the capacity to make Bread (bake)"]
    assert compare([(1, {**document, "shadow_prices": {}})], names).variants[0].resource_prices == (None,)


def test_a_variant_planned_within_voted_shares_carries_its_parts():
    parts = {"consumption": {"share": 0.6, "budget_hours": 6.0, "claimed_hours": 5.0, "limits": False,
                             "fulfilment": {"1": 1.0}}}
    (variant,) = compare([(1, {**plan({"bread": 1}, 2), "variant": {"parts": parts}})], NAMES).variants
    assert variant.parts == parts


def test_a_technique_reads_as_what_it_makes_and_where_and_a_product_with_its_unit():
    names = Names(NAMES.products, NAMES.outputs, {"labour": "labour"}, {"bake": "Bakery"})
    assert (names.technique("bake"), names.technique("grow")) == ("Bread, Bakery", "Wheat, grow")
    assert (names.product("bread").label, names.product("park").label) == ("Bread (loaf)", "park (visit)")
    assert names.labour("labour") and not names.labour("bread")

"""Product groups: the products table's optional group column, read, checked and written back,
the needs gathered by group, and the built-in US bundle grouped by BEA's summary commodities."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.economy.bea_groups import read_code_names, summary_of
from commonplan.economy.builtin import builtin_bundle_path
from commonplan.economy.bundle import economy_tables, read_bundle, write_bundle
from commonplan.economy.groups import needed_groups
from commonplan.economy.model import Needs, Products
from tests.factories import BAKERY, GROUPED_BAKERY, lines_of, write_tables

BEA = Path(__file__).resolve().parents[3] / "shared" / "data" / "bea2017"


def test_a_bundle_without_a_group_column_reads_as_before_with_no_groups(tmp_path):
    economy = read_bundle(write_tables(tmp_path, BAKERY)).economy
    assert economy.products.groups is None
    assert "group" not in economy_tables(economy)["products"].column_names


def test_the_group_column_is_read_trimmed_with_a_blank_cell_in_no_group(tmp_path):
    groups = read_bundle(write_tables(tmp_path, GROUPED_BAKERY)).economy.products.groups
    assert groups.to_pylist() == ["Food", "Food", None, None, "Parks and gardens"]


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_groups_are_written_back_and_read_the_same(tmp_path, form):
    economy = read_bundle(write_tables(tmp_path / "in", GROUPED_BAKERY)).economy
    again = read_bundle(write_bundle(economy, tmp_path / "out", format=form)).economy
    assert again.products.groups.equals(economy.products.groups)
    assert economy_tables(again)["products"].equals(economy_tables(economy)["products"])


def test_a_group_of_a_labour_or_resource_product_or_too_long_a_name_is_a_problem(tmp_path):
    products = ("id,name,unit,kind,public,group\n"
                "bread,Bread,loaf,good,false,Food\n"
                f"wheat,Wheat,kg,good,,{'x' * 201}\n"
                "labour,Work,hour,labour,,Food\n"
                "land,Land,ha,resource,,\n"
                "park,Park,visit,service,true,\n")
    assert sorted(lines_of(write_tables(tmp_path, BAKERY | {"products.csv": products}))) == [
        "products.csv:3:group: a group's name is at most 200 characters (it heads a ballot)",
        "products.csv:4:group: 'Food': a labour product belongs to no group (groups gather goods and "
        "services)",
    ]


def test_needs_are_gathered_by_group_with_their_quantity_when_they_share_a_unit(tmp_path):
    economy = read_bundle(write_tables(tmp_path, GROUPED_BAKERY)).economy
    groups, ungrouped = needed_groups(economy.products, economy.needs)
    assert [(g.name, g.products, g.quantity, g.unit) for g in groups] == [
        ("Food", ("bread", "wheat"), None, None),  # loaves and kilograms do not add up
        ("Parks and gardens", ("park",), 100.0, "visit")]
    assert ungrouped == []
    plain = read_bundle(write_tables(tmp_path / "plain", BAKERY)).economy
    assert needed_groups(plain.products, plain.needs) == ([], ["bread", "park"])


@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1e6)), min_size=1, max_size=30))
def test_each_needed_product_is_in_exactly_one_group_and_the_quantities_add_up(rows):
    """Ten products in three groups of one unit (the last two products in none): the groups
    hold every needed grouped product once, and their quantities add up to its needs."""
    ids = [f"p{i}" for i in range(10)]
    groups = [f"g{i % 3}" if i < 8 else None for i in range(10)]
    products = Products(pa.array(ids), np.zeros(10, np.int8), units=pa.array(["t"] * 10),
                        groups=pa.array(groups, pa.string()))
    positions = np.array([3 * p for p, _ in rows], np.int64) % 10
    quantities = np.array([q for _, q in rows])
    needs = Needs(positions, quantities, np.ones(len(rows), np.int64))
    found, ungrouped = needed_groups(products, needs)
    listed = [product for group in found for product in group.products]
    needed = {ids[p] for p in positions}
    assert sorted(listed) == sorted({p for p in needed if groups[ids.index(p)] is not None})
    assert set(ungrouped) == {p for p in needed if groups[ids.index(p)] is None}
    grouped = quantities[[groups[p] is not None for p in positions]].sum()
    assert sum(group.quantity or 0 for group in found) == pytest.approx(grouped, rel=1e-12, abs=1e-9)


def test_the_us_bundle_puts_every_needed_product_in_a_named_summary_group():
    economy = read_bundle(builtin_bundle_path()).economy
    groups, ungrouped = needed_groups(economy.products, economy.needs)
    assert ungrouped == []
    assert 40 <= len(groups) <= 72  # a few dozen of BEA's 71 summary commodities, not ~400 codes
    names = [group.name for group in groups]
    assert "Food and beverage and tobacco products" in names and "Hospitals" in names
    assert all(group.unit == "million USD" for group in groups)
    assert sum(group.quantity for group in groups) == pytest.approx(economy.needs.quantities.sum())


@pytest.mark.skipif(not BEA.is_dir(), reason="the BEA tables are not beside the repository")
def test_each_summary_commodity_makes_what_its_detail_commodities_make_in_bea_s_tables():
    """BEA's own figures check the hierarchy: the summary make table's output of each summary
    commodity is the sum of the detail make table's outputs of the commodities put in it."""
    details = list(read_code_names(BEA / "Detail_CommodityCodeName_2017.csv"))
    summaries = list(read_code_names(BEA / "Summary_CommodityCodeName_2017.csv"))
    found = summary_of(details, summaries)
    assert set(details) - set(found) == {"S00401", "S00402", "S00300", "S00900"}  # scrap, used, imports
    detail_output = _column_sums(BEA / "Detail_Make_2017_before_redefinitions.csv")
    summary_output = _column_sums(BEA / "Summary_Make_2017_before_redefinitions.csv")
    gathered: dict[str, float] = {}
    for detail, summary in found.items():
        gathered[summary] = gathered.get(summary, 0.0) + detail_output.get(detail, 0.0)
    assert set(gathered) == set(summaries) - {"Used", "Other"}
    for summary, output in gathered.items():
        assert output == pytest.approx(summary_output[summary], rel=1e-4), summary


def _column_sums(path: Path) -> dict[str, float]:
    """Each commodity column of a make table summed over its industry rows (totals left out)."""
    with path.open(newline="", encoding="utf-8") as file:
        header, *rows = list(csv.reader(file))
    industries = [row for row in rows if row and row[0] and not row[0].startswith(("T0", "Total"))]
    return {code: sum(float(row[i] or 0) for row in industries) for i, code in enumerate(header) if i}

"""Variants: a product's needs broken down by size, colour or foot."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonplan.economy.problems import BundleError
from commonplan.needs.assortment import Variants, read_variants, split_by_variant, with_observed_shares
from tests.needs.records import text


def test_shares_are_normalised_and_split_the_quantity(tmp_path: Path) -> None:
    variants = read_variants(text(tmp_path, "v.csv", "product,variant,share\nshoe,left,1\nshoe,right,1\n"
                                                     "hat,small,3\nhat,large,1\n"))
    assert split_by_variant(variants, {"shoe": 1000.0, "hat": 8.0, "milk": 5.0}) == {
        "shoe": {"left": 500.0, "right": 500.0}, "hat": {"small": 6.0, "large": 2.0}}


def test_blank_shares_are_taken_from_what_each_variant_sold(tmp_path: Path) -> None:
    variants = read_variants(text(tmp_path, "v.csv", "product,variant,share\nshirt,shirt-s,\n"
                                                     "shirt,shirt-m,\nsock,sock-a,\n"))
    filled, warnings = with_observed_shares(variants, {"shirt-s": 30.0, "shirt-m": 10.0})
    assert split_by_variant(filled, {"shirt": 100.0, "sock": 4.0}) == {
        "shirt": {"shirt-s": 75.0, "shirt-m": 25.0}, "sock": {"sock-a": 4.0}}
    assert warnings == ["no sales of any variant of sock in the records: equal shares"]


def test_bad_variant_rows_are_named_by_row_and_column(tmp_path: Path) -> None:
    path = text(tmp_path, "v.csv", "product,variant,share\nshoe,,1\nshoe,left,-1\nshoe,left,x\n"
                                   "hat,a,1\nhat,a,2\nsock,a,0\nbelt,a,\nbelt,b,1\n")
    with pytest.raises(BundleError) as raised:
        read_variants(path)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{path}:2:variant: empty id", f"{path}:3:share: share must be a finite number >= 0",
        f"{path}:4:share: share must be a finite number >= 0",
        f"{path}:6:variant: variant a of hat listed twice",
        f"{path}:share: mixes given and blank shares: give all or none",
        f"{path}:share: shares of sock add up to 0"]


def test_a_missing_column_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"v\.csv:1:variant: missing column"):
        read_variants(text(tmp_path, "v.csv", "product,share\nshoe,1\n"))


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.floats(0.01, 100), min_size=1),
       st.just(0.0) | st.floats(1e-6, 1e9))
def test_variant_quantities_add_up_to_the_product(shares: dict[str, float], quantity: float) -> None:
    # quantities of goods: none, or from a millionth to a billion units; the sum is exact to a
    # relative 1e-9 at every scale (no absolute floor that a tiny quantity would pass by luck)
    split = split_by_variant(Variants({"p": dict(shares)}), {"p": quantity})
    assert sum(split["p"].values()) == pytest.approx(quantity, rel=1e-9)

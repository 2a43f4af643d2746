"""Requests with a state, older request files, groups and declared substitutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonplan.economy.problems import BundleError
from commonplan.needs.discover import discover_needs
from commonplan.needs.privacy import Pseudonymiser
from tests.needs.records import text

KEY = Pseudonymiser("secret")
SALES = "date,store,product,quantity\n" + "".join(f"2025-01-{day:02d},s1,{product},3\n"
                                                  for day in range(1, 29) for product in ("a", "b"))


def needs_of(tmp_path: Path, requests: str, horizon: int = 20, **files: str):
    purchases = text(tmp_path, "p.csv", SALES)
    stock = text(tmp_path, "s.csv", "date,store,product,on_hand\n")
    paths = {name: [text(tmp_path, f"{name}.csv", content)] for name, content in files.items()}
    return discover_needs([purchases], [stock], [text(tmp_path, "r.csv", requests)], horizon_days=horizon,
                          pseudonymiser=KEY, rule=None, **paths)


def test_served_and_cancelled_requests_are_not_added_and_stale_open_ones_are_reported(tmp_path) -> None:
    result = needs_of(tmp_path, "product,quantity,date,state\na,5,2025-01-25,open\na,7,2025-01-26,served\n"
                                "a,11,2025-01-27,Cancelled\nb,13,2025-01-02,open\nb,2,,\n", horizon=20)
    requested = dict(zip(result.products, result.requested.tolist(), strict=True))
    assert requested == {"a": 5.0, "b": 2.0}  # b's 13 are older than 20 days before the last day
    assert result.stale == {"b": 13.0}
    assert any("older than the horizon" in warning for warning in result.warnings)


def test_a_request_file_without_state_is_read_as_open(tmp_path) -> None:
    result = needs_of(tmp_path, "product,quantity,date\na,4,2025-01-20\nb,1,\n")
    assert dict(zip(result.products, result.requested.tolist(), strict=True)) == {"a": 4.0, "b": 1.0}


def test_an_unknown_state_is_named_by_file_row_and_column(tmp_path) -> None:
    with pytest.raises(BundleError) as raised:
        needs_of(tmp_path, "product,quantity,state\na,1,open\na,1,pending\n")
    assert [str(problem) for problem in raised.value.problems] == [
        f"{tmp_path / 'r.csv'}:3:state: unknown state (one of open, served, cancelled, or blank)"]


def test_a_substitute_s_days_while_its_source_was_out_are_left_out_and_reported(tmp_path) -> None:
    sales = "date,store,product,quantity\n" + "".join(
        f"2025-01-{day:02d},s1,a,{1 if day % 2 else 3}\n2025-01-{day:02d},s1,b,{5 if day % 2 else 3}\n"
        for day in range(1, 29))
    empty = "date,store,product,on_hand\n" + "".join(f"2025-01-{day:02d},s1,a,0\n" for day in range(1, 29, 2))
    result = discover_needs([text(tmp_path, "p.csv", sales)], [text(tmp_path, "s.csv", empty)], [],
                            horizon_days=28, pseudonymiser=KEY, rule=None,
                            substitutes=[text(tmp_path, "sub.csv", "product,substitute\na,b\n")],
                            groups=[text(tmp_path, "g.csv", "product,group\na,drinks\nb,drinks\n")])
    forecast = dict(zip(result.products, result.forecast.quantity.tolist(), strict=True))
    assert forecast["b"] == pytest.approx(28 * 3, rel=0.1)  # its own demand, not the 4 a day it sold
    (moved,) = result.moved
    assert (moved.product, moved.substitute, moved.days) == ("a", "b", 14)
    assert moved.units == pytest.approx(14 * 2, rel=0.15)


def test_a_product_may_declare_several_substitutes_and_each_pair_is_reported(tmp_path) -> None:
    sales = "date,store,product,quantity\n" + "".join(
        f"2025-01-{day:02d},s1,{product},2\n" for day in range(1, 29) for product in ("a", "b", "c"))
    empty = "date,store,product,on_hand\n" + "".join(f"2025-01-{day:02d},s1,a,0\n" for day in range(1, 29, 4))
    result = discover_needs([text(tmp_path, "p.csv", sales)], [text(tmp_path, "s.csv", empty)], [],
                            horizon_days=28, pseudonymiser=KEY, rule=None,
                            substitutes=[text(tmp_path, "sub.csv", "product,substitute\na,b\na,c\nb,zzz\n")])
    assert [(m.product, m.substitute, m.days) for m in result.moved] == [("a", "b", 7), ("a", "c", 7)]
    assert all(abs(m.units) < 7 for m in result.moved)  # nothing moved: b and c sold as always

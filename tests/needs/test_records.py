"""Reading records: many files, CSV or Parquet, and every bad row named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commonplan.economy.problems import BundleError
from commonplan.needs.discover import connect, discover_needs
from commonplan.needs.privacy import Pseudonymiser
from commonplan.needs.record_kinds import PURCHASES, STOCK
from commonplan.needs.records import register
from tests.needs.records import text

KEY = Pseudonymiser("secret")


def problems_of(paths: list[Path], kind=PURCHASES) -> list[str]:
    with pytest.raises(BundleError) as raised:
        register(connect(), kind, paths, KEY)
    return [str(problem) for problem in raised.value.problems]


def test_bad_rows_are_named_by_file_row_and_column(tmp_path: Path) -> None:
    bad = text(tmp_path, "p.csv", "date,store,product,quantity\n2025-01-01,s,p,1\n2025-02-30,s,p,1\n"
                                  ",s,p,1\n2025-01-02,,p,-2\n2025-01-02,s,,x\n")
    assert problems_of([bad]) == [
        f"{bad}:3:date: unreadable date (use YYYY-MM-DD)",
        f"{bad}:5:quantity: negative quantity",
        f"{bad}:5:store: empty id",
        f"{bad}:6:product: empty id",
        f"{bad}:6:quantity: not a finite number",
    ]


def test_a_missing_or_unknown_column_is_named_in_the_header_row(tmp_path: Path) -> None:
    bad = text(tmp_path, "s.csv", "date,store,product,onhand\n2025-01-01,s,p,0\n")
    assert problems_of([bad], STOCK) == [f"{bad}:1:on_hand: missing column",
                                         f"{bad}:1:onhand: unknown column (a stock file has date, store, "
                                         "product, on_hand)"]


def test_problems_of_every_file_are_reported_in_one_run(tmp_path: Path) -> None:
    first = text(tmp_path, "a.csv", "date,store,product,quantity\n2025-01-01,s,p,-1\n")
    second = text(tmp_path, "b.csv", "date,store,product\n")
    missing = tmp_path / "c.csv"
    assert problems_of([first, second, missing]) == [f"{first}:2:quantity: negative quantity",
                                                     f"{second}:1:quantity: missing column",
                                                     f"{missing}: no such file"]


def test_files_of_both_forms_make_one_view_with_pseudonymous_cards(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv = text(tmp_path, "a.csv", "date,store,product,quantity,card\n2025-01-01,s,p,1.5,alice\n")
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.table({"date": ["2025-01-02"], "store": ["s"], "product": ["p"], "quantity": [2]}),
                   parquet)
    con = connect()
    register(con, PURCHASES, [csv, parquet], KEY)
    rows = con.execute("SELECT CAST(date AS VARCHAR), store, product, quantity, card FROM purchases "
                       "ORDER BY date").fetchall()
    assert rows == [("2025-01-01", "s", "p", 1.5, KEY.pseudonym("alice")),
                    ("2025-01-02", "s", "p", 2.0, None)]


def test_a_card_in_two_files_of_different_types_is_one_buyer(tmp_path: Path) -> None:
    as_text = tmp_path / "purchases.csv"
    as_text.write_text("date,store,product,quantity,card\n" + "".join(
        f"2025-01-0{1 + i % 5},s1,milk,1, {i} \n" for i in range(12)))
    as_numbers = tmp_path / "purchases.parquet"
    pq.write_table(pa.table({"date": ["2025-01-02"] * 6, "store": ["s1"] * 6, "product": ["milk"] * 6,
                             "quantity": [1.0] * 6, "card": pa.array(range(6, 12), pa.int64())}), as_numbers)
    stock = tmp_path / "stock.csv"
    stock.write_text("date,store,product,on_hand\n2025-01-05,s1,milk,3\n")
    found = discover_needs([as_text, as_numbers], [stock], rule=None, pseudonymiser=Pseudonymiser("k"))
    assert found.people.buyers == {"milk": 12}

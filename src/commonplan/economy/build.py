"""Building an Economy from plain Python rows, checked by the same rules as a bundle on disk.

    economy = build_economy(
        products=[{"id": "bread", "kind": "good"}, {"id": "work", "kind": "labour"}],
        techniques=[{"id": "bakery", "output": "bread"}],
        inputs=[{"technique": "bakery", "product": "work", "quantity": 0.1}],
    )
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from commonplan.economy.assemble import economy_from
from commonplan.economy.model import Economy, EconomyInfo
from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.productive import unproductive_problems
from commonplan.economy.tables import Table

Rows = Sequence[Mapping[str, Any]]


def rows_table(name: str, rows: Rows) -> Table:
    """A table named ``name`` from rows (all values as text, as in a CSV file)."""
    columns: dict[str, list[Any]] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, [])
    for row in rows:
        for key, values in columns.items():
            value = row.get(key)
            values.append("" if value is None else str(value))
    return Table(f"{name}.csv", {key: pa.chunked_array([pa.array(values, pa.string())])
                                 for key, values in columns.items()}, len(rows))


def build_economy(*, products: Rows, techniques: Rows, inputs: Rows, resources: Rows = (),
                  needs: Rows = (), info: EconomyInfo | None = None) -> Economy:
    """An economy from rows shaped like the bundle's tables; raise BundleError on any breach."""
    problems: list[Problem] = []
    required_tables = {"products": rows_table("products", products),
                       "techniques": rows_table("techniques", techniques),
                       "inputs": rows_table("inputs", inputs)}
    tables: dict[str, Table | None] = {
        **required_tables,
        "resources": rows_table("resources", resources) if resources else None,
        "needs": rows_table("needs", needs) if needs else None}
    for name, required in (("products", ("id", "kind")), ("techniques", ("id", "output")),
                           ("inputs", ("technique", "product", "quantity"))):
        table = required_tables[name]
        for column in required:
            if column not in table.columns:
                table.columns[column] = pa.chunked_array([pa.array([""] * table.num_rows, pa.string())])
    economy = economy_from(tables, info or EconomyInfo(), problems)
    if economy is not None:
        problems.extend(unproductive_problems(economy, "products.csv"))
    if problems or economy is None:  # economy_from returns None only when it reported problems
        raise BundleError(problems)
    return economy

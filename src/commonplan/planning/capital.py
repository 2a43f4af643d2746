"""Capital for multi-period plans: the optional bundle tables ``investments``, ``capital`` and
``growth`` (docs/planning.md, "Multi-period plans"), read and checked like the bundle's own.

``investments``: the goods set aside to add one unit of activity to a technique's capacity;
``capital``: per technique, the lag in periods before new capacity can be used and the share
of capacity lost each period; ``growth``: per product, the rate at which its needs (goods and
services) or its availability (labour and resources) change from one period to the next.
Every breach is reported as ``FILE:ROW:COLUMN: message``, all of them in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from commonplan.economy.assemble import positions
from commonplan.economy.build import Rows, rows_table
from commonplan.economy.bundle import checked_economy, choose_table_files
from commonplan.economy.model import Economy, Kind
from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.source import open_bundle
from commonplan.economy.tables import (
    ColumnKind,
    Table,
    TableSpec,
    blank_cells,
    parse_ids,
    parse_numbers,
    parse_positive_integers,
    read_table,
    report,
)

ID, NUMBER = ColumnKind.ID, ColumnKind.NUMBER
CAPITAL_TABLES = {
    spec.name: spec for spec in (
        TableSpec("investments", False, {"technique": ID, "product": ID, "quantity": NUMBER},
                  ("technique", "product", "quantity")),
        TableSpec("capital", False, {"technique": ID, "lag": ColumnKind.INTEGER,
                                     "depreciation": NUMBER}, ("technique",)),
        TableSpec("growth", False, {"product": ID, "rate": NUMBER}, ("product", "rate")),
    )
}
DEFAULT_LAG = 1


@dataclass(frozen=True, eq=False)
class Capital:
    """How capacity grows and wears out, and how needs and availabilities change, period by period.

    ``goods[p, t]``: units of product ``p`` set aside (invested) to add one unit of activity
    to the capacity of technique ``t`` (products x techniques).  ``invested``: the techniques
    with an ``investments`` row, whose capacity can be raised.  ``lag[t]``: periods from
    investment until the capacity can be used (>= 1).  ``depreciation[t]``: share of the
    capacity lost from one period to the next.  ``growth[p]``: rate of change per period of
    the needs or the availability of product ``p`` (0 = the same every period).
    """

    goods: sp.csc_array
    invested: np.ndarray
    lag: np.ndarray
    depreciation: np.ndarray
    growth: np.ndarray

    def __post_init__(self) -> None:
        for array in (self.invested, self.lag, self.depreciation, self.growth, self.goods.data):
            array.flags.writeable = False

    @classmethod
    def none(cls, economy: Economy) -> Capital:
        """No investment, no depreciation, no growth: every period is like the first."""
        n_products, n_techniques = economy.inputs.shape
        return cls(sp.csc_array((n_products, n_techniques)), np.zeros(0, np.int64),
                   np.full(n_techniques, DEFAULT_LAG, np.int64), np.zeros(n_techniques),
                   np.zeros(n_products))

    def scale(self, period: int) -> np.ndarray:
        """Factor per product of its needs or availability in ``period`` (0 = the first)."""
        return (1.0 + self.growth) ** period

    def surviving(self, periods: int) -> np.ndarray:
        """Share per technique of a capacity left after ``periods`` periods of wear."""
        return (1.0 - self.depreciation) ** periods


def read_capital(path: Path | str, economy: Economy) -> Capital:
    """The capital tables of the bundle at ``path`` for ``economy`` (none present: no capital);
    raise BundleError listing every problem."""
    files = open_bundle(Path(path))
    problems: list[Problem] = []
    tables = {name: read_table(file, CAPITAL_TABLES[name], problems)
              for name, file in choose_table_files(files, CAPITAL_TABLES, problems).items()}
    if problems:
        raise BundleError(problems)
    return _checked(tables, economy, problems)


def check_bundle_and_capital(path: Path | str) -> tuple[list[Problem], list[str], str | None]:
    """economy.bundle.check_bundle, and, when the economy reads, every rule of its multi-period
    tables too: what ``validate`` and an upload check."""
    economy, problems, warnings, sha256 = checked_economy(path)
    if economy is not None and not problems:
        try:
            read_capital(path, economy)
        except BundleError as error:
            problems = error.problems
    return problems, warnings, sha256


def capital_from_rows(economy: Economy, *, investments: Rows = (), capital: Rows = (),
                      growth: Rows = ()) -> Capital:
    """Capital from rows shaped like the tables (as ``build_economy`` takes the bundle's)."""
    tables: dict[str, Table | None] = {}
    for name, rows in (("investments", investments), ("capital", capital), ("growth", growth)):
        table = rows_table(name, rows) if rows else None
        if table is not None:
            for column in CAPITAL_TABLES[name].required_columns:
                if column not in table.columns:
                    table.columns[column] = pa.chunked_array([pa.array([""] * table.num_rows)])
        tables[name] = table
    return _checked(tables, economy, [])


def _checked(tables: dict[str, Table | None], economy: Economy, problems: list[Problem]) -> Capital:
    capital = capital_from(tables, economy, problems)
    if problems:
        raise BundleError(problems)
    return capital


def capital_from(tables: dict[str, Table | None], economy: Economy, problems: list[Problem]) -> Capital:
    """Capital from the tables as read; every breach is added to ``problems``."""
    capital = Capital.none(economy)
    goods, invested = capital.goods, capital.invested
    lag, depreciation, growth = capital.lag, capital.depreciation, capital.growth
    if (table := tables.get("investments")) is not None:
        goods, invested = _investments(table, economy, problems)
    if (table := tables.get("capital")) is not None:
        lag, depreciation = _stocks(table, economy, problems)
    if (table := tables.get("growth")) is not None:
        growth = _growth(table, economy, problems)
    return Capital(goods, invested, lag, depreciation, growth)


def _investments(table: Table, economy: Economy, problems: list[Problem]) -> tuple[sp.csc_array, np.ndarray]:
    techniques = _capped_techniques(table, economy, "investment cannot raise it", problems)
    products = _lookup(table, "product", economy.products.ids, "product", problems)
    _investable(table, economy, products, problems)
    quantities = _numbers(table, "quantity", problems)
    pairs = pc.binary_join_element_wise(_strings(table, "technique"), _strings(table, "product"),
                                        "\x00")
    _repeats(table, "product", pairs, "duplicate (technique, product) pair", problems)
    known = (techniques >= 0) & (products >= 0) & np.isfinite(quantities)
    goods = sp.csc_array((quantities[known], (products[known], techniques[known])),
                         shape=economy.inputs.shape)
    return goods, np.unique(techniques[techniques >= 0])


def _investable(table: Table, economy: Economy, products: np.ndarray, problems: list[Problem]) -> None:
    """Investment goods are produced goods or services (building work is a technique's labour)."""
    kinds = np.where(products >= 0, economy.products.kinds[np.maximum(products, 0)], -1)
    primary = kinds >= Kind.LABOUR
    if primary.any():
        report(problems, table.file, "product", primary, "names labour or a resource, not a good or "
                                                         "service: the work of building belongs to "
                                                         "a technique making an investment good")
    made = np.zeros(len(economy.products), bool)
    made[economy.produced] = True
    unmade = (products >= 0) & ~primary & ~made[np.maximum(products, 0)]
    if unmade.any():
        report(problems, table.file, "product", unmade, "no technique makes it")


def _stocks(table: Table, economy: Economy, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    techniques = _capped_techniques(table, economy, "it has no capital stock to build up or wear out",
                                    problems)
    _repeats(table, "technique", _strings(table, "technique"), "a second row for this technique",
             problems)
    lags = parse_positive_integers(table, "lag", DEFAULT_LAG, problems)
    shares = parse_numbers(table, "depreciation", problems)
    shares = np.where(np.isnan(shares), 0.0, shares)
    outside = (shares < 0) | (shares > 1)
    if outside.any():
        report(problems, table.file, "depreciation", outside, "must be between 0 and 1")
    known = techniques >= 0
    lag = np.full(len(economy.techniques), DEFAULT_LAG, np.int64)
    depreciation = np.zeros(len(economy.techniques))
    lag[techniques[known]] = lags[known]
    depreciation[techniques[known]] = shares[known]
    return lag, depreciation


def _growth(table: Table, economy: Economy, problems: list[Problem]) -> np.ndarray:
    products = _lookup(table, "product", economy.products.ids, "product", problems)
    _repeats(table, "product", _strings(table, "product"), "a second row for this product", problems)
    rates = parse_numbers(table, "rate", problems)
    missing = np.isnan(rates) & blank_cells(table, "rate")
    if missing.any():
        report(problems, table.file, "rate", missing, "a number is required")
    low = rates <= -1
    if low.any():
        report(problems, table.file, "rate", low, "must be > -1 (a rate of -0.1 is a fall of 10%)")
    growth = np.zeros(len(economy.products))
    known = (products >= 0) & np.isfinite(rates)
    growth[products[known]] = rates[known]
    return growth


def _capped_techniques(table: Table, economy: Economy, why: str, problems: list[Problem]) -> np.ndarray:
    """Technique positions of the ``technique`` column; a technique of unlimited capacity is a problem."""
    techniques = _lookup(table, "technique", economy.techniques.ids, "technique", problems)
    unlimited = techniques >= 0
    unlimited[unlimited] = np.isinf(economy.techniques.capacities[techniques[unlimited]])
    if unlimited.any():
        report(problems, table.file, "technique", unlimited,
               f"the technique has unlimited capacity in techniques.csv: {why}")
    return techniques


def _lookup(table: Table, column: str, ids: pa.Array, what: str, problems: list[Problem]) -> np.ndarray:
    """Positions among ``ids`` of the ids in ``column`` (-1 where unknown, reported)."""
    values = parse_ids(table, column, problems)
    found = positions(values, ids)
    unknown = (found < 0) & pc.fill_null(pc.not_equal(values, ""), False).to_numpy(zero_copy_only=False)
    if unknown.any():
        names = values.filter(pa.array(unknown)).to_pylist()
        report(problems, table.file, column, unknown, [f"unknown {what} {n!r}" for n in names])
    return found


def _numbers(table: Table, column: str, problems: list[Problem]) -> np.ndarray:
    """A required column of finite numbers >= 0."""
    numbers = parse_numbers(table, column, problems)
    missing = np.isnan(numbers) & blank_cells(table, column)
    if missing.any():
        report(problems, table.file, column, missing, "a number is required")
    negative = numbers < 0
    if negative.any():
        report(problems, table.file, column, negative, "must be >= 0")
    return numbers


def _strings(table: Table, column: str) -> pa.Array:
    return table.columns[column].combine_chunks().cast(pa.string())


def _repeats(table: Table, column: str, keys: pa.Array, what: str, problems: list[Problem]) -> None:
    """A problem for each row whose key an earlier row has."""
    first = positions(keys, keys)
    repeated = first != np.arange(len(keys))
    if repeated.any():
        report(problems, table.file, column, repeated,
               [f"{what} (first at row {row + 2})" for row in first[repeated]])


def synthetic_capital(economy: Economy, *, seed: int = 0, goods_per_technique: int = 3,
                      depreciation: float = 0.05, needs_growth: float = 0.02,
                      labour_growth: float = 0.01) -> Capital:
    """Example capital for a (generated) economy: every technique of finite capacity can be
    expanded with 1 to ``goods_per_technique`` produced goods, about a tenth to one unit of
    each per unit of yield, with a lag of 1 or 2 periods; needs grow by ``needs_growth`` and
    labour by ``labour_growth`` per period.  Seeded: the result depends only on the arguments."""
    rng = np.random.default_rng(seed)
    techniques, products = economy.techniques, economy.products
    invested = np.flatnonzero(np.isfinite(techniques.capacities))
    goods = economy.produced[products.kinds[economy.produced] == Kind.GOOD]
    if len(goods) == 0:
        invested = invested[:0]
    counts = rng.integers(1, goods_per_technique + 1, len(invested))
    columns = np.repeat(invested, counts)
    rows = rng.choice(goods, len(columns)) if len(goods) else np.zeros(0, np.int64)
    quantities = np.round(techniques.yields[columns] * 10 ** rng.uniform(-1, 0, len(columns)), 6)
    matrix = sp.coo_array((quantities, (rows, columns)), shape=economy.inputs.shape).tocsc()
    matrix.sum_duplicates()
    lag = np.full(len(techniques), DEFAULT_LAG, np.int64)
    lag[invested] = rng.integers(1, 3, len(invested))
    wear = np.zeros(len(techniques))
    wear[invested] = depreciation
    growth = np.zeros(len(products))
    growth[np.unique(economy.needs.products)] = needs_growth
    growth[products.is_labour()] = labour_growth
    return Capital(matrix, invested, lag, wear, growth)


def capital_tables(economy: Economy, capital: Capital) -> dict[str, pa.Table]:
    """The tables of ``capital`` for ``economy``, to write beside a bundle's (as CSV or Parquet)."""
    ids, techniques = economy.products.ids, economy.techniques.ids
    goods = capital.goods.tocoo()
    order = np.lexsort((goods.row, goods.col))
    grows = np.flatnonzero(capital.growth)
    return {"investments": pa.table({"technique": techniques.take(goods.col[order]),
                                     "product": ids.take(goods.row[order]),
                                     "quantity": goods.data[order]}),
            "capital": pa.table({"technique": techniques.take(capital.invested),
                                 "lag": capital.lag[capital.invested],
                                 "depreciation": capital.depreciation[capital.invested]}),
            "growth": pa.table({"product": ids.take(grows), "rate": capital.growth[grows]})}

"""From records to needs: read the files, estimate demand, add requests, apply the feedback rule."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from commonplan.economy.problems import BundleError, Problem
from commonplan.needs.estimate import Fit, Forecast, History, Progress, fit, forecast, with_requested
from commonplan.needs.feedback import Adjustment, FeedbackRule, Signals
from commonplan.needs.privacy import DEFAULT_K, Pseudonymiser, suppress_small
from commonplan.needs.record_kinds import GROUPS, PURCHASES, REQUESTS, STOCK, SUBSTITUTES
from commonplan.needs.records import first_seen, register
from commonplan.needs.store_days import merged

FOUR_WEEKS = 28


@dataclass(frozen=True)
class People:
    """Figures about people, each of at least ``k``: distinct cards buying each product and
    distinct members waiting for it; ``withheld`` counts the figures too small to show."""

    k: int
    buyers: dict[str, int]
    members_waiting: dict[str, int]
    withheld: int


@dataclass(frozen=True)
class Moved:
    """Demand that moved from ``product`` to its declared ``substitute`` on the store-days the
    product's shelf ended empty and the substitute's did not: ``units`` is the substitute's sales
    above its own fitted demand on those ``days``, left out of the substitute's estimate."""

    product: str
    substitute: str
    days: int
    units: float


@dataclass(frozen=True)
class NeedsEstimate:
    """What people will need over the horizon, per product (in ``products`` order)."""

    products: list[str]
    horizon_days: int
    forecast: Forecast
    requested: np.ndarray
    quantity: np.ndarray
    low: np.ndarray
    high: np.ndarray
    shortage_days: np.ndarray
    adjustments: list[Adjustment]
    people: People
    warnings: list[str] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    stale: dict[str, float] = field(default_factory=dict)

    def needs(self) -> dict[str, float]:
        return dict(zip(self.products, self.quantity.tolist(), strict=True))

    def in_order(self, products: list[str]) -> NeedsEstimate:
        """The same estimate with its products in the order given (which names each once)."""
        position = {product: i for i, product in enumerate(self.products)}
        order = np.array([position[product] for product in products], np.int64)
        return replace(self, products=products, forecast=_taken(self.forecast, order),
                       **{name: getattr(self, name)[order] for name in
                          ("requested", "quantity", "low", "high", "shortage_days")})


def _taken(forecast: Forecast, order: np.ndarray) -> Forecast:
    return replace(forecast, **{f.name: getattr(forecast, f.name)[order] for f in fields(forecast)})


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB without its console progress bar (the caller reports progress)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")  # lets large aggregates stream and spill
    # DuckDB spills beyond its limit (to the system's temporary folder): the run stays within 2 GiB
    con.execute("SET memory_limit = '600MB'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/commonplan-duckdb'")
    return con


def discover_needs(purchases: Sequence[Path], stock: Sequence[Path], requests: Sequence[Path] = (), *,
                   horizon_days: int = 365, pseudonymiser: Pseudonymiser | None = None,
                   k: int = DEFAULT_K, rule: FeedbackRule | None = FeedbackRule(),
                   groups: Sequence[Path] = (), substitutes: Sequence[Path] = (),
                   progress: Progress | None = None) -> NeedsEstimate:
    """Needs over ``horizon_days`` from purchase, stock and request files (SPEC section 4), and
    optionally product groups (product, group: shrinkage borrows from the group) and declared
    substitutes (product, substitute: docs/needs.md).

    Raises BundleError naming file, row and column of every bad record.  ``rule=None`` leaves
    the estimate unadjusted.
    """
    report = progress or (lambda fraction, message: None)
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, not {horizon_days}")
    pseudonymiser = pseudonymiser or Pseudonymiser.from_settings()
    con = connect()
    report(0.0, "checking records")
    problems: list[Problem] = []
    for kind, paths in ((PURCHASES, purchases), (STOCK, stock), (REQUESTS, requests), (GROUPS, groups),
                        (SUBSTITUTES, substitutes)):
        try:
            register(con, kind, [Path(path) for path in paths], pseudonymiser)
        except BundleError as error:
            problems += error.problems
    if not problems:
        problems += _contradictions(con, groups, substitutes)
    if problems:
        raise BundleError(problems)
    report(0.1, "aggregating store-days")
    products, history = _history(con, purchases, grouped=bool(groups))
    declared = _declared(con, len(products))
    left_out = _left_out(history, declared)
    model = fit(history, missing=left_out[:3], progress=report)
    report(0.9, "requests, feedback and privacy")
    asked, asked_listed = _requested(con, model)
    estimated = with_requested(model, forecast(model, horizon_days), asked, asked_listed, horizon_days)
    needs = _needs(con, products, history, estimated, horizon_days, pseudonymiser, k, rule)
    needs = replace(needs, moved=_moved(model, declared, left_out, products))
    return needs.in_order(first_seen([*purchases, *stock, *requests], len(needs.products)))


def _contradictions(con: duckdb.DuckDBPyConnection, groups: Sequence[Path], substitutes: Sequence[Path]
                    ) -> list[Problem]:
    """What no row shows alone: a product put in two groups (which would it lean on?) and a product
    declared its own substitute (at most 20 of each, named with the files)."""
    problems = [Problem(", ".join(map(str, groups)), f"product {product!r} is in several groups: "
                        f"{', '.join(sorted(names))} (a product belongs to one)", column="group")
                for product, names in con.execute(
                    "SELECT product, list(DISTINCT \"group\") FROM groups GROUP BY product "
                    "HAVING count(DISTINCT \"group\") > 1 ORDER BY product LIMIT 20").fetchall()]
    problems += [Problem(", ".join(map(str, substitutes)), f"product {product!r} is declared its own "
                         "substitute", column="substitute")
                 for (product,) in con.execute("SELECT DISTINCT product FROM substitutes WHERE product = "
                                               "substitute ORDER BY product LIMIT 20").fetchall()]
    return problems


def _requested(con: duckdb.DuckDBPyConnection, model: Fit) -> tuple[np.ndarray, np.ndarray]:
    """Per product, all units requested, and those requested from its first record on (undated
    ones included)."""
    rows = con.execute("SELECT idx, coalesce((date - w.first)::INTEGER, 2147483647) AS day, sum(quantity) "
                       "AS units FROM requests JOIN product_ids USING (product), window_ w GROUP BY ALL"
                       ).fetchnumpy()  # undated: after everything
    idx, day = np.asarray(rows["idx"], np.int64), np.asarray(rows["day"], np.int64)
    units = np.asarray(rows["units"], float)
    listed = day >= model.first_day[idx]
    products = model.history.products
    return (np.bincount(idx, units, products).astype(float),
            np.bincount(idx[listed], units[listed], products).astype(float))


def _declared(con: duckdb.DuckDBPyConnection, products: int) -> np.ndarray:
    """(product, substitute) index pairs of the declared substitutes known in the records."""
    rows = con.execute("SELECT DISTINCT p.idx, q.idx FROM substitutes s JOIN product_ids p ON p.product = "
                       "s.product JOIN product_ids q ON q.product = s.substitute WHERE p.idx <> q.idx "
                       "ORDER BY 1, 2").fetchall()
    return np.array(rows, np.int64).reshape(-1, 2)


Cells = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _left_out(history: History, declared: np.ndarray) -> Cells:
    """(product, store, day) of each substitute's store-days on which its source ended empty, and
    which declared pair left each out: the substitute's sales there hold demand that moved, so
    they are left out of its own estimate."""
    empty = np.flatnonzero(history.empty.astype(bool) & np.isin(history.product, declared[:, 0]))
    order = np.argsort(declared[:, 0], kind="stable")
    sources = declared[order, 0]
    # every (empty row of a source, pair declared for that source)
    first = np.searchsorted(sources, history.product[empty], "left")
    count = np.searchsorted(sources, history.product[empty], "right") - first
    rows = np.repeat(empty, count)
    which = order[np.repeat(first, count) + _ranks(count)]
    return (declared[which, 1].astype(np.int64), history.store[rows].astype(np.int64),
            history.day[rows].astype(np.int64), which)


def _ranks(count: np.ndarray) -> np.ndarray:
    """0, 1, ..., n-1 for each n in ``count``, concatenated."""
    ends = np.cumsum(count)
    ranks: np.ndarray = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - count, count)
    return ranks


def _moved(model: Fit, declared: np.ndarray, left_out: Cells, products: list[str]) -> list[Moved]:
    """Per declared pair, the substitute's sales above its own fitted demand on its left-out days."""
    h = model.history
    stores = model.level.shape[1]
    product, store, day, which = left_out
    key = (product * stores + store) * h.days + day
    known = np.unique(key)
    rows = np.flatnonzero(np.isin(h.product, np.unique(declared[:, 1])))
    row_key = (h.product[rows].astype(np.int64) * stores + h.store[rows]) * h.days + h.day[rows]
    found = np.isin(row_key, known)
    sold_at = np.bincount(np.searchsorted(known, row_key[found]), h.sold[rows][found].astype(float),
                          len(known))
    excess = sold_at[np.searchsorted(known, key)] - model.level[product, store] * model.profile[product, day]
    units = np.bincount(which, excess, len(declared))
    days = np.bincount(which, minlength=len(declared))
    return [Moved(products[source], products[substitute], int(days[i]), float(units[i]))
            for i, (source, substitute) in enumerate(declared.tolist())]


def _history(con: duckdb.DuckDBPyConnection, purchases: Sequence[Path], grouped: bool = False
             ) -> tuple[list[str], History]:
    first, last = con.execute("SELECT min(date), max(date) FROM (SELECT date FROM purchases "
                              "UNION ALL SELECT date FROM stock)").fetchone() or (None, None)
    if first is None:
        raise BundleError([Problem(", ".join(map(str, purchases)) or "purchases",
                                   "no dated purchase or stock records")])
    # Products and stores each numbered from their own distinct values (a few thousand groups):
    # the distinct (product, store) pairs of 29 million rows took 12 s.
    con.execute("CREATE TEMP TABLE product_ids AS SELECT product, (row_number() OVER (ORDER BY product)) - 1 "
                "AS idx FROM (SELECT DISTINCT product FROM purchases UNION "
                "SELECT DISTINCT product FROM stock UNION SELECT DISTINCT product FROM requests)")
    con.execute("CREATE TEMP TABLE store_ids AS SELECT store, (row_number() OVER (ORDER BY store)) - 1 "
                "AS idx FROM (SELECT DISTINCT store FROM purchases UNION SELECT DISTINCT store FROM stock)")
    products = [row[0] for row in con.execute("SELECT product FROM product_ids ORDER BY idx").fetchall()]
    (stores,) = con.execute("SELECT count(*) FROM store_ids").fetchone() or (0,)
    days = (last - first).days + 1
    # One integer key per store-product-day, fetched as numbers and merged by sorting (store_days)
    key = f"((p.idx * {stores} + s.idx) * {days} + (date - DATE '{first}'))::BIGINT"
    joined = "JOIN product_ids p USING (product) JOIN store_ids s USING (store)"
    bought = con.execute(f"SELECT {key} AS key, quantity FROM purchases {joined}").fetchnumpy()
    emptied = con.execute(f"SELECT {key} AS key FROM stock {joined} WHERE on_hand = 0").fetchnumpy()
    keys, sold, empty = merged(np.asarray(bought["key"], np.int64), np.asarray(bought["quantity"]),
                               np.asarray(emptied["key"], np.int64))
    del bought, emptied
    product = (keys // max(stores * days, 1)).astype(np.int32)
    store = (keys // days % max(stores, 1)).astype(np.int32)
    day = (keys % days).astype(np.int32)
    del keys
    history = History(len(products), days, first.weekday(), first.timetuple().tm_yday - 1, product, store,
                      day, sold, empty, _groups(con, len(products)) if grouped else None)
    con.execute(f"CREATE TEMP TABLE window_ AS SELECT DATE '{first}' AS first, DATE '{last}' AS last")
    return products, history


def _groups(con: duckdb.DuckDBPyConnection, products: int) -> np.ndarray:
    """Each product's group index; products the groups file does not name form one more group."""
    rows = con.execute("SELECT p.idx, g.\"group\" FROM groups g JOIN product_ids p USING (product) "
                       "ORDER BY 2, 1").fetchall()
    names = {name: i for i, name in enumerate(dict.fromkeys(name for _, name in rows))}
    group = np.full(products, len(names), np.int64)
    for idx, name in rows:
        group[idx] = names[name]
    return group


def _per_product(con: duckdb.DuckDBPyConnection, query: str, products: int, columns: int) -> np.ndarray:
    """A products x columns array from a query returning (idx, value, ...) rows (missing = 0)."""
    values = np.zeros((products, columns))
    for idx, *row in con.execute(query).fetchall():
        values[idx] = [0.0 if value is None else float(value) for value in row]
    return values


def _needs(con: duckdb.DuckDBPyConnection, products: list[str], history: History, forecast: Forecast,
           horizon_days: int, pseudonymiser: Pseudonymiser, k: int, rule: FeedbackRule | None
           ) -> NeedsEstimate:
    n = len(products)
    # Served requests are in the purchases, cancelled ones are no need; an open one older than
    # the horizon is reported, not added (docs/needs.md).
    stale = f"coalesce(date <= w.last - {horizon_days}, false)"
    shortage_days = np.bincount(history.product, history.empty.astype(float), n)
    carried = _carried_stores(history)
    asked = _per_product(con, f"""
        SELECT idx, sum(quantity) FILTER (WHERE state = 'open' AND NOT {stale}),
               sum(quantity) FILTER (WHERE date > w.last - {FOUR_WEEKS}),
               sum(quantity) FILTER (WHERE date <= w.last - {FOUR_WEEKS}
                                       AND date > w.last - {2 * FOUR_WEEKS}),
               sum(quantity) FILTER (WHERE state = 'open' AND {stale})
        FROM requests JOIN product_ids USING (product), window_ w GROUP BY idx""", n, 4)
    stocked = _per_product(con, "SELECT idx, avg(on_hand), count(*) FROM stock JOIN product_ids USING "
                                "(product) WHERE on_hand > 0 GROUP BY idx", n, 2)
    target, adjustments = forecast.quantity.copy(), []
    if rule is not None:
        per_store = forecast.daily_rate / np.maximum(carried, 1)
        for i, product in enumerate(products):
            cover = stocked[i, 0] / per_store[i] if stocked[i, 1] > 0 and per_store[i] > 0 else None
            signals = Signals(shortage_days[i] / max(carried[i] * history.days, 1), asked[i, 1],
                              asked[i, 2], cover)
            target[i], made = rule.adjust(product, float(target[i]), signals, horizon_days)
            adjustments += made
    warnings = []
    if pseudonymiser.ephemeral:
        warnings.append("no COMMONPLAN_PSEUDONYM_KEY set: card and member ids were pseudonymised with a "
                        "key drawn for this run only")
    stale_products = {products[i]: float(asked[i, 3]) for i in np.flatnonzero(asked[:, 3] > 0)}
    if stale_products:
        warnings.append(f"{len(stale_products)} products have open requests older than the horizon "
                        f"({sum(stale_products.values()):g} units, see stale_requests): not added to needs")
    return NeedsEstimate(products, horizon_days, forecast, asked[:, 0], target + asked[:, 0],
                         forecast.low + asked[:, 0], forecast.high + asked[:, 0], shortage_days,
                         adjustments, _people(con, k), warnings, stale=stale_products)


def _carried_stores(history: History) -> np.ndarray:
    """How many stores sold or stocked each product."""
    stores = int(history.store.max(initial=0)) + 1
    seen = np.bincount(history.product.astype(np.int64) * stores + history.store,
                       minlength=history.products * stores) > 0
    carried: npt.NDArray[np.float64] = seen.reshape(history.products, stores).sum(1).astype(np.float64)
    return carried


def _people(con: duckdb.DuckDBPyConnection, k: int) -> People:
    """Distinct pseudonymous cards per product and members waiting, below k withheld."""
    buyers = dict(con.execute("SELECT product, count(DISTINCT person) FROM purchases_people "
                              "GROUP BY product ORDER BY product").fetchall())
    waiting = dict(con.execute("SELECT product, count(DISTINCT person) FROM requests_people "
                               "GROUP BY product ORDER BY product").fetchall())
    shown_buyers, hidden_buyers = suppress_small(buyers, k)
    shown_waiting, hidden_waiting = suppress_small(waiting, k)
    return People(k, shown_buyers, shown_waiting, hidden_buyers + hidden_waiting)



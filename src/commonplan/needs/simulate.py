"""A seeded shopper simulator where the truth is known, for tests and benchmarks.

True demand of product p at store s on day t is Poisson(base_p * scale_sp * season_p(t)), with a
day-of-week cycle, a yearly cycle and a trend; products of one group share the shape of their
cycles.  Each store restocks each product every few days up to a level that is sometimes too low
(stock-outs: the day ends empty; part of the unmet demand moves to the product's declared
substitute, part becomes requests, the rest is lost) and sometimes ample.  Some products are
launched late, some never reach the shelf (known only from requests).  After the history, the
demand of the held-out horizon is drawn too, so intervals can be checked against outcomes.
Named scenarios are in ``commonplan.needs.scenarios``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

START = dt.date(2025, 1, 1)
EVERY_DAY_TO_WEEKLY = (1, 2, 3, 4, 5, 6, 7)
REQUEST_STATES = ("open", "served", "cancelled")


@dataclass(frozen=True)
class Shoppers:
    """The simulated economy: its size, and the knobs of the scenarios (docs/needs.md).

    ``short_share`` of store-products (of products, with ``short_by_product``) are restocked every
    ``short_cycles`` days to ``short_cover`` (a range) of the demand of a cycle, the rest every
    ``cycles`` days to 1.1-2.5 times it.  ``substitute_share`` of products declare a substitute in
    their group, to which ``transfer`` of their unmet demand moves.  ``new_share`` of products are
    launched in the last quarter of the history, ``unlisted_share`` never.  ``groups`` > 0 gives
    products of a group one shape of cycles (0: each product its own).  Requests are
    ``request_share`` of lost units; with ``served_share`` or ``cancelled_share`` they carry a state.
    """

    products: int = 50
    stores: int = 10
    days: int = 365
    rows: int = 100_000
    seed: int = 0
    carried_share: float = 0.8
    request_share: float = 0.05
    start: dt.date = START
    weekly: float = 0.3
    yearly: float = 0.4
    trend: float = 0.1
    groups: int = 0
    cycles: tuple[int, ...] = EVERY_DAY_TO_WEEKLY
    short_share: float = 0.3
    short_by_product: bool = False
    short_cycles: tuple[int, ...] = EVERY_DAY_TO_WEEKLY
    short_cover: tuple[float, float] = (0.3, 0.9)
    substitute_share: float = 0.0
    transfer: float = 0.6
    new_share: float = 0.0
    unlisted_share: float = 0.0
    served_share: float = 0.0
    cancelled_share: float = 0.0


@dataclass(frozen=True)
class Truth:
    """Per product (ids ``products``): true expected demand over the history and over the horizon,
    a draw of the horizon's demand (``outcome``), the share of carried store-days that ended empty,
    its group, its substitute (index, -1 for none), its launch day (0: from the start, ``days``:
    never) and the units that moved to its substitute in the history."""

    products: list[str]
    history: np.ndarray
    horizon: np.ndarray
    horizon_days: int
    empty_share: np.ndarray
    outcome: np.ndarray
    group: np.ndarray
    substitute: np.ndarray
    launch: np.ndarray
    moved: np.ndarray


@dataclass(frozen=True)
class Day:
    """One simulated day: its purchase rows, its stock rows (store-products that ended empty) and
    its request rows."""

    purchases: pa.Table
    stock: pa.Table
    requests: pa.Table


class Simulation:
    """The simulated shops; iterate ``days()`` once for the records, then read ``truth``."""

    def __init__(self, shoppers: Shoppers, horizon_days: int = 365) -> None:
        self.s = shoppers
        self.horizon_days = horizon_days
        self.random = np.random.default_rng(shoppers.seed)
        r, p, n = self.random, shoppers.products, shoppers.stores
        self.product_ids = [f"p{i:05d}" for i in range(p)]
        self.store_ids = [f"s{i:03d}" for i in range(n)]
        self.group = r.integers(0, shoppers.groups, p) if shoppers.groups else np.arange(p)
        self.carried = r.random((p, n)) < shoppers.carried_share
        self.scale = r.lognormal(0.0, 0.3, (p, n)) * self.carried
        self.weekly, self.yearly = self._cycles(p)
        self.trend = r.uniform(-shoppers.trend, shoppers.trend, p)
        popularity = 1 / np.arange(1, p + 1) ** 0.8
        self.base = r.permutation(popularity) * self._calibration(popularity)
        self.cycle, self.cover = self._restocking(p, n)
        self.launch = self._launches(p)
        self.substitute = self._substitutes(p)
        self.history = np.zeros(p)
        self.empty_days = np.zeros(p)
        self.moved = np.zeros(p)

    def _cycles(self, p: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(amplitude, phase) of the weekly and the yearly cycle per product: a group's products share
        their phases and, up to +-20%, their amplitudes."""
        r, s = self.random, self.s
        kinds = max(s.groups, 1) if s.groups else p
        weekly = r.uniform(0, s.weekly, kinds), r.integers(0, 7, kinds)
        yearly = r.uniform(0, s.yearly, kinds), r.uniform(0, 2 * np.pi, kinds)
        jitter = r.uniform(0.8, 1.2, (2, p)) if s.groups else np.ones((2, p))
        return ((weekly[0][self.group] * jitter[0], weekly[1][self.group]),
                (yearly[0][self.group] * jitter[1], yearly[1][self.group]))

    def _restocking(self, p: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Days between deliveries and the share of a cycle's demand delivered, per store-product."""
        r, s = self.random, self.s
        short = r.random(p if s.short_by_product else (p, n)) < s.short_share
        short = np.broadcast_to(short[:, None] if s.short_by_product else short, (p, n))
        cycle = np.where(short, r.choice(s.short_cycles, (p, n)), r.choice(s.cycles, (p, n)))
        cover = np.where(short, r.uniform(*s.short_cover, (p, n)), r.uniform(1.1, 2.5, (p, n)))
        return cycle, cover

    def _launches(self, p: int) -> np.ndarray:
        """The day each product reaches the shelves: 0, late in the history, or never (``days``)."""
        r, s = self.random, self.s
        kind = r.random(p)
        late = r.integers(int(s.days * 0.75), max(int(s.days * 0.95), int(s.days * 0.75) + 1), p)
        return np.where(kind < s.unlisted_share, s.days,
                        np.where(kind < s.unlisted_share + s.new_share, late, 0))

    def _substitutes(self, p: int) -> np.ndarray:
        """Each product's declared substitute (another product of its group that has none), or -1."""
        r = self.random
        substitute = np.full(p, -1)
        wants = np.flatnonzero(r.random(p) < self.s.substitute_share)
        taken = set(wants.tolist())
        for product in wants:
            others = [q for q in np.flatnonzero(self.group == self.group[product]).tolist()
                      if q not in taken and self.launch[q] == 0]
            if others:
                substitute[product] = others[int(r.integers(len(others)))]
        return substitute

    def _calibration(self, popularity: np.ndarray) -> float:
        """The factor on popularity giving about ``rows`` store-days with sales (bisection)."""
        weight = self.scale.sum(1).mean() / self.s.stores
        low, high = 1e-6, 1e3
        for _ in range(60):
            middle = np.sqrt(low * high)
            rows = self.s.days * (1 - np.exp(-middle * np.outer(popularity, np.ones(self.s.stores)) *
                                              self.scale / max(weight, 1e-9) * weight)).sum()
            low, high = (middle, high) if rows < self.s.rows else (low, middle)
        return float(np.sqrt(low * high))

    def season(self, day: int) -> np.ndarray:
        """season_p(t) for every product on day ``day`` (0 = the first day of the history)."""
        date = self.s.start + dt.timedelta(days=day)
        weekly_amplitude, weekly_phase = self.weekly
        yearly_amplitude, yearly_phase = self.yearly
        year_angle = 2 * np.pi * date.timetuple().tm_yday / 365.25
        season: np.ndarray = ((1 + weekly_amplitude * np.cos(2 * np.pi * (date.weekday() - weekly_phase) / 7))
                * (1 + yearly_amplitude * np.sin(year_angle + yearly_phase))
                * (1 + self.trend * day / self.s.days))
        return season

    def days(self) -> Iterator[Day]:
        """The records, one day at a time."""
        r = self.random
        level = np.ceil(self.base[:, None] * self.scale * self.cycle * self.cover)
        on_hand = np.zeros_like(level)
        has = np.flatnonzero(self.substitute >= 0)
        for day in range(self.s.days):
            mean = self.base[:, None] * self.scale * self.season(day)[:, None]
            self.history += mean.sum(1)
            listed = self.carried & (self.launch <= day)[:, None]
            restock = ((day - self.launch[:, None]) % self.cycle == 0) & listed
            on_hand = np.where(restock, np.maximum(on_hand, level), on_hand)
            demand = r.poisson(mean)
            extra = np.zeros_like(demand)
            if len(has):  # shoppers facing an empty shelf take the substitute where it is on the shelf
                target = self.substitute[has]
                unmet = demand[has] - np.minimum(demand[has], on_hand[has])
                moving = r.binomial(unmet.astype(np.int64), self.s.transfer) * listed[target]
                np.add.at(extra, target, moving)
                self.moved[has] += moving.sum(1)
            sold = np.minimum(demand + extra, on_hand)
            unmet = demand + extra - sold
            if len(has):
                unmet[has] -= moving
            on_hand = on_hand - sold
            empty = (on_hand == 0) & listed
            self.empty_days += empty.sum(1)
            lost = r.binomial(np.maximum(unmet, 0).astype(np.int64), self.s.request_share) * self.carried
            yield self._day(day, sold, empty, lost)

    def _day(self, day: int, sold: np.ndarray, empty: np.ndarray, lost: np.ndarray) -> Day:
        date = (self.s.start - dt.date(1970, 1, 1)).days + day
        products, stores = np.nonzero(sold)
        cards = self.random.integers(0, 20 * max(self.s.stores, 1) * 50, len(products))
        has_card = self.random.random(len(products)) < 0.7
        purchases = pa.table({
            "date": pa.array(np.full(len(products), date, np.int32)).cast(pa.date32()),
            "store": pa.array(np.asarray(self.store_ids, object)[stores], pa.string()),
            "product": pa.array(np.asarray(self.product_ids, object)[products], pa.string()),
            "quantity": pa.array(sold[products, stores].astype(np.int32)),
            "card": pa.array(np.where(has_card, cards, 0), mask=~has_card)})
        e_products, e_stores = np.nonzero(empty)
        stock = pa.table({
            "date": pa.array(np.full(len(e_products), date, np.int32)).cast(pa.date32()),
            "store": pa.array(np.asarray(self.store_ids, object)[e_stores], pa.string()),
            "product": pa.array(np.asarray(self.product_ids, object)[e_products], pa.string()),
            "on_hand": pa.array(np.zeros(len(e_products), np.int32))})
        return Day(purchases, stock, self._requests(date, lost))

    def _requests(self, date: int, lost: np.ndarray) -> pa.Table:
        """One request row per store-product with lost units asked for, with a state if wanted."""
        r_products, r_stores = np.nonzero(lost)
        columns = {
            "product": pa.array(np.asarray(self.product_ids, object)[r_products], pa.string()),
            "quantity": pa.array(lost[r_products, r_stores].astype(np.int32)),
            "date": pa.array(np.full(len(r_products), date, np.int32)).cast(pa.date32()),
            "member": pa.array([f"m{i}" for i in self.random.integers(0, 10_000, len(r_products))],
                               pa.string())}
        served, cancelled = self.s.served_share, self.s.cancelled_share
        if served or cancelled:
            states = self.random.choice(3, len(r_products), p=[1 - served - cancelled, served, cancelled])
            columns["state"] = pa.array(np.asarray(REQUEST_STATES, object)[states], pa.string())
        return pa.table(columns)

    def truth(self) -> Truth:
        """The known truth, after ``days()`` has run through."""
        horizon = sum(self.season(day) for day in range(self.s.days, self.s.days + self.horizon_days))
        expected = self.base * self.scale.sum(1) * horizon
        carried = np.maximum((self.carried & (self.launch < self.s.days)[:, None]).sum(1), 1)
        listed_days = carried * np.maximum(self.s.days - self.launch, 1)
        outcome = np.random.default_rng([self.s.seed, 1]).poisson(expected).astype(float)
        return Truth(self.product_ids, self.history.copy(), expected, self.horizon_days,
                     self.empty_days / listed_days, outcome, self.group.copy(), self.substitute.copy(),
                     self.launch.copy(), self.moved.copy())

    def groups_table(self) -> pa.Table:
        """The product groups as records (product, group)."""
        return pa.table({"product": pa.array(self.product_ids, pa.string()),
                         "group": pa.array([f"g{g}" for g in self.group.tolist()], pa.string())})

    def substitutes_table(self) -> pa.Table:
        """The declared substitutes as records (product, substitute)."""
        has = np.flatnonzero(self.substitute >= 0)
        ids = np.asarray(self.product_ids, object)
        return pa.table({"product": pa.array(ids[has], pa.string()),
                         "substitute": pa.array(ids[self.substitute[has]], pa.string())})


def simulate(shoppers: Shoppers, horizon_days: int = 365) -> tuple[pa.Table, pa.Table, pa.Table, Truth]:
    """All records of a small simulation at once (purchases, stock, requests) and the truth."""
    simulation = Simulation(shoppers, horizon_days)
    days = list(simulation.days())
    tables = [pa.concat_tables([getattr(day, name) for day in days])
              for name in ("purchases", "stock", "requests")]
    return tables[0], tables[1], tables[2], simulation.truth()

"""A seeded shopper simulator where the truth is known, for tests and benchmarks.

True demand of product p at store s on day t is Poisson(base_p * scale_sp * season_p(t)), with a
day-of-week cycle, a yearly cycle and a mild trend.  Each store restocks each product every few
days up to a level that is sometimes too low (stock-outs: the day ends empty and the rest of the
demand is lost, some of it turning into requests) and sometimes too high (surplus).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

START = dt.date(2025, 1, 1)


@dataclass(frozen=True)
class Shoppers:
    """The simulated economy's size: products, stores, days of history and purchase rows wanted."""

    products: int = 50
    stores: int = 10
    days: int = 365
    rows: int = 100_000
    seed: int = 0
    carried_share: float = 0.8
    request_share: float = 0.05
    start: dt.date = START


@dataclass(frozen=True)
class Truth:
    """Per product (ids ``products``): true expected demand over the history and over a horizon."""

    products: list[str]
    history: np.ndarray
    horizon: np.ndarray
    horizon_days: int
    empty_share: np.ndarray


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
        self.carried = r.random((p, n)) < shoppers.carried_share
        self.scale = r.lognormal(0.0, 0.3, (p, n)) * self.carried
        self.weekly = r.uniform(0, 0.3, p), r.integers(0, 7, p)
        self.yearly = r.uniform(0, 0.4, p), r.uniform(0, 2 * np.pi, p)
        self.trend = r.uniform(-0.1, 0.1, p)
        popularity = 1 / np.arange(1, p + 1) ** 0.8
        self.base = r.permutation(popularity) * self._calibration(popularity)
        self.cycle = r.integers(1, 8, (p, n))  # deliveries from daily to weekly
        short = r.random((p, n)) < 0.3  # some shelves are chronically short, the rest well stocked
        self.cover = np.where(short, r.uniform(0.3, 0.9, (p, n)), r.uniform(1.1, 2.5, (p, n)))
        self.history = np.zeros(p)
        self.empty_days = np.zeros(p)

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
        return ((1 + weekly_amplitude * np.cos(2 * np.pi * (date.weekday() - weekly_phase) / 7))
                * (1 + yearly_amplitude * np.sin(year_angle + yearly_phase))
                * (1 + self.trend * day / self.s.days))

    def days(self) -> Iterator[Day]:
        """The records, one day at a time."""
        r = self.random
        level = np.ceil(self.base[:, None] * self.scale * self.cycle * self.cover)
        on_hand = level.copy()
        for day in range(self.s.days):
            mean = self.base[:, None] * self.scale * self.season(day)[:, None]
            self.history += mean.sum(1)
            restock = (day % self.cycle) == 0
            on_hand = np.where(restock, np.maximum(on_hand, level), on_hand)
            demand = r.poisson(mean)
            sold = np.minimum(demand, on_hand)
            on_hand = on_hand - sold
            empty = (on_hand == 0) & self.carried
            self.empty_days += empty.sum(1)
            lost = r.binomial((demand - sold).astype(np.int64), self.s.request_share)
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
        r_products, r_stores = np.nonzero(lost)
        requests = pa.table({
            "product": pa.array(np.asarray(self.product_ids, object)[r_products], pa.string()),
            "quantity": pa.array(lost[r_products, r_stores].astype(np.int32)),
            "date": pa.array(np.full(len(r_products), date, np.int32)).cast(pa.date32()),
            "member": pa.array([f"m{i}" for i in self.random.integers(0, 10_000, len(r_products))],
                               pa.string())})
        return Day(purchases, stock, requests)

    def truth(self) -> Truth:
        """The known truth, after ``days()`` has run through."""
        horizon = sum(self.season(day) for day in range(self.s.days, self.s.days + self.horizon_days))
        carried = np.maximum(self.carried.sum(1), 1)
        return Truth(self.product_ids, self.history.copy(), self.base * self.scale.sum(1) * horizon,
                     self.horizon_days, self.empty_days / (carried * self.s.days))


def simulate(shoppers: Shoppers, horizon_days: int = 365) -> tuple[pa.Table, pa.Table, pa.Table, Truth]:
    """All records of a small simulation at once (purchases, stock, requests) and the truth."""
    simulation = Simulation(shoppers, horizon_days)
    days = list(simulation.days())
    tables = [pa.concat_tables([getattr(day, name) for day in days])
              for name in ("purchases", "stock", "requests")]
    return tables[0], tables[1], tables[2], simulation.truth()

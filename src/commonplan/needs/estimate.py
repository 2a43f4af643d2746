"""The estimator: daily demand per product, corrected for censoring, with seasonality and trend.

Model (docs/needs.md): demand of product p at store s on day t is Poisson with mean
a_sp * f_p(t), where f_p(t) = b_p . z(t) is a seasonal profile (day of week, two yearly
harmonics, a linear trend; each only where the history is long enough), fitted by weighted
ridge regression on the product's daily totals, shrunk towards flat when sales are few.
A day that ended with an empty shelf shows only a lower bound c of demand; EM replaces it by
E[D | D >= c] = lambda P(D >= c-1) / P(D >= c) and re-estimates a_sp, then the profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammainc

Z80 = 1.2815515655446004  # the normal quantile of 0.9: a central 80% interval
WEEKLY_DAYS, YEARLY_DAYS, TREND_DAYS = 28, 365, 365
TREND_SPREAD = 0.1  # ridge prior on the trend: about +-10% a year (docs/needs.md)
DRIFT = 0.06  # relative sd per year ahead of a level drift no trend term measures (docs/needs.md)
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class History:
    """Store-product-days of one set of records, as integer-coded arrays.

    ``product``, ``store`` and ``day`` (0 = first day of the history, ``first_weekday`` its ISO
    weekday minus 1, ``first_day_of_year`` its day of the year minus 1) index each store-product-
    day that had sales or ended empty; ``sold`` is what was taken, ``empty`` whether it ended empty.
    """

    products: int
    days: int
    first_weekday: int
    first_day_of_year: int
    product: np.ndarray
    store: np.ndarray
    day: np.ndarray
    sold: np.ndarray
    empty: np.ndarray


@dataclass(frozen=True)
class Forecast:
    """Per product: estimated daily demand over the history, and the horizon's total with its
    80% interval; ``naive`` is the plain sum of sales scaled to the horizon, for comparison."""

    history_demand: np.ndarray
    quantity: np.ndarray
    low: np.ndarray
    high: np.ndarray
    naive: np.ndarray
    daily_rate: np.ndarray


def features(days: np.ndarray, history_days: int, first_weekday: int, first_day_of_year: int
             ) -> np.ndarray:
    """The profile's regressors z(t): 1, day of week (6, where >= 4 weeks of history), two yearly
    harmonics and a trend (both where >= a year: a shorter history cannot tell a trend from a
    season), scaled to about unit size."""
    columns = [np.ones(len(days))]
    if history_days >= WEEKLY_DAYS:
        weekday = (first_weekday + days) % 7
        columns += [(weekday == d).astype(float) - 1 / 7 for d in range(1, 7)]
    if history_days >= YEARLY_DAYS:
        angle = 2 * np.pi * (first_day_of_year + days) / 365.25
        columns += [np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)]
    if history_days >= TREND_DAYS:
        columns.append((days - (history_days - 1) / 2) / history_days)
    return np.column_stack(columns)


def fit_profiles(totals: np.ndarray, exposure: np.ndarray, z: np.ndarray, spread: float = 0.3,
                 trend_spread: float | None = None) -> np.ndarray:
    """Coefficients b_p (products x features) of f_p(t) = b_p . z(t), mean about 1.

    Weighted least squares of the relative rate y_pt = totals/exposure/mean on z, weights the
    inverse Poisson variance, ridge prior N(0, spread^2) on all but the intercept: a product with
    few sales keeps a flat profile.
    """
    rate = totals.sum(1) / np.maximum(exposure.sum(1), 1e-12)
    relative = totals / np.maximum(exposure, 1e-12) / np.maximum(rate, 1e-12)[:, None]
    weight = exposure * rate[:, None]
    pairs = (z[:, :, None] * z[:, None, :]).reshape(len(z), -1)  # z_k z_l per day: one matmul
    normal = (weight @ pairs).reshape(len(weight), z.shape[1], z.shape[1])
    penalty = np.full(z.shape[1], 1 / spread**2)
    penalty[0] = 1e-9
    if trend_spread is not None:  # the trend is the last regressor
        penalty[-1] = 1 / trend_spread**2
    normal += np.diag(penalty)[None]
    right = (weight * relative) @ z
    right[:, 0] += 1e-9  # an unseen product: a flat profile
    return np.linalg.solve(normal, right[..., None])[..., 0]


def _profile(coefficients: np.ndarray, z: np.ndarray) -> npt.NDArray[np.float64]:
    profile: npt.NDArray[np.float64] = np.maximum(coefficients @ z.T, 0.05)
    return profile


def censored_mean(rate: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """E[D | D >= c] for D ~ Poisson(rate): rate P(D >= c-1) / P(D >= c), at least c."""
    mean = np.array(rate, float)  # a shelf empty all day (c = 0) says nothing: E[D] = rate
    seen = np.flatnonzero(floor >= 1)
    c, lam = floor[seen].astype(float), mean[seen]
    above = gammainc(c, lam)
    above_less = np.where(c >= 2, gammainc(np.maximum(c - 1, 1), lam), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = lam * above_less / above
    mean[seen] = np.where(np.isfinite(tail) & (above > 1e-300), np.maximum(tail, c), c)
    return mean


def estimate(history: History, horizon_days: int, *, rounds: int = 4,
             progress: Progress | None = None) -> Forecast:
    """Censoring-corrected demand per product and its forecast over ``horizon_days``."""
    report = progress or (lambda fraction, message: None)
    h = history
    stores = int(h.store.max(initial=0)) + 1
    pairs = h.products * stores  # store-products, indexed product * stores + store
    pair_product = np.arange(pairs) // stores
    z = features(np.arange(h.days), h.days, h.first_weekday, h.first_day_of_year)
    shape, size = (h.products, h.days), h.products * h.days
    # Days that did not end empty are fixed: their totals are summed once, outside the rounds.
    fixed_totals, fixed_pairs = np.zeros(size), np.zeros(pairs)
    index = np.int64 if max(size, pairs) >= 2**31 else np.int32
    cells, pairs_of, floors = [], [], []
    for rows in _chunks(len(h.product)):
        product, day, store, sold = h.product[rows].astype(np.int64), h.day[rows], h.store[rows], h.sold[rows]
        empty = h.empty[rows].astype(bool)
        fixed_totals += np.bincount((product * h.days + day)[~empty], sold[~empty], size)
        fixed_pairs += np.bincount((product * stores + store)[~empty], sold[~empty], pairs)
        cells.append((product * h.days + day)[empty].astype(index))
        pairs_of.append((product * stores + store)[empty].astype(index))
        floors.append(sold[empty])
    cell, pair, floor = np.concatenate(cells), np.concatenate(pairs_of), np.concatenate(floors)
    del cells, pairs_of, floors
    imputed = floor.astype(float)
    for round_ in range(rounds):
        report(0.2 + 0.6 * round_ / rounds, f"censoring correction, round {round_ + 1} of {rounds}")
        totals = (fixed_totals + np.bincount(cell, imputed, size)).reshape(shape)
        pair_level = fixed_pairs + np.bincount(pair, imputed, pairs)
        exposure = np.bincount(pair_product, pair_level, h.products)
        flat = np.broadcast_to(np.maximum(exposure / max(h.days, 1), 1e-12)[:, None], shape)
        coefficients = fit_profiles(totals, np.array(flat), z,
                                    trend_spread=TREND_SPREAD if h.days >= TREND_DAYS else None)
        profile = _profile(coefficients, z)
        level = pair_level / np.maximum(profile.sum(1)[pair_product], 1e-12)
        flat_profile = profile.ravel()
        for rows in _chunks(len(cell)):
            imputed[rows] = censored_mean(level[pair[rows]] * flat_profile[cell[rows]], floor[rows])
    report(0.85, "forecast")
    daily = np.bincount(pair_product, level, h.products)
    history_demand = totals.sum(1)
    future = _profile(coefficients, features(np.arange(h.days, h.days + horizon_days), h.days,
                                             h.first_weekday, h.first_day_of_year))
    quantity = daily * future.sum(1)
    spread = _dispersion(totals, daily[:, None] * profile)
    observed = np.maximum(history_demand, 1.0)
    drift = 0.0 if h.days >= 2 * YEARLY_DAYS else DRIFT * (h.days / 2 + horizon_days / 2) / 365.25
    sd = np.sqrt(spread * quantity + quantity**2 * (spread / observed + drift**2))
    naive = np.bincount(h.product, h.sold.astype(float), h.products) * horizon_days / max(h.days, 1)
    return Forecast(history_demand, quantity, np.maximum(quantity - Z80 * sd, 0.0), quantity + Z80 * sd,
                    naive, daily)


def _chunks(length: int, size: int = 2_000_000) -> list[slice]:
    """Slices of at most ``size`` rows: temporaries stay small on 10^7 store-days."""
    return [slice(start, min(start + size, length)) for start in range(0, length, size)] or [slice(0, 0)]


def _dispersion(totals: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """Per product, the variance of daily totals over their fitted mean (1 for Poisson, at least 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(fitted > 1e-9, (totals - fitted) ** 2 / fitted, 0.0)
    dispersion: npt.NDArray[np.float64] = np.maximum(ratio.mean(1), 1.0)
    return dispersion

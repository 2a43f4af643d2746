"""The estimator: daily demand per product, from a censored Poisson likelihood, with seasonality,
trend and shrinkage toward the product's group.

Model (docs/needs.md, with the derivation): demand of product p at store s on day t is Poisson
with mean mu = a_sp f_p(t), f_p(t) = exp(b_p . z(t)), z(t) centred day-of-week, yearly and trend
terms (no intercept: the level is a_sp).  A day that did not end empty shows its demand; a day that
ended empty after c >= 1 sales shows only D >= c (likelihood P(D >= c)); a day empty with nothing
sold shows nothing.  Priors from the product's group: its total level ~ Gamma(kappa_g, ...) and
b_p ~ N(b_g, diag(s^2)), the spreads s estimated by EM.  The posterior mode is found by Newton's
method, alternating the level step (one variable per store-product) and the profile step (a
common scale and the profile per product, with the groups' centres), until the largest Newton
step is below ``TOLERANCE``.  Everything is vectorised over products.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.special import gammainc, gammaln
from scipy.stats import nbinom

Array = npt.NDArray[np.float64]
WEEKLY_DAYS, YEARLY_DAYS, TREND_DAYS, LONG_DAYS = 28, 365, 365, 730
PROFILE_SPREAD = 0.3  # prior sd of a log-profile coefficient around the group's (docs/needs.md)
# Prior sd of the log change a year, under two years of history and over: where EM starts the
# trend's spread, and the least it may set (docs/needs.md).  Under two years the trend is assumed
# within +-10% a year; 0.1 / sqrt(3) is the sd of a uniform law on that range.  One year cannot
# tell a trend from the yearly harmonics, so this prior is most of what the interval knows of it.
TREND_SPREAD = 0.1 / np.sqrt(3), 0.3
TOLERANCE = 1e-3  # the largest Newton step (log units) at the mode: a tenth of the smallest standard
# error of a level (a product selling 10^6 units a year knows its level to 0.1%), so further rounds
# would move nothing the data can tell
MAX_ROUNDS = 200
SPREAD_TOLERANCE = 1e-2  # the largest relative change of a prior spread at convergence
MAX_SPREAD_ROUNDS = 10  # EM steps of the spreads per Newton round (they go on in the next round)
SPREAD_RANGE = 0.01, 1.0
MAX_STEP = 1.0  # a Newton step is cut to at most this in log units (a safeguard far from the mode)
MIN_REQUESTS = 30  # requests a group needs to have its own ratio of requests to unserved demand
SHRUNK = 0.25  # a product leans on its group when the prior weighs more than this
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class History:
    """Store-product-days of one set of records, as integer-coded arrays.

    ``product``, ``store`` and ``day`` (0 = first day of the history, ``first_weekday`` its ISO
    weekday minus 1, ``first_day_of_year`` its day of the year minus 1) index each store-product-
    day that had sales or ended empty; ``sold`` is what was taken, ``empty`` whether it ended empty.
    ``group`` optionally gives each product's group (index), for shrinkage; None: one group.
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
    group: np.ndarray | None = None


@dataclass(frozen=True)
class Fit:
    """The fitted model: levels a_sp (``level``, products x stores, 0 where not carried), profile
    coefficients b_p, the history's profile f_p(t), the covariance of (log scale, b_p) per
    product, the dispersion, the history's demand per product, which
    products lean on their group, and how the Newton iteration ended."""

    history: History
    level: Array
    coefficients: Array
    profile: Array
    covariance: Array
    dispersion: Array
    history_demand: Array
    shrunk: npt.NDArray[np.bool_]
    rounds: int
    converged: bool
    first_day: np.ndarray
    spreads: Array  # the prior sd of each profile coefficient around its centre, as EM left it


@dataclass(frozen=True)
class Forecast:
    """Per product: estimated demand over the history, and the horizon's total with its 80%
    interval; ``naive`` is the plain sum of sales scaled to the horizon, for comparison;
    ``shrunk``: the estimate leans on the product's group (little history)."""

    history_demand: np.ndarray
    quantity: np.ndarray
    low: np.ndarray
    high: np.ndarray
    naive: np.ndarray
    daily_rate: np.ndarray
    shrunk: np.ndarray


def features(days: np.ndarray, history_days: int, first_weekday: int, first_day_of_year: int
             ) -> Array:
    """The log-profile's regressors z(t), centred, without intercept: day of week (6, where >= 4
    weeks of history), two yearly harmonics and a trend (both where >= a year: a shorter history
    cannot tell a trend from a season)."""
    columns: list[np.ndarray] = []
    if history_days >= WEEKLY_DAYS:
        weekday = (first_weekday + days) % 7
        columns += [(weekday == d).astype(float) - 1 / 7 for d in range(1, 7)]
    if history_days >= YEARLY_DAYS:
        angle = 2 * np.pi * (first_day_of_year + days) / 365.25
        columns += [np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)]
    if history_days >= TREND_DAYS:
        columns.append((days - (history_days - 1) / 2) / history_days)
    return np.column_stack(columns) if columns else np.zeros((len(days), 0))


def _chunks(length: int, size: int = 2_000_000) -> Iterator[slice]:
    """Slices of at most ``size`` rows: temporaries stay small on 10^7 store-days."""
    for start in range(0, length, size):
        yield slice(start, min(start + size, length))


def _bins(index: np.ndarray, weights: np.ndarray, size: int) -> Array:
    """np.bincount with weights, typed as the floats it returns."""
    return np.asarray(np.bincount(index, weights, size), np.float64)


def _gathered_sum(target: np.ndarray, source: np.ndarray, at: np.ndarray, size: int) -> Array:
    """bincount(target, source[at], size), chunk by chunk."""
    total = np.zeros(size)
    for rows in _chunks(len(target)):
        total += np.bincount(target[rows], source[at[rows]], size)
    return total


def censored_terms(mean: np.ndarray, floor: np.ndarray, log_gamma: np.ndarray | None = None
                   ) -> tuple[Array, Array]:
    """Score and information, in eta = log mu, of log P(D >= c) for D ~ Poisson(mu), c >= 1.

    With r = P(D = c-1) / P(D >= c): score g = mu r, information g (mu + g - c) (>= 0: the
    censored Poisson log-likelihood is concave in log mu).  Where P(D >= c) underflows (mu far
    below c), the series P(D >= c) ~ P(D = c) / (1 - mu/(c+1)) gives g ~ c (1 - mu/(c+1)).
    """
    c, mu = floor.astype(float), np.maximum(mean, 1e-300)
    score = np.empty(len(mu))
    # Closed forms for the long tail's floors (no incomplete gamma function): P(D >= 1) =
    # e^-mu (e^mu - 1) gives g = mu / (e^mu - 1); P(D >= 2) = e^-mu (e^mu - 1 - mu) gives
    # g = mu^2 / (e^mu - 1 - mu), by its series below mu = 0.01 (the difference cancels there).
    one, two = c == 1, c == 2
    with np.errstate(over="ignore"):  # e^mu overflows beyond mu = 709: g = 0 there, rightly
        score[one] = mu[one] / np.expm1(mu[one])
        m = mu[two]
        score[two] = np.where(m < 0.01, 2 / (1 + m / 3 + m**2 / 12 + m**3 / 60),
                              m**2 / (np.expm1(m) - m + 1e-300))
    more = np.flatnonzero(~(one | two))
    if len(more):
        score[more] = tail_score(c[more], mu[more], None if log_gamma is None else log_gamma[more])
    information = np.maximum(score * (mu + score - c), 0.0)
    return score, information


def tail_score(c: np.ndarray, mu: np.ndarray, log_gamma: np.ndarray | None) -> Array:
    """mu P(D = c-1) / P(D >= c) from the incomplete gamma function, with its far-tail series."""
    tail = gammainc(c, mu)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_mu = np.log(mu)
        log_pmf = (c - 1) * log_mu - mu - (gammaln(c) if log_gamma is None else log_gamma)
        score = np.exp(log_mu + log_pmf - np.log(tail))
    far = ~np.isfinite(score) | (tail < 1e-250)
    return np.asarray(np.where(far, c * (1 - mu / (c + 1)), score), np.float64)


def censored_mean(rate: np.ndarray, floor: np.ndarray) -> Array:
    """E[D | D >= c] for D ~ Poisson(rate): rate + g, g the score above (rate P(D >= c-1) /
    P(D >= c)), at least c; a shelf empty all day (c = 0) gives the rate."""
    mean = np.array(rate, float)
    seen = np.flatnonzero(floor >= 1)
    score, _ = censored_terms(mean[seen], floor[seen])
    mean[seen] = np.maximum(mean[seen] + score, floor[seen])
    return mean


@dataclass
class _Cells:
    """The history split once: uncensored sums, empty days with nothing sold (missing) and
    empty days with sales (censored, with their floor c and log Gamma(c)), as flat indexes."""

    stores: int
    start: np.ndarray  # first day of each store-product (days: never carried)
    carried: np.ndarray
    sold_pair: Array
    sold_day: Array  # products x days
    missing_pair: np.ndarray
    missing_cell: np.ndarray  # product * days + day
    censored_pair: np.ndarray
    censored_cell: np.ndarray
    floor: Array
    log_gamma: Array
    opening: Array  # per product, what was sold on its first day (left out of the fit)
    first: np.ndarray  # per product, the day of its first record (days: none)


def _cells(h: History, missing: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> _Cells:
    """Split the history, chunk by chunk in 32-bit indexes (10^7 rows stay light); ``missing``
    (product, store, day) are store-days left out on purpose (a substitute's days while its source
    was out: docs/needs.md)."""
    stores = int(h.store.max(initial=0)) + 1
    size, pairs = h.products * h.days, h.products * stores
    index: type[np.signedinteger[Any]] = np.int64 if max(size, pairs) >= 2**31 else np.int32
    carried, recorded = np.zeros(pairs, bool), np.zeros(size, bool)
    for rows in _chunks(len(h.product)):
        product: npt.NDArray[np.signedinteger[Any]] = h.product[rows].astype(index)
        carried[product * stores + h.store[rows]] = True
        recorded[product * h.days + h.day[rows]] = True
    by_day = recorded.reshape(h.products, h.days)  # each product's first and last day with a record
    first = np.where(by_day.any(1), by_day.argmax(1), h.days)
    last = h.days - 1 - by_day[:, ::-1].argmax(1)
    # The first day was chosen by the data (it had a sale): left out unless it is the only one.
    product_start = np.where(last > first, first + 1, first)
    start = np.where(carried, np.repeat(product_start, stores), h.days)
    extra_key, extra_pair, extra_cell = _left_out_cells(h, missing, stores, start)
    opening, sold_pair, sold_day = np.zeros(h.products), np.zeros(pairs), np.zeros(size)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ("mp", "mc", "cp", "cc", "c")}
    for rows in _chunks(len(h.product)):
        product, day = h.product[rows].astype(index), np.asarray(h.day[rows], index)
        pair, cell = product * stores + h.store[rows].astype(index), product * h.days + day
        empty, sold = h.empty[rows].astype(bool), h.sold[rows].astype(float)
        early = day < product_start[product]
        opening += np.bincount(product[early], sold[early], h.products)
        kept = ~early
        if extra_key is not None:
            kept &= ~np.isin(pair.astype(np.int64) * h.days + day, extra_key)
        seen, nothing, some = kept & ~empty, kept & empty & (sold <= 0), kept & empty & (sold > 0)
        sold_pair += np.bincount(pair[seen], sold[seen], pairs)
        sold_day += np.bincount(cell[seen], sold[seen], size)
        for name, values in (("mp", pair[nothing]), ("mc", cell[nothing]), ("cp", pair[some]),
                             ("cc", cell[some]), ("c", np.round(sold[some]))):
            parts[name].append(values)
    floor = np.concatenate(parts["c"])
    return _Cells(stores, start, start < h.days, sold_pair, sold_day.reshape(h.products, h.days),
                  np.concatenate([*parts["mp"], extra_pair.astype(index)]),
                  np.concatenate([*parts["mc"], extra_cell.astype(index)]),
                  np.concatenate(parts["cp"]), np.concatenate(parts["cc"]), floor,
                  np.asarray(gammaln(floor), np.float64), opening, first)


def _left_out_cells(h: History, missing: tuple[np.ndarray, np.ndarray, np.ndarray] | None, stores: int,
                    start: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Keys (pair * days + day) of the store-days left out on purpose, and the (pair, cell) of
    those within each store-product's time on the shelf (they count as missing)."""
    if missing is None or not len(missing[0]):
        return None, np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = np.unique((missing[0].astype(np.int64) * stores + missing[1]) * h.days + missing[2])
    pair, day = key // h.days, key % h.days
    keep = start[pair] <= day
    return key, pair[keep], (pair[keep] // stores) * h.days + day[keep]


def fit(history: History, *, missing: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        progress: Progress | None = None) -> Fit:
    """The posterior mode of the censored model, by block Newton to convergence (docs/needs.md)."""
    report = progress or (lambda fraction, message: None)
    h = history
    cells = _cells(h, missing)
    group = np.zeros(h.products, np.int64) if h.group is None else np.asarray(h.group, np.int64)
    z = features(np.arange(h.days), h.days, h.first_weekday, h.first_day_of_year)
    precision = _profile_precision(z.shape[1], h.days)
    pairs = h.products * cells.stores
    pair_product = np.arange(pairs) // cells.stores
    alpha, beta = _level_prior(h, cells, group, pair_product)
    level = _first_levels(h, cells, alpha, beta)
    coefficients, centre = np.zeros((h.products, z.shape[1])), np.zeros((h.products, z.shape[1]))
    rounds, converged = 0, False
    informed = np.bincount(pair_product, cells.sold_pair, h.products) > 0
    shared = np.ones(z.shape[1], bool)  # coefficients centred on their group's
    if h.days >= TREND_DAYS:  # the trend is centred on none: a group's is as hard to see as a product's
        shared[-1] = False
    floor = np.full(z.shape[1], SPREAD_RANGE[0])
    floor[~shared] = 1 / np.sqrt(precision[~shared])  # the trend: at least its assumed spread
    hierarchy = Hierarchy(group, shared, informed, floor)
    while rounds < MAX_ROUNDS and not converged:
        rounds += 1
        report(0.2 + 0.6 * (1 - 0.8**rounds), f"censored likelihood, Newton round {rounds}")
        profile = np.exp(coefficients @ z.T)
        level, level_step, found = _level_step(h, cells, level, profile, alpha, beta)
        level, coefficients, centre, precision, profile_step, hessian, dispersion = _profile_step(
            h, cells, level, coefficients, centre, z, precision, alpha, beta, hierarchy, found)
        converged = max(level_step, profile_step) < TOLERANCE
    profile = np.exp(coefficients @ z.T)
    demand = _history_demand(h, cells, found)
    shrunk = _shrunk(cells, alpha, pair_product, hessian, precision, h.products)
    return Fit(h, level.reshape(h.products, cells.stores), coefficients, profile,
               _covariance(hessian, precision, hierarchy),
               dispersion, demand, shrunk, rounds, converged, cells.first, 1 / np.sqrt(precision))


@dataclass(frozen=True)
class Hierarchy:
    """Products in groups: each product's group, which profile coefficients are centred on the
    group's (the others on 0), which products sold anything (they inform the spreads) and the
    least spread EM may set for each coefficient."""

    group: np.ndarray
    shared: np.ndarray
    informed: npt.NDArray[np.bool_]
    floor: Array


def _hierarchical_step(hessian: Array, gradient: Array, coefficients: Array, centre: Array,
                       precision: Array, hierarchy: Hierarchy) -> tuple[Array, Array, Array, Array, float]:
    """The Newton step of (log c_p, b_p) and b_g on the quadratic approximation of the likelihood
    (``hessian``, ``gradient``: data and level prior only), with the prior spreads of b re-estimated
    on that approximation by EM (the mean over products with sales of the squared deviation from
    the group plus the posterior variance) until they change by less than SPREAD_TOLERANCE or for
    MAX_SPREAD_ROUNDS.  Returns the step, the centres' step, the precisions, the whole Hessian and
    the last relative change of a spread."""
    change = 0.0
    for _ in range(MAX_SPREAD_ROUNDS):
        whole = hessian.copy()
        whole[:, 1:, 1:] += np.diag(precision)[None]
        pulled = gradient.copy()
        pulled[:, 1:] -= (coefficients - centre) * precision
        step, centre_step, inverse = _joint_step(whole, pulled, coefficients, centre, precision, hierarchy)
        if not coefficients.shape[1] or not hierarchy.informed.any():  # no profile, or nothing sold
            change = 0.0
            break
        variance = np.diagonal(inverse[hierarchy.informed], axis1=1, axis2=2)[:, 1:]
        deviation = (coefficients + step[:, 1:] - centre - centre_step)[hierarchy.informed]
        # The trend's spread never falls below the assumed one (hierarchy.floor): within a year
        # the trend is confounded with the yearly harmonics, and EM's estimate of a spread the
        # data barely identify collapses toward 0 (it drove 0.058 to 0.03 a year, and the 80%
        # interval then claimed a trend the estimates did not have: docs/needs.md).
        spread = np.clip(np.sqrt((deviation**2 + variance).mean(0)), hierarchy.floor, SPREAD_RANGE[1])
        change = float(np.abs(spread * np.sqrt(precision) - 1).max())
        precision = np.asarray(1 / spread**2, float)
        if change < SPREAD_TOLERANCE:
            break
    whole = hessian.copy()
    whole[:, 1:, 1:] += np.diag(precision)[None]
    return step, centre_step, precision, whole, change


def _profile_precision(columns: int, days: int) -> Array:
    """Prior precision of the profile coefficients: the trend (last, with a year) looser."""
    spread = np.full(columns, PROFILE_SPREAD)
    if days >= TREND_DAYS and columns:  # the trend's regressor spans the history: its change over it
        spread[-1] = TREND_SPREAD[days >= LONG_DAYS] * days / 365.25
    return np.asarray(1 / spread**2, float)


def _level_prior(h: History, cells: _Cells, group: np.ndarray, pair_product: np.ndarray
                 ) -> tuple[Array, Array]:
    """(alpha, beta) per store-product: Gamma(kappa_g / n_p, kappa_g / (n_p m_g)) for each of the
    n_p stores of product p, so that its total level is Gamma(kappa_g, kappa_g / (n_p m_g)): kappa_g
    pseudo-units for the product, not per store (per store, they swamped long-tail products).  By
    the method of moments over the group's products with >= 20 units sold: m_g the geometric mean
    of their rates per store-day, 1/kappa_g the variance of their log rates beyond Poisson noise."""
    exposure = np.bincount(pair_product, np.where(cells.carried, h.days - cells.start, 0), h.products)
    units = np.bincount(pair_product, cells.sold_pair, h.products)
    known = (units >= 20) & (exposure > 0)
    groups = int(group.max(initial=0)) + 1
    log_rate = np.log(np.where(known, units, 1) / np.maximum(exposure, 1))
    count = np.bincount(group[known], minlength=groups)
    overall = log_rate[known].mean() if known.any() else 0.0
    mean = np.where(count > 0, np.bincount(group[known], log_rate[known], groups) / np.maximum(count, 1),
                    overall)
    square = np.bincount(group[known], (log_rate - mean[group])[known] ** 2, groups)
    noise = np.bincount(group[known], 1 / units[known], groups)
    spread = np.where(count > 2, (square - noise) / np.maximum(count - 1, 1), 1.0)
    kappa = 1 / np.clip(spread, 0.01, 5.0)
    stores = np.maximum(np.bincount(pair_product, cells.carried, h.products), 1)
    alpha = (kappa[group] / stores)[pair_product]
    return np.asarray(alpha, float), np.asarray(alpha / np.exp(mean[group][pair_product]), float)


def _first_levels(h: History, cells: _Cells, alpha: Array, beta: Array) -> Array:
    """Where Newton starts: per store-product, units sold (the floors of censored days counted
    as they are) over days seen (empty days with nothing sold not counted), with the prior."""
    pairs = len(alpha)
    units = cells.sold_pair + _bins(cells.censored_pair, cells.floor.astype(float), pairs)
    days = np.where(cells.carried, h.days - cells.start, 0) - np.bincount(cells.missing_pair, minlength=pairs)
    return np.where(cells.carried, (units + alpha) / (np.maximum(days, 0) + beta), 0.0)


@dataclass
class _Censored:
    """What one pass over the censored store-days found, at the levels before the level step:
    per cell the score and information (float32: 10^7 cells), per store-product the step taken
    and the expected demand of its censored and its missing days."""

    score: np.ndarray
    information: np.ndarray
    step: Array
    censored_demand: Array
    missing_demand: Array


def _level_step(h: History, cells: _Cells, level: Array, profile: Array, alpha: Array, beta: Array
                ) -> tuple[Array, float, _Censored]:
    """One Newton step in log a_sp for every store-product at once; the largest step; the pass."""
    flat = profile.ravel()
    suffix = np.cumsum(profile[:, ::-1], 1)[:, ::-1]
    pairs = len(level)
    pair_product = np.arange(pairs) // cells.stores
    exposure = np.where(cells.carried, suffix[pair_product, np.minimum(cells.start, h.days - 1)], 0.0)
    missing = _gathered_sum(cells.missing_pair, flat, cells.missing_cell, pairs)
    censored, score, information = np.zeros(pairs), np.zeros(pairs), np.zeros(pairs)
    cell_score = np.zeros(len(cells.censored_pair), np.float32)
    cell_information = np.zeros(len(cells.censored_pair), np.float32)
    for rows in _chunks(len(cells.censored_pair)):
        pair = cells.censored_pair[rows]
        seen = flat[cells.censored_cell[rows]]
        g, i = censored_terms(level[pair] * seen, cells.floor[rows], cells.log_gamma[rows])
        cell_score[rows], cell_information[rows] = g, i
        censored += np.bincount(pair, seen, pairs)
        score += np.bincount(pair, g, pairs)
        information += np.bincount(pair, i, pairs)
    exposure = np.maximum(exposure - missing - censored, 0.0)
    gradient = cells.sold_pair + alpha + score - level * (exposure + beta)
    information += level * (exposure + beta)
    step = np.clip(gradient / np.maximum(information, 1e-300), -MAX_STEP, MAX_STEP)
    step = np.where(cells.carried, step, 0.0)
    found = _Censored(cell_score, cell_information, step, level * censored + score, level * missing)
    return level * np.exp(step), float(np.abs(step).max(initial=0.0)), found


def _profile_step(h: History, cells: _Cells, level: Array, coefficients: Array, centre: Array,
                  z: Array, precision: Array, alpha: Array, beta: Array, hierarchy: Hierarchy,
                  found: _Censored) -> tuple[Array, Array, Array, Array, float, Array, Array]:
    """One Newton step, for every product at once, in (log c_p, b_p): c_p a common factor on the
    product's levels (the direction along which levels and profile trade off, taken jointly so
    the alternation converges in few rounds) and the profile.  Returns the levels and coefficients
    after it, the largest step, the Hessian of the negative log posterior per product and the
    dispersion.  The censored days' terms are those of the level step's pass moved to first order
    by its step (g + i d, exact at convergence): one pass over them per round, not two."""
    size, shape = h.products * h.days, (h.products, h.days)
    z1 = np.column_stack([np.ones(len(z)), z])
    k = z1.shape[1]
    pair_product = np.arange(len(level)) // cells.stores
    profile = np.exp(coefficients @ z.T)
    start_cells = np.where(cells.carried, pair_product * h.days + cells.start, 0)
    exposed = np.cumsum(_bins(start_cells, np.where(cells.carried, level, 0.0), size).reshape(shape), 1)
    exposed -= _gathered_sum(cells.missing_cell, level, cells.missing_pair, size).reshape(shape)
    censored_score, censored_weight = np.zeros(size), np.zeros(size)
    for rows in _chunks(len(cells.censored_pair)):
        cell, pair = cells.censored_cell[rows], cells.censored_pair[rows]
        exposed -= np.bincount(cell, level[pair], size).reshape(shape)
        i = found.information[rows].astype(np.float64)
        censored_score += np.bincount(cell, found.score[rows] + i * found.step[pair], size)
        censored_weight += np.bincount(cell, i, size)
    mean = profile * np.maximum(exposed, 0.0)
    dispersion = _dispersion(cells.sold_day, mean)
    score = cells.sold_day - mean + censored_score.reshape(shape)
    weight = mean + censored_weight.reshape(shape)
    carried_prior = np.where(cells.carried, 1.0, 0.0)
    gradient = score @ z1
    gradient[:, 0] += np.bincount(pair_product, carried_prior * (alpha - beta * level), h.products)
    pairs_z = (z1[:, :, None] * z1[:, None, :]).reshape(len(z1), -1)  # z_k z_l per day: one matmul
    hessian = (weight @ pairs_z).reshape(h.products, k, k)
    hessian[:, 0, 0] += np.bincount(pair_product, carried_prior * beta * level, h.products) + 1e-12
    step, centre_step, precision, hessian, change = _hierarchical_step(hessian, gradient, coefficients,
                                                                       centre, precision, hierarchy)
    scale = np.minimum(1.0, MAX_STEP / np.maximum(np.abs(step).max(1, keepdims=True), 1e-300))
    level = level * np.exp(scale[:, 0] * step[:, 0])[pair_product]
    largest = max(float(np.abs(step).max(initial=0.0)), float(np.abs(centre_step).max(initial=0.0)),
                  change * TOLERANCE / SPREAD_TOLERANCE)  # spreads still moving: not converged
    return (level, coefficients + scale * step[:, 1:], centre + scale * centre_step, precision, largest,
            hessian, dispersion)


def _joint_step(hessian: Array, gradient: Array, coefficients: Array, centre: Array, precision: Array,
                hierarchy: Hierarchy) -> tuple[Array, Array, Array]:
    """The Newton step of every product's (log c_p, b_p) and of its group's centre b_g together
    (the ``shared`` coefficients; the others are centred on 0): eliminating each product's block,
    (n_g P - sum_p P H_p^-1 P) d_g = sum_p P (b_p - b_g) + sum_p P H_p^-1 g_p, then
    d_p = H_p^-1 (g_p + P d_g).  Alternating b_p and b_g instead crawls when the prior is tight.
    Returns both steps and H_p^-1."""
    group, shared = hierarchy.group, hierarchy.shared
    inverse = np.asarray(np.linalg.inv(hessian), np.float64)
    system, members, rows, weights = _group_system(inverse, precision, hierarchy)
    pulled = (inverse @ gradient[..., None])[..., 0]
    right = members @ (weights * ((coefficients - centre)[:, shared] + pulled[:, rows]))
    group_step = np.linalg.solve(system, right[..., None])[..., 0]
    push = np.zeros_like(gradient)
    push[:, rows] = weights * group_step[group]
    step = pulled + (inverse @ push[..., None])[..., 0]
    centre_step = np.zeros_like(centre)
    centre_step[:, shared] = group_step[group]
    return step, centre_step, inverse


def _group_system(inverse: Array, precision: Array, hierarchy: Hierarchy
                  ) -> tuple[Array, sparse.csr_matrix, np.ndarray, Array]:
    """Per group, n_g P - sum_p P H_p^-1 P on the shared coefficients (its inverse is the
    covariance of the group's centre); the group-by-product sum, the shared places, their P."""
    group, shared = hierarchy.group, hierarchy.shared
    rows = 1 + np.flatnonzero(shared)  # the shared coefficients' places in (log c, b)
    weights = precision[shared]
    groups = int(group.max(initial=0)) + 1
    members = sparse.csr_matrix((np.ones(len(group)), (group, np.arange(len(group)))),
                                shape=(groups, len(group)))
    block = weights[None, :, None] * inverse[:, rows][:, :, rows] * weights[None, None, :]
    system = -(members @ block.reshape(len(group), -1)).reshape(groups, len(rows), len(rows))
    system += np.bincount(group, minlength=groups)[:, None, None] * np.diag(weights)[None]
    system += 1e-9 * np.eye(len(rows))[None]
    return np.asarray(system, np.float64), members, rows, weights


def _covariance(hessian: Array, precision: Array, hierarchy: Hierarchy) -> Array:
    """Covariance of each product's (log c_p, b_p), its group's centre estimated too:
    H_p^-1 + M_p S_g^-1 M_p', M_p = H_p^-1 P on the shared places, S_g the group's system.
    Without the second term a product leaning on its group would seem to know its profile
    as well as if the group's were exact."""
    inverse = np.asarray(np.linalg.inv(hessian), np.float64)
    if not hierarchy.shared.any():
        return inverse
    system, _, rows, weights = _group_system(inverse, precision, hierarchy)
    spread = np.linalg.inv(system)[hierarchy.group]
    leaning = inverse[:, :, rows] * weights[None, None, :]
    covariance: Array = inverse + leaning @ spread @ leaning.transpose(0, 2, 1)
    return covariance


def _history_demand(h: History, cells: _Cells, found: _Censored) -> Array:
    """Demand over the history per product: sales on days not empty (and on the first day),
    E[D | D >= c] = mu + g on days that ended empty after sales, the fitted mean on days empty
    with nothing sold (from the last pass, at the mode)."""
    pair_product = np.arange(len(cells.sold_pair)) // cells.stores
    per_pair = cells.sold_pair + found.censored_demand + found.missing_demand
    return _bins(pair_product, per_pair, h.products) + cells.opening


def _shrunk(cells: _Cells, alpha: Array, pair_product: np.ndarray, hessian: Array, precision: Array,
            products: int) -> npt.NDArray[np.bool_]:
    """Products whose level or profile leans on the group: the prior's pseudo-units above SHRUNK of
    all, or the profile's prior precision above SHRUNK of its whole precision (on average)."""
    prior_units = np.bincount(pair_product, np.where(cells.carried, alpha, 0.0), products)
    units = np.bincount(pair_product, cells.sold_pair, products)
    level_leans = prior_units > SHRUNK * (units + prior_units)
    if hessian.shape[1] == 1:
        return np.asarray(level_leans, bool)
    whole = np.diagonal(hessian, axis1=1, axis2=2)[:, 1:]
    profile_leans = (precision[None] / whole).mean(1) > SHRUNK
    return np.asarray(level_leans | profile_leans, bool)


def _dispersion(sold: Array, fitted: Array) -> Array:
    """Per product, the Pearson dispersion of its daily totals on store-days not empty (1 for
    Poisson, at least 1)."""
    used = fitted > 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(used, (sold - fitted) ** 2 / fitted, 0.0)
    dispersion: Array = np.maximum(ratio.sum(1) / np.maximum(used.sum(1), 1), 1.0)
    return dispersion


def forecast(model: Fit, horizon_days: int) -> Forecast:
    """The horizon's demand per product and its 80% interval for the outcome (docs/needs.md):
    negative binomial quantiles with the variance of the Poisson noise (times the dispersion)
    and of the estimated level and profile (the delta method on their covariance)."""
    h = model.history
    z = features(np.arange(h.days, h.days + horizon_days), h.days, h.first_weekday, h.first_day_of_year)
    future = np.exp(model.coefficients @ z.T)
    total_level = model.level.sum(1)
    quantity = total_level * future.sum(1)
    mean_z = (future @ z) / np.maximum(future.sum(1), 1e-300)[:, None]
    gradient = np.column_stack([np.ones(h.products), mean_z])  # of log Q in (log c, b)
    log_variance = np.einsum("pk,pkl,pl->p", gradient, model.covariance, gradient)
    low, high = interval(quantity, model.dispersion * quantity + quantity**2 * log_variance)
    naive = np.bincount(h.product, h.sold.astype(float), h.products) * horizon_days / max(h.days, 1)
    return Forecast(model.history_demand, quantity, low, high, naive, total_level, model.shrunk)


def with_requested(model: Fit, estimate: Forecast, requested: np.ndarray, requested_listed: np.ndarray,
                   horizon_days: int) -> Forecast:
    """The forecast with products never on a shelf, known only from requests, estimated from them.

    In each group (all products where a group has fewer than MIN_REQUESTS), rho = requests per
    unit of demand the censoring correction found unserved, over the products on the shelves
    (``requested_listed``: their requests from their first record on, when the unserved demand
    is estimated; before it, what they lacked is unknown).
    A product with only requests R then needed R / rho over the history, spread by its profile
    (its group's); the interval adds the Poisson uncertainty of R and of the group's requests.
    """
    h = model.history
    listed = model.level.sum(1) > 0
    fresh = ~listed & (requested > 0)
    if not fresh.any():
        return estimate
    group = np.zeros(h.products, np.int64) if h.group is None else np.asarray(h.group, np.int64)
    groups = int(group.max(initial=0)) + 1
    sold = np.bincount(h.product, h.sold.astype(float), h.products)
    unserved = np.where(listed, np.maximum(model.history_demand - sold, 0.0), 0.0)
    asked = np.where(listed, requested_listed, 0.0)
    group_asked, group_unserved = (np.bincount(group, values, groups) for values in (asked, unserved))
    small = group_asked < MIN_REQUESTS
    group_asked = np.where(small, asked.sum(), group_asked)
    group_unserved = np.where(small, unserved.sum(), group_unserved)
    rate = group_asked / np.maximum(group_unserved, 1e-12)
    z = features(np.arange(h.days, h.days + horizon_days), h.days, h.first_weekday, h.first_day_of_year)
    ahead = np.exp(model.coefficients @ z.T).sum(1) / np.maximum(model.profile.sum(1), 1e-12)
    quantity = np.where(fresh, requested / np.maximum(rate[group], 1e-12) * ahead, estimate.quantity)
    log_variance = 1 / np.maximum(requested, 1) + 1 / np.maximum(group_asked[group], 1)
    low, high = interval(quantity, model.dispersion * quantity + quantity**2 * log_variance)
    return replace(estimate, quantity=quantity, low=np.where(fresh, low, estimate.low),
                   high=np.where(fresh, high, estimate.high), shrunk=estimate.shrunk | fresh)


def interval(mean: np.ndarray, variance: np.ndarray) -> tuple[Array, Array]:
    """The central 80% interval of a count with this mean and variance: negative binomial
    quantiles (Poisson where the variance is not above the mean), holding the mean."""
    mean, variance = np.asarray(mean, float), np.asarray(variance, float)
    extra = np.maximum(variance - mean, 1e-9 * np.maximum(mean, 1e-300))
    size = np.maximum(mean, 1e-300) ** 2 / extra
    chance = size / (size + np.maximum(mean, 1e-300))
    low = np.where(mean > 0, nbinom.ppf(0.1, size, chance), 0.0)
    high = np.where(mean > 0, nbinom.ppf(0.9, size, chance), 0.0)
    return np.minimum(low, mean), np.maximum(high, mean)


def estimate(history: History, horizon_days: int, *, progress: Progress | None = None) -> Forecast:
    """Censoring-corrected demand per product and its forecast over ``horizon_days``."""
    return forecast(fit(history, progress=progress), horizon_days)

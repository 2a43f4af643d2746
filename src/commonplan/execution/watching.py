"""Watching many targets at once: the forecast and the alarm of execution.forecast, for every
target in numpy arrays, updated by one pass per period with that period's reports (10^5 targets
reported daily by 10^4 workplaces: bench/watching.py).

:class:`Watch` holds each target's state (the local-level model's m, C, n, S; the CUSUM's C+ and
C-; the moving ranges; what was reported) and :meth:`Watch.update` applies one period's outputs,
NaN where a target was not reported, with exactly the arithmetic of
:func:`execution.forecast.forecast`, element by element, so that each target's figures equal
that function's (a property test checks it to 1e-9 relative). :func:`forecast_many` is the
function's counterpart over a table of outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special, stats

from commonplan.execution.forecast import (
    CUSUM_H,
    CUSUM_K,
    D2,
    DISCOUNT,
    LEVEL,
    MIN_NOISE_CV,
    MR_DF,
    PRIOR_LEVEL_CV,
    PRIOR_NOISE_CV,
    PRIOR_NOISE_DF,
    Z_LIMIT,
    Alarm,
    Forecast,
)


def standardised(residual: np.ndarray, sigma: np.ndarray, df: np.ndarray) -> np.ndarray:
    """execution.forecast.standardised, element by element."""
    t = residual / sigma
    tail = special.ndtri(special.stdtr(df, -np.abs(t)))  # elementwise: as cheap as the distinct-df trick
    return np.asarray(np.clip(np.where(t > 0, -tail, tail), -Z_LIMIT, Z_LIMIT), dtype=float)


class Watch:
    """The watch over targets ``targets`` (positive quantities) to be met over ``periods``
    periods, with the noise per period known from before (``noise_sd`` and ``noise_df``, NaN or
    absent: the guess of execution.forecast)."""

    def __init__(self, targets: np.ndarray, periods: int, *, noise_sd: np.ndarray | None = None,
                 noise_df: np.ndarray | None = None) -> None:
        targets = np.asarray(targets, dtype=float)
        if targets.ndim != 1 or not (np.isfinite(targets).all() and (targets > 0).all()) or periods < 1:
            raise ValueError("targets are positive quantities over at least one period")
        self.targets, self.periods = targets, periods
        size = len(targets)
        self.plan = plan = targets / periods
        self.m, self.c = plan.copy(), (PRIOR_LEVEL_CV * plan) ** 2
        self.n, self.s = np.ones(size), (PRIOR_NOISE_CV * plan) ** 2
        self.upper, self.lower = np.zeros(size), np.zeros(size)
        self.reported, self.count = np.zeros(size), np.zeros(size, dtype=np.int64)
        self.elapsed = 0
        sd = np.full(size, np.nan) if noise_sd is None else np.asarray(noise_sd, dtype=float)
        df = np.full(size, np.nan) if noise_df is None else np.asarray(noise_df, dtype=float)
        given = np.isfinite(sd) & np.isfinite(df)
        prior_sd = np.where(given, sd, PRIOR_NOISE_CV * plan)
        self.pseudo = np.where(given, df, PRIOR_NOISE_DF) / MR_DF
        self.ranges = self.pseudo * prior_sd * D2
        self.previous = np.full(size, np.nan)
        self.z = np.full(size, np.nan)  # the last period's standardised residuals (NaN: not reported)

    def update(self, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply one period's ``outputs`` (NaN: not reported); the targets whose alarm it raised
        (indices), for each whether its output is below plan, and the CUSUM that passed H."""
        if self.elapsed >= self.periods:
            raise ValueError(f"{self.elapsed + 1} periods reported of {self.periods}")
        y = np.asarray(outputs, dtype=float)
        self.elapsed += 1
        self.z[:] = np.nan
        r = self.c / DISCOUNT
        given = np.flatnonzero(~np.isnan(y))
        if len(given) < len(y):
            self.c = r  # the missing ones only widen C; the given ones are overwritten below
        if not len(given):
            return given, np.zeros(0, dtype=bool), np.zeros(0)
        y, r, plan = y[given], r[given], self.plan[given]
        count = self.count[given]
        known = self.pseudo[given] + np.maximum(count - 1, 0)
        sigma = self.ranges[given] / known / D2
        z = standardised(y - plan, np.maximum(sigma, MIN_NOISE_CV * plan), MR_DF * known)
        self.z[given] = z
        previous = self.previous[given]
        self.ranges[given] += np.where(np.isnan(previous), 0.0, np.abs(y - previous))
        self.previous[given] = y
        upper = np.maximum(0.0, self.upper[given] + z - CUSUM_K)
        lower = np.maximum(0.0, self.lower[given] - z - CUSUM_K)
        alarm = (upper > CUSUM_H) | (lower > CUSUM_H)
        below = lower[alarm] > CUSUM_H
        statistic = np.maximum(upper, lower)[alarm]
        self.upper[given] = np.where(alarm, 0.0, upper)
        self.lower[given] = np.where(alarm, 0.0, lower)
        s, n, m = self.s[given], self.n[given], self.m[given]
        q = r + s
        e = y - m
        a = r / q
        n_next = n + 1
        s_next = np.maximum(s + s / n_next * (e * e / q - 1), 1e-12 * plan * plan)
        self.m[given] = m + a * e
        self.c[given] = s_next / s * (r - a * a * q)
        self.n[given], self.s[given] = n_next, s_next
        self.reported[given] += y
        self.count[given] = count + 1
        return given[alarm], below, statistic

    def forecasts(self) -> dict[str, np.ndarray]:
        """Each target's fulfilment forecast with its interval, level and level's standard
        deviation (as execution.forecast.Forecast)."""
        h = (self.periods - self.count).astype(float)
        w = self.c * (1 - DISCOUNT) / DISCOUNT
        variance = h * h * self.c + w * h * (h + 1) * (2 * h + 1) / 6 + h * self.s
        distinct, at = np.unique(self.n, return_inverse=True)  # targets reported alike share their quantile
        spread = stats.t.ppf(0.5 + LEVEL / 2, df=distinct)[at] * np.sqrt(np.maximum(variance, 0.0))
        expected = self.reported + h * self.m
        return {"fulfilment": expected / self.targets, "low": (expected - spread) / self.targets,
                "high": (expected + spread) / self.targets, "level": self.m.copy(),
                "level_sd": np.sqrt(self.c)}


def forecast_many(targets: Sequence[float], periods: int, outputs: np.ndarray, *,
                  noise_sd: np.ndarray | None = None, noise_df: np.ndarray | None = None) -> list[Forecast]:
    """execution.forecast.forecast for each target at once: ``outputs`` has a row per period
    elapsed and a column per target (NaN: no report)."""
    table = np.asarray(outputs, dtype=float).reshape(-1, len(targets))
    if len(table) > periods:
        raise ValueError(f"{len(table)} periods reported of {periods}")
    watch = Watch(np.asarray(targets, dtype=float), periods, noise_sd=noise_sd, noise_df=noise_df)
    alarms: list[list[Alarm]] = [[] for _ in targets]
    for index, row in enumerate(table):
        raised, below, statistics = watch.update(row)
        for target, low, statistic in zip(raised.tolist(), below.tolist(), statistics.tolist(), strict=True):
            alarms[target].append(Alarm(index, below=bool(low), statistic=float(statistic)))
    figures = watch.forecasts()
    return [Forecast(float(figures["fulfilment"][i]), float(figures["low"][i]), float(figures["high"][i]),
                     float(figures["level"][i]), float(figures["level_sd"][i]), float(watch.reported[i]),
                     int(watch.count[i]), int(watch.periods - watch.count[i]), tuple(alarms[i]))
            for i in range(len(targets))]


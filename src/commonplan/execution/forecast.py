"""Watching a target: from a workplace's reports of one output, period by period, a forecast of
the target's fulfilment at the end of the execution period with an interval, updated with each
report, and an alarm when the output breaks away from the plan.

**Forecast** (West and Harrison, *Bayesian Forecasting and Dynamic Models*, 2nd ed., ch. 2 and
4.3: the local-level dynamic linear model with a discount factor and the observation variance
learned, in the manner of Harrison and Stevens's Cyberstride). The output of period t is
``y_t = mu_t + v_t``, ``mu_t = mu_{t-1} + w_t``, with ``v_t ~ N(0, V)`` and V unknown
(normal/inverse-gamma, n_t degrees of freedom, point estimate S_t). The prior level is the
plan's: the target spread evenly over the execution's periods, p = T / N, with
``C_0 = (PRIOR_LEVEL_CV p)^2`` and ``S_0 = (PRIOR_NOISE_CV p)^2`` on ``n_0 = 1`` degree of
freedom. Each period, ``R_t = C_{t-1} / DISCOUNT`` (so ``W_t = C_{t-1} (1 - d) / d``);
a missing report leaves m and S and only widens C. With a report: ``Q = R + S``, ``e = y - m``,
``A = R / Q``, ``n' = n + 1``, ``S' = S + (S / n')(e^2 / Q - 1)``, ``m' = m + A e``,
``C' = (S' / S)(R - A^2 Q)``.

The periods not reported (to come, or missing: unknown, not nothing), h of them, sum to
``h m`` in expectation with variance ``h^2 C + W h (h + 1)(2h + 1) / 6 + h S`` (the level's
uncertainty, its future steps, the periods' noise); the fulfilment forecast is (reported so far
+ that sum) / T, its interval Student-t with n degrees of freedom at :data:`LEVEL`.

**Alarm** (Page's two-sided tabular CUSUM, Montgomery, *Introduction to Statistical Quality
Control*, 9.1): on the standardised residual ``z_t = (y_t - p) / sigma_t`` of each report
against the plan, where sigma_t is the noise of the reports before it estimated from their
moving ranges (the mean of |y_i - y_{i-1}| over 1.128, Montgomery 6.4: a shift of level moves
one range only, so the scale is not inflated by what it must detect), the prior guess
``PRIOR_NOISE_CV p`` until two ranges are known, and never below ``MIN_NOISE_CV p``;
``C+_t = max(0, C+_{t-1} + z_t - K)``, ``C-_t = max(0, C-_{t-1} - z_t - K)``, an alarm
when either passes H (then both restart at 0). K = 0.5 is the textbook reference for a shift
of one sigma; H = 5.5 rather than the textbook 5, because sigma is estimated from the reports
(bench/detection.py measures the false-alarm rate and the delays, docs/execution.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

DISCOUNT = 0.9  # how fast the level may move: W_t = C_{t-1} (1 - d) / d
PRIOR_LEVEL_CV = 0.25  # the prior level's standard deviation, as a share of the planned output per period
PRIOR_NOISE_CV = 0.1  # the prior guess of a period's noise, as a share of the planned output per period
LEVEL = 0.9  # the forecast interval's probability
CUSUM_K = 0.5  # the reference value, in sigmas: half the shift to detect
CUSUM_H = 5.5  # the decision interval, in sigmas (5 for a known sigma; an estimated one needs more)
MIN_NOISE_CV = 0.001  # the least noise the alarm assumes, as a share of the planned output per period
D2 = 1.128  # the mean range of two standard normal draws (a moving range's bias)


@dataclass(frozen=True)
class Alarm:
    """An alarm at the report of period ``index`` (0-based): the output is ``below`` or above plan."""

    index: int
    below: bool
    statistic: float


@dataclass(frozen=True)
class Forecast:
    """A target's forecast after the reports so far: the fulfilment expected at the end of the
    execution (1 = the target met) with its interval, the level (output per period) with its
    standard deviation, how much was reported in how many periods, and the alarms."""

    fulfilment: float
    low: float
    high: float
    level: float
    level_sd: float
    reported: float
    periods_reported: int
    periods_left: int
    alarms: tuple[Alarm, ...]


def forecast(target: float, periods: int, outputs: Sequence[float | None]) -> Forecast:
    """The forecast of a target of ``target`` over ``periods`` periods from the ``outputs``
    reported so far, one per period elapsed in order (None: no report); a ValueError when the
    target is not positive or more periods are given than there are."""
    if not (math.isfinite(target) and target > 0) or periods < 1:
        raise ValueError(f"a target is a positive quantity over at least one period, not {target} "
                         f"over {periods}")
    if len(outputs) > periods:
        raise ValueError(f"{len(outputs)} periods reported of {periods}")
    plan = target / periods
    m, c = plan, (PRIOR_LEVEL_CV * plan) ** 2
    n, s = 1.0, (PRIOR_NOISE_CV * plan) ** 2
    upper = lower = 0.0
    alarms: list[Alarm] = []
    reported = 0.0
    count = 0
    ranges, previous = 0.0, None
    for index, given in enumerate(outputs):
        r = c / DISCOUNT
        if given is None:
            c = r
            continue
        y = float(given)
        sigma = ranges / (count - 1) / D2 if count >= 3 else PRIOR_NOISE_CV * plan
        z = (y - plan) / max(sigma, MIN_NOISE_CV * plan)
        if previous is not None:
            ranges += abs(y - previous)
        previous = y
        upper, lower = max(0.0, upper + z - CUSUM_K), max(0.0, lower - z - CUSUM_K)
        if upper > CUSUM_H or lower > CUSUM_H:
            alarms.append(Alarm(index, below=lower > CUSUM_H, statistic=max(upper, lower)))
            upper = lower = 0.0
        q = r + s
        e = y - m
        a = r / q
        n_next = n + 1
        s_next = max(s + s / n_next * (e * e / q - 1), 1e-12 * plan * plan)
        m, c = m + a * e, s_next / s * (r - a * a * q)
        n, s = n_next, s_next
        reported += y
        count += 1
    h = periods - count  # the periods to come and those whose report is missing: forecast, not zero
    w = c * (1 - DISCOUNT) / DISCOUNT
    variance = h * h * c + w * h * (h + 1) * (2 * h + 1) / 6 + h * s
    spread = float(stats.t.ppf(0.5 + LEVEL / 2, df=n)) * math.sqrt(max(variance, 0.0))
    expected = reported + h * m
    return Forecast(float(expected / target), float((expected - spread) / target),
                    float((expected + spread) / target), float(m), math.sqrt(c), float(reported), count, h,
                    tuple(alarms))

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
Control*, 9.1): on the standardised residual of each report against the plan,
``C+_t = max(0, C+_{t-1} + z_t - K)``, ``C-_t = max(0, C-_{t-1} - z_t - K)``, an alarm when
either passes H (then both restart at 0). The noise sigma_t is estimated from the reports before
t by their moving ranges (mean |y_i - y_{i-1}| over d2 = 1.128, Montgomery 6.4: a shift of level
moves one range only, so the scale is not inflated by what it must detect), pooled with a prior:
the noise carried over from before (:class:`Noise`, e.g. an earlier round's reports of the same
target) or else the guess ``PRIOR_NOISE_CV p`` worth :data:`PRIOR_NOISE_DF` degrees of freedom;
a mean of r moving ranges is worth about ``MR_DF r`` degrees of freedom (Cryer and Ryan 1990),
so the prior counts as ``df / MR_DF`` ranges. Since sigma_t is an estimate on nu_t degrees of
freedom, ``(y_t - p) / sigma_t`` is close to Student-t, not normal; it is mapped to the normal
quantile of the same probability, ``z_t = Phi^-1(F_t(nu_t)((y_t - p) / sigma_t))`` (the
self-starting CUSUM in Hawkins's manner, *Technometrics* 1987), so that in control z_t is
close to standard normal from the first report on and the run lengths are those the
Markov-chain method computes (execution.runlength). K = 0.5 is the reference for a shift of one
sigma; H = 5.3 gives a two-sided in-control ARL of 630 reports (the issue asks for 500: a
margin for the estimate's approximations) at a median delay of 10 reports for a 1-sigma shift and
4 for 2 sigmas (docs/execution.md has the derivation, bench/detection.py the measurements).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import special, stats

DISCOUNT = 0.9  # how fast the level may move: W_t = C_{t-1} (1 - d) / d
PRIOR_LEVEL_CV = 0.25  # the prior level's standard deviation, as a share of the planned output per period
PRIOR_NOISE_CV = 0.1  # the prior guess of a period's noise, as a share of the planned output per period
LEVEL = 0.9  # the forecast interval's probability
CUSUM_K = 0.5  # the reference value, in sigmas: half the shift to detect
CUSUM_H = 5.3  # the decision interval, in sigmas: two-sided ARL0 630 by the Markov-chain method
MIN_NOISE_CV = 0.001  # the least noise the alarm assumes, as a share of the planned output per period
D2 = 1.128  # the mean range of two standard normal draws (a moving range's bias)
MR_DF = 0.62  # degrees of freedom per moving range of a mean moving range (Cryer and Ryan 1990)
PRIOR_NOISE_DF = 1.0  # what the guess PRIOR_NOISE_CV p is worth, in degrees of freedom
Z_LIMIT = 40.0  # |z| at most (any |z| > H + K signals at once; beyond, the normal quantile underflows)


@dataclass(frozen=True)
class Noise:
    """A target's noise per period known from before (e.g. the moving ranges of an earlier
    round's reports of it): its standard deviation ``sd`` and the degrees of freedom ``df`` of
    that estimate (about 0.62 per moving range)."""

    sd: float
    df: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sd) and self.sd > 0 and math.isfinite(self.df) and self.df > 0):
            raise ValueError(f"a noise is a positive standard deviation on positive degrees of freedom, "
                             f"not {self.sd} on {self.df}")


def standardised(residual: float, sigma: float, df: float) -> float:
    """The residual over sigma (an estimate on ``df`` degrees of freedom) as a standard normal
    figure of the same probability: ``Phi^-1(F_t(df)(residual / sigma))``, within +-Z_LIMIT."""
    t = residual / sigma
    z = -float(special.ndtri(special.stdtr(df, -t))) if t > 0 else float(special.ndtri(special.stdtr(df, t)))
    return min(max(z, -Z_LIMIT), Z_LIMIT)


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


def forecast(target: float, periods: int, outputs: Sequence[float | None], *,
             noise: Noise | None = None) -> Forecast:
    """The forecast of a target of ``target`` over ``periods`` periods from the ``outputs``
    reported so far, one per period elapsed in order (None: no report), the alarm's noise pooled
    with ``noise`` when known from before; a ValueError when the target is not positive or more
    periods are given than there are."""
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
    prior_sd, prior_df = (noise.sd, noise.df) if noise else (PRIOR_NOISE_CV * plan, PRIOR_NOISE_DF)
    pseudo = prior_df / MR_DF  # the prior as so many moving ranges of its mean
    ranges, previous = pseudo * prior_sd * D2, None
    for index, given in enumerate(outputs):
        r = c / DISCOUNT
        if given is None:
            c = r
            continue
        y = float(given)
        known = pseudo + max(count - 1, 0)  # moving ranges so far, the prior's included
        sigma = ranges / known / D2
        z = standardised(y - plan, max(sigma, MIN_NOISE_CV * plan), MR_DF * known)
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

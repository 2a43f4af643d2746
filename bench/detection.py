"""Benchmark: how soon the alarm of execution.forecast sees a break from plan, and how often it
cries wolf (issue 16, Targets: ARL0 >= 500 in-control reports per false alarm, a 1-sigma shift
seen in at most 10 reports in median and a 2-sigma one in at most 4, at least 4 times faster than
a Shewhart 3-sigma rule on 1-sigma shifts, in the same run), beside what the Markov-chain method
predicts (execution.runlength).

    python bench/detection.py [--runs 2000] [--seed 2026] [--quick]

Simulated reports of one target: y_t = p + sigma e_t with e_t standard normal, p the planned
output per period (10, sigma 1). Each series is one target of execution.watching.Watch (the
vectorised forecast and alarm, equal to execution.forecast.forecast target by target), all runs
at once. In control: ``--runs`` series of 500 reports; ARL0 = reports / false alarms, with a 95%
interval (the false alarms as a Poisson count). Shifts: ``--runs`` series each, 20 reports on
plan then a step of -1 or -2 sigma, or a drift of -0.1 sigma per report, for 300 more; the delay
is the number of reports from the first shifted one to the first alarm after it (300 when none
comes). Two ways to know sigma: **learned** from the reports alone (the prior guess 0.1 p on 1
degree of freedom, then the moving ranges: a first round), and **carried over** from an earlier
round of 52 reports of the target (its moving-range estimate on 0.62 x 51 degrees of freedom,
pooled with this round's). A Shewhart individuals rule (|z_t| > 3, on the same standardised
residuals) runs on the same series. Exit 1 when a target is missed (carried over: all of them;
learned: ARL0 and 2 sigma; the 1-sigma figures of a first round are printed for what they are).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import stats

from commonplan.execution import forecast as watched
from commonplan.execution import runlength
from commonplan.execution.watching import Watch

PLAN, SIGMA, BEFORE, AFTER, LENGTH, EARLIER = 10.0, 1.0, 20, 300, 500, 52


def alarms(series: np.ndarray, noise: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """For series (runs x reports): where the CUSUM and where the Shewhart rule signal."""
    runs, periods = series.shape
    sd, df = noise if noise is not None else (None, None)
    watch = Watch(np.full(runs, PLAN * periods), periods, noise_sd=sd, noise_df=df)
    cusum = np.zeros(series.shape, dtype=bool)
    shewhart = np.zeros(series.shape, dtype=bool)
    for t in range(periods):
        raised, _, _ = watch.update(series[:, t])
        cusum[raised, t] = True
        shewhart[:, t] = np.abs(watch.z) > 3
    return cusum, shewhart


def carried(rng: np.random.Generator, runs: int) -> tuple[np.ndarray, np.ndarray]:
    """Each run's sigma as an earlier round of EARLIER reports estimated it."""
    earlier = PLAN + SIGMA * rng.standard_normal((runs, EARLIER))
    sd = np.abs(np.diff(earlier, axis=1)).mean(axis=1) / watched.D2
    return sd, np.full(runs, watched.MR_DF * (EARLIER - 1))


def delays(signals: np.ndarray) -> np.ndarray:
    after = signals[:, BEFORE:]
    return np.where(after.any(axis=1), after.argmax(axis=1) + 1, AFTER)


def arl0(false: int, reports: int) -> tuple[float, float, float]:
    """ARL0 and its 95% interval, the false alarms taken as a Poisson count."""
    low = stats.chi2.ppf(0.025, 2 * false) / 2 if false else 0.0
    high = stats.chi2.ppf(0.975, 2 * false + 2) / 2
    return reports / max(false, 1), reports / high, reports / low if low else float("inf")


def predicted(shape: np.ndarray) -> tuple[int, int, float]:
    left = runlength.survival(watched.CUSUM_H, watched.CUSUM_K, list(shape), warmup=BEFORE)
    return runlength.quantile(left, 0.5), runlength.quantile(left, 0.9), float(1 + left.sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="200 runs (a smoke test)")
    options = parser.parse_args()
    runs = 200 if options.quick else options.runs
    rng = np.random.default_rng(options.seed)
    h, k = watched.CUSUM_H, watched.CUSUM_K
    print(f"CUSUM K = {k}, H = {h}, two-sided; residuals standardised by sigma from moving ranges "
          f"(prior {watched.PRIOR_NOISE_CV} p on {watched.PRIOR_NOISE_DF} df, or carried over), mapped "
          f"through Student-t to normal; {runs} runs, seed {options.seed}")
    print(f"Markov chain (Brook-Evans, {runlength.STATES} states): ARL0 "
          f"{runlength.arl_two_sided(h, k):,.0f}; "
          f"Shewhart 3 sigma ARL0 {1 / (2 * stats.norm.sf(3)):.0f}, 1 sigma mean delay "
          f"{1 / (stats.norm.sf(2) + stats.norm.cdf(-4)):.1f}")
    ok = True
    shapes = {"1 sigma step": -np.ones(AFTER), "2 sigma step": -2 * np.ones(AFTER),
              "drift 0.1 sigma/report": -0.1 * np.arange(1, AFTER + 1)}
    for how in ("learned", "carried over"):
        series = PLAN + SIGMA * rng.standard_normal((runs, LENGTH))
        cusum, shewhart = alarms(series, carried(rng, runs) if how == "carried over" else None)
        measured, low, high = arl0(int(cusum.sum()), series.size)
        print(f"[sigma {how}] in control: {series.size:,} reports, CUSUM {int(cusum.sum())} false alarms, "
              f"ARL0 {measured:,.0f} (95% {low:,.0f} to {high:,.0f}); Shewhart ARL0 "
              f"{series.size / max(int(shewhart.sum()), 1):,.0f}")
        ok &= measured >= 500
        figures = {}
        for name, shape in shapes.items():
            noise = SIGMA * rng.standard_normal((runs, BEFORE + AFTER))
            steps = np.concatenate([np.zeros((runs, BEFORE)), np.tile(shape, (runs, 1))], axis=1)
            shifted = PLAN + noise + steps
            cusum, shewhart = alarms(shifted, carried(rng, runs) if how == "carried over" else None)
            ours, theirs = delays(cusum), delays(shewhart)
            median, p90, mean = predicted(-shape)
            figures[name] = (float(np.median(ours)), float(np.mean(theirs) / np.mean(ours)))
            print(f"  {name}: CUSUM delay median {np.median(ours):.0f}, p90 {np.percentile(ours, 90):.0f}, "
                  f"mean {np.mean(ours):.1f} (Markov chain: {median}, {p90}, {mean:.1f}); Shewhart "
                  f"median {np.median(theirs):.0f}, p90 {np.percentile(theirs, 90):.0f}, mean "
                  f"{np.mean(theirs):.1f}; Shewhart / CUSUM, means {np.mean(theirs) / np.mean(ours):.1f}")
        ok &= figures["2 sigma step"][0] <= 4
        if how == "carried over":
            ok &= figures["1 sigma step"][0] <= 10 and figures["1 sigma step"][1] >= 4
    print("targets met" if ok else "TARGET MISSED (ARL0 >= 500, 1 sigma <= 10, 2 sigma <= 4, >= 4x Shewhart)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: how soon the alarm of execution.forecast sees a break from plan, and how often it
cries wolf (issue 16, Targets: ARL0 >= 500 in-control reports per false alarm, a 1-sigma shift
seen in at most 10 reports in median and a 2-sigma one in at most 4, at least 4 times faster than
a Shewhart 3-sigma rule on 1-sigma shifts, in the same run).

    python bench/detection.py [--runs 400] [--seed 2026] [--quick]

Simulated reports of one target: y_t = p + sigma e_t with e_t standard normal, p the planned
output per period (10, sigma 1). In control: ``--runs`` series of 500 reports; false alarms per
report give ARL0 = reports / false alarms. Shifts: ``--runs`` series each, 20 reports on plan
then a step of -1 or -2 sigma, or a drift of -0.1 sigma per report, for 500 more; the delay is
the number of reports from the first shifted one to the first alarm after it (a series whose
alarm never comes counts as 500, rare enough not to bias the means). The same series go
through the CUSUM of execution.forecast and through a Shewhart individuals rule (an alarm when
|y_t - p| > 3 sigma_t, with the same moving-range estimate of sigma), so the ratio of their mean
delays (ARL1, the textbook's comparison) is measured on the same data. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from commonplan.execution import forecast as watched

PLAN, SIGMA, BEFORE, AFTER = 10.0, 1.0, 20, 500


def cusum_alarms(series: np.ndarray) -> list[int]:
    periods = len(series)
    return [alarm.index for alarm in watched.forecast(PLAN * periods, periods, list(series)).alarms]


def shewhart_alarms(series: np.ndarray) -> list[int]:
    """Indices where |y - p| > 3 sigma, sigma estimated from the moving ranges before (as the
    CUSUM does)."""
    found, ranges = [], 0.0
    for index, y in enumerate(series):
        sigma = ranges / (index - 1) / watched.D2 if index >= 3 else watched.PRIOR_NOISE_CV * PLAN
        if abs(y - PLAN) > 3 * max(sigma, watched.MIN_NOISE_CV * PLAN):
            found.append(index)
        if index:
            ranges += abs(y - series[index - 1])
    return found


def delay(alarms: list[int]) -> int:
    after = [index for index in alarms if index >= BEFORE]
    return after[0] - BEFORE + 1 if after else AFTER


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="100 runs (a smoke test)")
    options = parser.parse_args()
    runs = 100 if options.quick else options.runs
    rng = np.random.default_rng(options.seed)
    print(f"CUSUM K = {watched.CUSUM_K}, H = {watched.CUSUM_H} (sigma from moving ranges, prior "
          f"{watched.PRIOR_NOISE_CV} p, floor {watched.MIN_NOISE_CV} p); forecast discount "
          f"{watched.DISCOUNT}; {runs} runs, seed {options.seed}")
    false_cusum = false_shewhart = 0
    for _ in range(runs):
        series = PLAN + SIGMA * rng.standard_normal(500)
        false_cusum += len(cusum_alarms(series))
        false_shewhart += len(shewhart_alarms(series))
    reports = runs * 500
    arl0 = reports / max(false_cusum, 1)
    print(f"in control: {reports:,} reports, CUSUM {false_cusum} false alarms (ARL0 {arl0:,.0f}), "
          f"Shewhart {false_shewhart} (ARL0 {reports / max(false_shewhart, 1):,.0f})")
    ok = arl0 >= 500
    medians = {}
    for name, shape in (("1 sigma step", lambda t: -1.0 * SIGMA * np.ones_like(t)),
                        ("2 sigma step", lambda t: -2.0 * SIGMA * np.ones_like(t)),
                        ("drift 0.1 sigma/report", lambda t: -0.1 * SIGMA * (t + 1))):
        cusum, shewhart = [], []
        for _ in range(runs):
            shifted = shape(np.arange(AFTER, dtype=float))
            noise = SIGMA * rng.standard_normal(BEFORE + AFTER)
            series = PLAN + noise + np.concatenate([np.zeros(BEFORE), shifted])
            cusum.append(delay(cusum_alarms(series)))
            shewhart.append(delay(shewhart_alarms(series)))
        medians[name] = (float(np.median(cusum)), float(np.mean(cusum)), float(np.mean(shewhart)))
        print(f"{name}: CUSUM delay median {np.median(cusum):.0f}, 90th percentile "
              f"{np.percentile(cusum, 90):.0f}, mean (ARL1) {np.mean(cusum):.1f}; Shewhart median "
              f"{np.median(shewhart):.0f}, 90th percentile {np.percentile(shewhart, 90):.0f}, mean "
              f"{np.mean(shewhart):.1f}; Shewhart / CUSUM, means {np.mean(shewhart) / np.mean(cusum):.1f}, "
              f"medians {np.median(shewhart) / np.median(cusum):.1f}")
    ok &= medians["1 sigma step"][0] <= 10 and medians["2 sigma step"][0] <= 4
    ratio = medians["1 sigma step"][2] / medians["1 sigma step"][1]  # ARL1s: the textbook comparison
    ok &= ratio >= 4
    print("targets met" if ok else "TARGET MISSED (ARL0 >= 500, 1 sigma <= 10, 2 sigma <= 4, >= 4x Shewhart)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: watching at scale (issue 16, Targets: 10^4 workplaces reporting daily on 10^5
targets, forecasts and detection updated in at most 30 s per day of reports on 2 cores).

    python bench/watching.py [--workplaces 10000] [--outputs 10] [--days 60] [--seed 2026]

A synthetic adopted plan: ``--workplaces`` workplaces, each making ``--outputs`` products of its
own (10^5 output targets) from 3 inputs, each input named from one supplier (a product another
workplace makes), carried out by execution.simulation over ``--days`` daily periods with noise
0.05 and faults at random times (per 1,000 workplaces: 5 breakdowns to half for 5 days, 1
shortfall of 30% for 5 days, 2 drifts of 1% a day; each reaches the users of what fell short).
Each day's outputs are applied to an execution.watching.Watch over all targets at once (the
forecast of each target's fulfilment with its interval, and the CUSUM), then every target's
forecast is read. Printed: the time per day of reports (median and slowest over the days),
beside the floor: a bare numpy pass over the same arrays (the residual over a fixed sigma and a
two-sided CUSUM, no forecast), and the ratio; and, for scale, execution.forecast.forecast target
by target on a sample of 1,000 targets, extrapolated to all. Exit 1 when a day takes more than
30 s.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from commonplan.execution.forecast import CUSUM_H, CUSUM_K, forecast
from commonplan.execution.plans import WorkplacePlan
from commonplan.execution.simulation import Fault, FaultKind, simulate
from commonplan.execution.watching import Watch


def synthetic_plans(workplaces: int, outputs: int, rng: np.random.Generator) -> list[WorkplacePlan]:
    plans = []
    for w in range(workplaces):
        made = {f"p{w}-{k}": float(rng.uniform(50, 500)) * 60 for k in range(outputs)}
        suppliers = rng.choice(workplaces - 1, size=3, replace=False)
        suppliers = np.where(suppliers >= w, suppliers + 1, suppliers)
        inputs = {f"p{s}-{rng.integers(outputs)}": float(rng.uniform(10, 100)) * 60 for s in suppliers}
        plans.append(WorkplacePlan(f"W{w}", outputs=made, inputs=inputs,
                                   suppliers={product: {f"W{product[1:].split('-')[0]}": quantity}
                                              for product, quantity in inputs.items()},
                                   labour={"labour": float(rng.uniform(100, 1000)) * 60}))
    return plans


def synthetic_faults(plans: list[WorkplacePlan], days: int, rng: np.random.Generator) -> list[Fault]:
    def start() -> int:
        return int(rng.integers(5, days - 5))

    n = len(plans)
    breakdowns, shortfalls, drifts = n // 200, n // 1000, n // 500
    workplaces = rng.choice(n, size=breakdowns + shortfalls + drifts, replace=False)
    faults = [Fault(FaultKind.BREAKDOWN, start(), 0.5, plans[w].producer, periods=5)
              for w in workplaces[:breakdowns]]
    faults += [Fault(FaultKind.SHORTFALL, start(), 0.3, product=next(iter(plans[w].outputs)), periods=5)
               for w in workplaces[breakdowns:breakdowns + shortfalls]]
    faults += [Fault(FaultKind.DRIFT, start(), 0.01, plans[w].producer)
               for w in workplaces[breakdowns + shortfalls:]]
    return faults


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workplaces", type=int, default=10_000)
    parser.add_argument("--outputs", type=int, default=10)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    began = time.perf_counter()
    plans = synthetic_plans(options.workplaces, options.outputs, rng)
    faults = synthetic_faults(plans, options.days, rng)
    simulation = simulate(plans, faults, periods=options.days, plan_periods=options.days, noise=0.05,
                          seed=options.seed)
    targets = np.array([plans[w].outputs[product] for w, product in simulation.output_rows])
    print(f"{options.workplaces:,} workplaces, {len(targets):,} targets, {options.days} days, {len(faults)} "
          f"faults; simulated in {time.perf_counter() - began:.1f} s")

    watch = Watch(targets, options.days)
    days, alarms = [], 0
    for t in range(options.days):
        start = time.perf_counter()
        raised, _, _ = watch.update(simulation.outputs[t])
        figures = watch.forecasts()
        days.append(time.perf_counter() - start)
        alarms += len(raised)
    assert np.isfinite(figures["fulfilment"]).all()
    hit = int((simulation.outputs < 0.8 * targets / options.days).any(axis=0).sum())

    plan = targets / options.days
    sigma = 0.05 * plan
    upper, lower = np.zeros(len(targets)), np.zeros(len(targets))
    floors = []
    for t in range(options.days):
        start = time.perf_counter()
        z = (simulation.outputs[t] - plan) / sigma
        upper = np.maximum(0.0, upper + z - CUSUM_K)
        lower = np.maximum(0.0, lower - z - CUSUM_K)
        signal = (upper > CUSUM_H) | (lower > CUSUM_H)
        upper[signal] = lower[signal] = 0.0
        floors.append(time.perf_counter() - start)

    sample = rng.choice(len(targets), size=min(1000, len(targets)), replace=False)
    start = time.perf_counter()
    for row in sample:
        forecast(float(targets[row]), options.days, simulation.outputs[:, row].tolist())
    one_by_one = (time.perf_counter() - start) / len(sample) * len(targets)

    median, slowest, floor = float(np.median(days)), max(days), float(np.median(floors))
    print(f"per day of reports: median {median:.3f} s, slowest {slowest:.3f} s (target 30 s); floor (bare "
          f"numpy CUSUM pass) {floor:.4f} s; ratio {median / floor:.0f}x; {alarms:,} alarms in "
          f"{options.days} days ({hit:,} targets below 80% of plan on some day: faults spread to the "
          f"users of what fell short); forecast() target by target for all {len(targets):,} at day "
          f"{options.days}: "
          f"{one_by_one:.0f} s (from a sample of {len(sample)})")
    return 0 if slowest <= 30 else 1


if __name__ == "__main__":
    sys.exit(main())

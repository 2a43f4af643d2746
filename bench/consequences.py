"""Benchmark: the consequences of a day's alarms through the adopted plan, and their rank (issue
16, item 3; the issue's target: forecasts, detection and ranking of a day of reports of 10^4
workplaces on 10^5 targets within 30 s on 2 cores).

    python bench/consequences.py [--products 100000] [--workplaces 10000] [--alarms 200] [--seed 2026]
                                 [--workers 1]

The economy is ``commonplan generate``'s (economy.synthetic: 20 inputs per product, 5% of products
with a second technique, needs in three tiers), its techniques dealt to ``--workplaces``
producers in turn; the plan is the gross requirements of every need (analysis.requirements),
every tier met. ``--alarms`` alarms (a CUSUM's false-alarm rate of one per 500 reports on 10^5
targets is 200 a day) each cap one workplace's technique at a fraction of plan drawn from 0.5 to
0.98. Timed: the plan's structure (execution.consequences.structure, once per round: the
application keeps it), then, for the day, every alarm's consequence (Leontief rationing to its
fixpoint, the tiers' hours at risk, the workplaces hit) and the sort by rank, in ``--workers``
processes forked with the structure (each alarm is independent). The floor, in the
same run, is one sparse product of the plan's input matrix with a vector per alarm (the least a
method reading the whole structure could cost); the figure is how many such products an alarm
costs. Prints the load average before and after.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import sys
import time

import numpy as np
import pyarrow as pa

from commonplan.analysis.requirements import gross_requirements
from commonplan.economy.synthetic import generate
from commonplan.execution.consequences import (
    Consequence,
    Structure,
    consequence,
    deliveries_by_tier,
    rank_key,
    shortfall_cap,
    structure,
)

TARGET_SECONDS = 30.0  # the budget for a whole day (forecasts and detection included)
_shared: dict[str, Structure] = {}  # the plan, in a forked worker


def _one(cap: np.ndarray) -> Consequence:
    return consequence(_shared["plan"], cap)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workplaces", type=int, default=10_000)
    parser.add_argument("--alarms", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=1, help="processes (the issue's target: 2 cores)")
    options = parser.parse_args()
    print(f"load average before: {[round(value, 2) for value in os.getloadavg()]}")
    economy = generate(options.products, seed=options.seed)
    producers = pa.array([f"W{t % options.workplaces}" for t in range(len(economy.techniques))])
    economy = dataclasses.replace(economy, techniques=dataclasses.replace(economy.techniques,
                                                                          producers=producers))
    activity = gross_requirements(economy).activity
    tiers = sorted({int(tier) for tier in economy.needs.priorities})
    deliveries, tier_numbers = deliveries_by_tier(economy.needs, dict.fromkeys(tiers, 1.0),
                                                  len(economy.products))
    started = time.perf_counter()
    plan = structure(economy, activity, deliveries, tier_numbers)
    built = time.perf_counter() - started
    print(f"economy: {len(economy.products):,} products, {len(economy.techniques):,} techniques, "
          f"{plan.uses.nnz:,} inputs in the plan, {options.workplaces:,} workplaces, tiers {tier_numbers}; "
          f"structure (once per round) {built:.2f} s")
    rng = np.random.default_rng(options.seed)
    running = np.flatnonzero(plan.made > 0)
    chosen = rng.choice(running, size=options.alarms, replace=True)
    fractions = rng.uniform(0.5, 0.98, size=options.alarms)
    caps = [shortfall_cap(plan, plan.names[plan.producers[t]], int(plan.outputs[t]), float(f))
            for t, f in zip(chosen, fractions, strict=True)]
    started = time.perf_counter()
    if options.workers > 1:
        _shared["plan"] = plan
        with multiprocessing.get_context("fork").Pool(options.workers) as pool:
            results = pool.map(_one, caps, chunksize=max(1, len(caps) // (4 * options.workers)))
    else:
        results = [consequence(plan, cap) for cap in caps]
    ranked = sorted(range(len(results)), key=lambda k: rank_key(results[k]))
    day = time.perf_counter() - started
    vector = np.ones(plan.uses.shape[1])
    started = time.perf_counter()
    for _ in range(options.alarms):
        plan.uses @ vector
    floor = time.perf_counter() - started
    rounds = [result.rounds for result in results]
    reach = [result.products_short for result in results]
    print(f"a day of {options.alarms} alarms in {options.workers} process(es): consequences and rank in "
          f"{day:.2f} s "
          f"({1000 * day / options.alarms:.0f} ms an alarm; fixpoint rounds median {np.median(rounds):.0f}, "
          f"max {max(rounds)}; products short median {np.median(reach):,.0f})")
    print(f"floor, one sparse product per alarm in one process: {floor:.3f} s; the day costs "
          f"{day / floor:.0f} times it")
    top = results[ranked[0]]
    print(f"gravest: tier {top.first_tier}, {top.hours:,.0f} hours at risk, "
          f"{top.workplaces_hit:,} workplaces hit")
    print(f"against the day's budget of {TARGET_SECONDS:.0f} s (shared with forecasts and detection): "
          f"{100 * day / TARGET_SECONDS:.0f}% used by the ranking")
    print(f"load average after: {[round(value, 2) for value in os.getloadavg()]}")
    return 0 if day <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

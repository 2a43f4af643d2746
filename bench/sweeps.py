"""Benchmark: a sweep of plan variants on a local Dask cluster against the same plans run alone.

    PYTHONPATH=src python bench/sweeps.py [--products 10000] [--scenarios 32] [--workers 2]
                                          [--method lp] [--seed 0] [--save figures.json]

Issue 18's target: 32 plan variants of a 10^4-product economy as a Dask sweep on a local
cluster of 2 workers take at most 1.2 times the sum of their single runs divided by 2.

It generates an economy (``commonplan.economy.synthetic.generate``: about 20 inputs per product,
5% of products with an alternative technique, limits of labour and resources, capacities on 5%
of techniques) and a grid of scenarios: every finite capacity scaled from 0.7 to 1.3 in
``--scenarios`` steps (``commonplan sweep --capacities 0.7:1.3:32``). Then, in this one run:

1. **single runs**: each scenario planned alone in this process (``app.sweeps.run_scenario``,
   the task a worker runs), one after another, each timed; their sum is the floor's numerator;
2. **the sweep**: the local cluster ``commonplan sweep`` starts (``app.sweeps.local_cluster``:
   ``--workers`` processes of one thread each, no statistical profiler) is started
   (its start timed apart: a cluster serves many sweeps; its workers import the planner as they
   start, ``--preload commonplan.app.sweeps`` as docs/deploy.md runs them), then ``app.sweeps.sweep`` on it is
   timed from the call to the last outcome: scattering the economy, one task per scenario,
   gathering.

It prints the sum of the single runs, the sweep's time, the ratio sweep / (sum / workers)
(target at most 1.2), the CPU time of the single runs and of the sweep's tasks (what the plans
cost, whatever else the machine runs), the largest difference between a sweep's outcome and the same scenario
run alone, and the load average before and after (the machine is shared).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # as the command line does: plans are single-threaded

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

TARGET_RATIO = 1.2


def difference(one: dict, other: dict) -> float:
    """The largest absolute difference of fulfilment and relative difference of hours."""
    tiers = max((abs(one["fulfilment"][k] - other["fulfilment"][k]) for k in one["fulfilment"]), default=0.0)
    hours = abs(one["labour_hours"] - other["labour_hours"]) / max(abs(other["labour_hours"]), 1.0)
    return max(tiers, hours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--scenarios", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", default="lp")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path)
    arguments = parser.parse_args()
    console = Console(width=140)

    from commonplan.app.sweeps import Cluster, local_cluster, run_scenario, sweep
    from commonplan.economy.synthetic import generate
    from commonplan.planning.sweeps import Span, grid

    load_before = os.getloadavg()
    economy = generate(arguments.products, seed=arguments.seed)
    scales = Span(0.7, 1.3, arguments.scenarios).values
    scenarios = grid(methods=[arguments.method], capacity=scales)
    console.print(f"[dim]{arguments.products:,} products, {economy.inputs.nnz:,} inputs; "
                  f"{len(scenarios)} scenarios (capacities x{scales[0]:g} to x{scales[-1]:g}), "
                  f"method {arguments.method}[/dim]")

    singles, alone = [], []
    for scenario in scenarios:
        start = time.perf_counter()
        alone.append(run_scenario(economy, scenario).document())
        singles.append(time.perf_counter() - start)
    total = sum(singles)
    single_cpu = sum(outcome["cpu_seconds"] for outcome in alone)
    console.print(f"[dim]single runs: {total:.1f} s in all "
                  f"({min(singles):.2f} to {max(singles):.2f} s)[/dim]")

    start = time.perf_counter()
    with local_cluster(Cluster(workers=arguments.workers, dashboard=":0")) as cluster:
        startup = time.perf_counter() - start
        start = time.perf_counter()
        result = sweep(economy, scenarios, cluster=Cluster(cluster.scheduler_address))
        swept = time.perf_counter() - start
    load_after = os.getloadavg()
    outcomes = [outcome.document() for outcome in result.outcomes]
    largest = max(difference(ours, theirs) for ours, theirs in zip(outcomes, alone, strict=True))
    failed = sum(1 for outcome in result.outcomes if outcome.error is not None)
    ratio = swept / (total / arguments.workers)
    sweep_cpu = sum(outcome["cpu_seconds"] or 0.0 for outcome in outcomes)

    table = Table(title=f"{len(scenarios)} plan variants of a {arguments.products:,}-product economy "
                        f"on a local Dask cluster of {arguments.workers} workers")
    for column in ("sum of single runs", f"sum / {arguments.workers}", "sweep", "ratio", "target",
                   "cluster start", "CPU: single runs / tasks", "largest difference", "failed",
                   "load average before / after"):
        table.add_column(column, justify="right")
    table.add_row(f"{total:.1f} s", f"{total / arguments.workers:.1f} s", f"{swept:.1f} s", f"{ratio:.2f}",
                  f"<= {TARGET_RATIO}", f"{startup:.1f} s", f"{single_cpu:.1f} s / {sweep_cpu:.1f} s",
                  f"{largest:.1e}", str(failed),
                  f"{load_before[0]:.1f} / {load_after[0]:.1f}")
    console.print(table)
    if arguments.save:
        arguments.save.write_text(json.dumps({
            "products": arguments.products, "scenarios": len(scenarios), "workers": arguments.workers,
            "method": arguments.method, "single_seconds": singles, "sum_seconds": total,
            "sweep_seconds": swept, "ratio": ratio, "single_cpu_seconds": single_cpu,
            "sweep_task_cpu_seconds": sweep_cpu, "cluster_start_seconds": startup,
            "largest_difference": largest, "failed": failed,
            "load_average": [load_before[0], load_after[0]]}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Benchmark: multi-period plans with investment (`commonplan plan --periods T --json`) against
HiGHS on the whole LP of all periods, measured in the same run.

    python bench/periods.py [--sizes 1000 10000] [--periods 10] [--floor-sizes 1000]
                            [--floor-timeout 600] [--save figures.json]

For each size it generates an economy as ``commonplan generate`` does, with example capital
tables (``synthetic_capital``: every capped technique can be expanded with 1-3 goods, lag 1 or 2,
5% depreciation; needs grow 2% and labour 1% a period), writes both to a temporary folder and
times the whole command ``commonplan plan DIR --periods T --json`` as a subprocess (read,
check, solve by column generation period by period, print JSON): wall time and peak memory.

The floor is HiGHS on the whole LP of all periods (``plan_periods(..., engine="whole")``: the
generic solve, HiGHS's simplex by default), as a child process reading the same bundle, killed
after ``--floor-timeout`` seconds.  Where it finishes, the table prints the gap between the two
(the largest difference of a tier's least fulfilment over periods, and of the labour hours,
relative), and for our plan always the largest infeasibility: the largest violation of any
constraint of any period (net output short of the needs and investment goods, a limit or a
capacity exceeded), relative to the flows of its row.  Targets (issue 19): 10^4 products over
10 periods in at most 60 s, 10^5 in at most 5 minutes, to a relative gap of 1e-6.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pa_csv
from rich.console import Console
from rich.table import Table

from labour_values import MiB, commonplan_executable, run

TARGETS = {10_000: 60.0, 100_000: 300.0}


def write_periods_bundle(products: int, folder: Path) -> dict:
    """A generated economy and its example capital tables; its description."""
    from commonplan.economy.bundle import write_bundle
    from commonplan.economy.synthetic import generate
    from commonplan.planning.capital import capital_tables, synthetic_capital

    economy = generate(products)
    capital = synthetic_capital(economy)
    write_bundle(economy, folder, format="csv")
    for name, table in capital_tables(economy, capital).items():
        pa_csv.write_csv(table, folder / f"{name}.csv")
    return {"products": products, "techniques": len(economy.techniques),
            "inputs": int(economy.inputs.nnz), "invested": len(capital.invested)}


def largest_infeasibility(plans: object) -> float:
    """The largest violation of any row of any period, relative to the flows of its row."""
    from commonplan.planning.period_result import PeriodPlans

    assert isinstance(plans, PeriodPlans)
    worst = 0.0
    for s, plan in enumerate(plans.plans):
        problem, x = plan.problem, plan.activity
        goods = plans.capital.goods[problem.produced]
        left = problem.net @ x - goods @ plans.investment[s]
        flows = abs(problem.net) @ x + goods @ plans.investment[s]
        needed = problem.required(plan.fulfilment)
        worst = max(worst, float(np.max((needed - left) / np.maximum(np.maximum(flows, needed), 1e-300),
                                        initial=0.0)))
        used = problem.use @ x
        worst = max(worst, float(np.max((used - problem.available) / np.maximum(problem.available, 1e-300),
                                        initial=0.0)))
        capped = np.isfinite(plans.capacity[s])
        over = (x[capped] - plans.capacity[s][capped]) / np.maximum(plans.capacity[s][capped], 1e-300)
        worst = max(worst, float(np.max(over, initial=0.0)), float(np.max(-x, initial=0.0)))
    return worst


def child_solve(bundle: str, periods: int, engine: str) -> None:
    """Read the bundle, plan ``periods`` periods with ``engine``; print figures as JSON."""
    from commonplan.economy.bundle import read_bundle
    from commonplan.planning.capital import read_capital
    from commonplan.planning.periods import plan_periods

    economy = read_bundle(bundle).economy
    capital = read_capital(bundle, economy)
    start = time.perf_counter()
    plans = plan_periods(economy, None, periods, capital, engine=engine)
    print(json.dumps({"solve_seconds": time.perf_counter() - start,
                      "least": plans.least_fulfilment.tolist(), "hours": plans.labour_hours,
                      "infeasibility": largest_infeasibility(plans), "warnings": plans.warnings}))


def timed(command: list[str], timeout: float | None) -> dict | None:
    try:
        result = run(command, stdout_to_null=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return {"seconds": result.seconds, "peak": result.peak, "stdout": result.stdout}


def measure(products: int, periods: int, floor: bool, timeout: float, console: Console) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "economy"
        figures = write_periods_bundle(products, bundle)
        console.print(f"[dim]{products:,} products: {figures['inputs']:,} inputs, "
                      f"{figures['techniques']:,} techniques, {figures['invested']:,} expandable[/dim]")
        command = timed([commonplan_executable(), "plan", str(bundle), "--periods", str(periods),
                         "--json"], None)
        assert command is not None
        document = json.loads(command["stdout"])
        figures.update(periods=periods, seconds=command["seconds"], peak=command["peak"],
                       least=document["least_fulfilment"], hours=document["total_labour_hours"],
                       warnings=document["warnings"])
        me = [sys.executable, __file__, "--child", str(bundle), "--periods", str(periods)]
        ours = timed([*me, "--engine", "columns"], None)
        assert ours is not None
        figures["columns"] = json.loads(ours["stdout"])
        if floor:
            whole = timed([*me, "--engine", "whole"], timeout)
            figures["whole"] = None if whole is None else {
                "seconds": whole["seconds"], "peak": whole["peak"], **json.loads(whole["stdout"])}
    return figures


def report(results: list[dict], timeout: float, console: Console) -> None:
    table = Table(title="commonplan plan --periods --json (column generation) against HiGHS on "
                        "the whole LP")
    for column in ("products x periods", "whole command", "peak", "target", "solve",
                   "HiGHS whole LP", "ratio", "gap least / hours", "infeasibility", "least"):
        table.add_column(column, justify="right")
    for f in results:
        whole, ours = f.get("whole", "not run"), f["columns"]
        if whole == "not run":
            floor, ratio, gap = "not run", "", ""
        elif whole is None:
            floor, ratio, gap = f"> {timeout:.0f} s", f"> {timeout / f['seconds']:.1f}x", ""
        else:
            floor = f"{whole['seconds']:.1f} s"
            ratio = f"{whole['seconds'] / f['seconds']:.1f}x"
            least = max((abs(a - b) for a, b in zip(ours["least"], whole["least"], strict=True)),
                        default=0.0)
            gap = f"{least:.1e} / {abs(ours['hours'] - whole['hours']) / max(whole['hours'], 1e-300):.1e}"
        target = TARGETS.get(f["products"]) if f["periods"] == 10 else None
        table.add_row(f"{f['products']:,} x {f['periods']}", f"{f['seconds']:.1f} s",
                      f"{f['peak'] / MiB:,.0f} MiB", f"{target:.0f} s" if target else "",
                      f"{ours['solve_seconds']:.1f} s", floor, ratio, gap,
                      f"{ours['infeasibility']:.1e}",
                      ", ".join(f"{k}: {v:.4f}" for k, v in f["least"].items()))
    console.print(table)
    console.print(f"[dim]{platform.machine()}, {os.cpu_count()} cores, load average "
                  f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}[/dim]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--floor-sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--floor-timeout", type=float, default=600.0)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="columns", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child_solve(arguments.child, arguments.periods, arguments.engine)
        return
    console = Console(width=180)
    results = [measure(n, arguments.periods, n in arguments.floor_sizes, arguments.floor_timeout,
                       console) for n in arguments.sizes]
    report(results, arguments.floor_timeout, console)
    if arguments.save:
        arguments.save.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

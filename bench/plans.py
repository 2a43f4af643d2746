"""Benchmark: exact plans (`commonplan plan --json`) at 10^3..10^5 products, against linprog.

    python bench/plans.py [--sizes 1000 5000 10000 100000] [--baseline-sizes 1000 5000]
                          [--baseline-timeout 600] [--save figures.json]

For each size it generates an economy as ``commonplan generate`` does (about 20 inputs per
product, 5% of products with an alternative technique, three priority tiers, limits of labour
and resources at 80-95% of what all needs take, capacities on 5% of techniques), writes it
to a temporary folder and times the whole command ``commonplan plan DIR --json`` as a
subprocess: wall time, CPU seconds (user and system) and peak resident memory (from wait4,
as ``labour_values.py`` does).  Targets (issue 19): 10^4 products in at most 3 s, 10^5 in
at most 30 s.

The floor, in the same run and a child process of its own: reading the bundle and one bare
sparse solve of the same economy (the least-labour choice delivering every need, to the
precision the plan's solves use, 1e-13), the least any exact plan must do; the table gives
the command's time over it.

The baseline is scipy.optimize.linprog(method="highs") on the same model, the whole LP over
every technique, solved in SPEC's order (each tier in turn, then labour), also as a whole
command reading the same bundle, at the sizes where it finishes within the timeout.  The
fulfilment of both must agree to 1e-6 and the labour hours to 1e-6 relative.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from labour_values import MiB, Run, commonplan_executable, run, write_economy

TARGETS = {10_000: 3.0, 100_000: 30.0}


def child_floor(bundle: str) -> None:
    """Read the bundle, then solve the least-labour choice for every need once; print the
    seconds of each as JSON."""
    import time

    import numpy as np

    from commonplan.analysis.values import least_cost
    from commonplan.economy.bundle import read_bundle
    from commonplan.economy.choice import technique_system
    from commonplan.economy.leontief import leontief_solve
    from commonplan.economy.productive import productive_choice
    from commonplan.planning.problem import planning_problem

    start = time.perf_counter()
    economy = read_bundle(bundle).economy
    read = time.perf_counter() - start
    problem = planning_problem(economy)
    system = technique_system(economy)
    certificate = productive_choice(system)
    assert certificate is not None
    choice = least_cost(system, system.labour, certificate.choice).choice
    demand = np.zeros(len(choice))
    demand[problem.produced] = problem.demand.sum(axis=0)
    start = time.perf_counter()
    leontief_solve(system.chosen(choice), demand, transpose=True, tol=1e-13)
    print(json.dumps({"read": read, "solve": time.perf_counter() - start}))


def child_linprog(bundle: str) -> None:
    """Read the bundle and plan it with scipy.optimize.linprog; print the result as JSON."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import linprog

    from commonplan.economy.bundle import read_bundle
    from commonplan.planning.problem import planning_problem

    problem = planning_problem(read_bundle(bundle).economy)
    tiers, _ = problem.demand.shape
    techniques = len(problem.capacities)
    a_ub = sp.vstack([sp.hstack([-problem.net, sp.csr_array(problem.demand.T)]),
                      sp.hstack([problem.use, sp.csr_array((len(problem.limited), tiers))])],
                     format="csr")
    b_ub = np.concatenate([np.zeros(len(problem.produced)), problem.available])
    bounds = np.zeros((techniques + tiers, 2))
    bounds[:techniques, 1] = problem.capacities  # inf = unlimited
    fulfilment = []
    for k in range(tiers):
        bounds[techniques + k] = (0, 1)
        cost = np.zeros(techniques + tiers)
        cost[techniques + k] = -1
        result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        fulfilment.append(-result.fun)
        bounds[techniques + k] = (fulfilment[-1] * (1 - 1e-9), 1)
    cost = np.concatenate([problem.labour, np.zeros(tiers)])
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    fulfilment = {str(int(t)): f for t, f in zip(problem.tiers, fulfilment, strict=True)}
    print(json.dumps({"fulfilment": fulfilment, "labour_hours": result.fun}))


def timed(command: list[str], timeout: float) -> Run | None:
    """``run`` with a time limit: None when the command did not finish in time."""
    try:
        return run(command, stdout_to_null=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def measure(products: int, baseline: bool, timeout: float, console: Console) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "economy"
        described = write_economy(products, bundle)
        console.print(f"[dim]{products:,} products: {described['inputs']:,} inputs, "
                      f"{described['techniques']:,} techniques[/dim]")
        ours = run([commonplan_executable(), "plan", str(bundle), "--json"], stdout_to_null=False)
        document = json.loads(ours.stdout)
        floor = json.loads(run([sys.executable, __file__, "--child-floor", str(bundle)],
                               stdout_to_null=False).stdout)
        figures = {**described, "seconds": ours.seconds, "cpu": ours.cpu, "peak": ours.peak,
                   "floor": floor,
                   "fulfilment": document["fulfilment"], "labour_hours": document["labour_hours"],
                   "binding": {k: len(v) for k, v in document["binding"].items()}}
        if baseline:
            theirs = timed([sys.executable, __file__, "--child-linprog", str(bundle)], timeout)
            figures["linprog"] = None if theirs is None else {
                "seconds": theirs.seconds, "peak": theirs.peak, **json.loads(theirs.stdout)}
    return figures


def agreement(figures: dict) -> str:
    theirs = figures.get("linprog")
    if not theirs:
        return ""
    tiers = max(abs(figures["fulfilment"][k] - theirs["fulfilment"][k]) for k in theirs["fulfilment"])
    hours = abs(figures["labour_hours"] - theirs["labour_hours"]) / max(theirs["labour_hours"], 1)
    return f"{tiers:.1e} / {hours:.1e}"


def report(results: list[dict], timeout: float, console: Console) -> None:
    table = Table(title="commonplan plan --json (exact) and scipy.optimize.linprog(method='highs')")
    for column in ("products", "commonplan wall", "cpu", "peak", "target", "floor: read + solve",
                   "ratio", "linprog wall", "peak ", "ratio ", "max diff lambda / hours",
                   "fulfilment"):
        table.add_column(column, justify="right")
    for figures in results:
        theirs = figures.get("linprog")
        target = TARGETS.get(figures["products"])
        if "linprog" not in figures:
            baseline = ["not run", "", ""]
        elif theirs is None:
            baseline = [f"> {timeout:.0f} s", "", ""]
        else:
            baseline = [f"{theirs['seconds']:.2f} s", f"{theirs['peak'] / MiB:,.0f} MiB",
                        f"{theirs['seconds'] / figures['seconds']:.1f}x"]
        floor = figures["floor"]["read"] + figures["floor"]["solve"]
        table.add_row(f"{figures['products']:,}", f"{figures['seconds']:.2f} s",
                      f"{figures['cpu']:.2f} s", f"{figures['peak'] / MiB:,.0f} MiB",
                      f"{target:.0f} s" if target else "",
                      f"{figures['floor']['read']:.2f} + {figures['floor']['solve']:.2f} s",
                      f"{figures['seconds'] / floor:.1f}x", *baseline, agreement(figures),
                      ", ".join(f"{k}: {v:.4f}" for k, v in figures["fulfilment"].items()))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10_000, 100_000])
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--baseline-timeout", type=float, default=600.0)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--child-linprog", help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child_linprog:
        child_linprog(arguments.child_linprog)
        return
    if arguments.child_floor:
        child_floor(arguments.child_floor)
        return
    console = Console(width=160)
    results = [measure(n, n in arguments.baseline_sizes, arguments.baseline_timeout, console)
               for n in arguments.sizes]
    report(results, arguments.baseline_timeout, console)
    if arguments.save:
        arguments.save.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

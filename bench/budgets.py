"""Benchmark: closing a participatory budget by equal shares, completed by add-one and greedy.

    python bench/budgets.py [--repeat 3] [--copies 31] [--voters 50000] [--projects 80] [--save figures.json]

Counted with ``commonplan.democracy.budgets.equal_shares`` (exact fractions):

- **Veszprem 2025** (tests/democracy/data/pabulib, a real Pabulib budget: 63 projects, 1,607
  voters, 120 M HUF), as it is and with its ballots repeated ``--copies`` times (49,817 voters,
  the "tens of thousands of ballots" that took minutes).  Each voter's share starts at 74,673
  HUF (2,409 repeated) and no project is within its supporters' reach below about 102,000 HUF
  (3,300): add-one, one unit of currency at a time, would run the count tens of thousands
  (hundreds of) times.
- **synthetic**: ``--voters`` approval ballots over ``--projects`` projects (:func:`synthetic`).

Printed per budget: voters, distinct ballots, projects, the funded count and money spent, the
endowment kept, how many runs of equal shares one-unit-at-a-time add-one would have made (the
kept endowment minus the first, plus the one that overshot) and how many this count made, and
the median wall time of ``--repeat`` counts.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from commonplan.democracy import budgets
from commonplan.democracy.pabulib import parse_pabulib

PABULIB = Path(__file__).resolve().parent.parent / "tests" / "democracy" / "data" / "pabulib"
VESZPREM = PABULIB / "Hungary_Veszprem_2025.pb"
Budget = tuple[dict[str, budgets.Amount], list[list[str]], budgets.Amount]


@dataclass(frozen=True)
class Figures:
    """One budget's count: its size, what it funded, and its time in seconds."""

    budget_name: str
    voters: int
    distinct: int
    projects: int
    funded: int
    spent: int
    endowment: str
    unit_runs: int
    runs: int
    seconds: float


def read_pabulib(path: Path) -> Budget:
    """Project costs, approval ballots and budget of a Pabulib .pb file."""
    budget = parse_pabulib(path.read_text(encoding="utf-8"), path.name)
    return budget.costs, budget.ballots, budget.budget


def synthetic(voters: int, projects: int, seed: int = 2025) -> Budget:
    """``voters`` approval ballots over ``projects`` projects, drawn like a city's budget.

    Costs lognormal around 300,000 (rounded to 1,000); each project's appeal lognormal; each voter
    approves 1 + a geometric number of projects (mean about 4) drawn by appeal without
    replacement; the budget buys about a fifth of the projects' total cost.
    """
    rng = np.random.default_rng(seed)
    names = [f"P{k:03d}" for k in range(projects)]
    costs = dict(zip(names, (np.round(rng.lognormal(np.log(300_000), 0.8, projects), -3) + 1000)
                     .astype(int).tolist(), strict=True))
    appeal = rng.lognormal(0.0, 1.0, projects)
    keys = np.log(appeal)[None, :] + rng.gumbel(size=(voters, projects))
    order = np.argsort(-keys, axis=1)
    length = np.minimum(rng.geometric(0.25, size=voters), projects)
    ballots = [[names[k] for k in row[:n]] for row, n in zip(order.tolist(), length.tolist(), strict=True)]
    return costs, ballots, sum(costs.values()) // 5


def count(name: str, budget: Budget, repeat: int) -> Figures:
    costs, ballots, money = budget
    runs = 0
    run = budgets._equal_shares_run

    def counted(*args):  # type: ignore[no-untyped-def]
        nonlocal runs
        runs += 1
        return run(*args)

    budgets._equal_shares_run = counted
    try:
        times = []
        for _ in range(repeat):
            runs = 0
            start = time.perf_counter()
            outcome = budgets.equal_shares(costs, ballots, money, seed="bench")
            times.append(time.perf_counter() - start)
    finally:
        budgets._equal_shares_run = run
    kept = next((r["endowment"] for r in outcome.rounds if r["rule"] == "equal shares"),
                Fraction(money, max(len(ballots), 1)))
    unit_runs = int(kept - Fraction(money, len(ballots))) + 2 if ballots else 0
    return Figures(name, len(ballots), len({frozenset(b) for b in ballots}), len(costs), len(outcome.funded),
                   int(outcome.spent), f"{float(kept):,.2f}", unit_runs, runs, statistics.median(times))


def report(f: Figures) -> None:
    print(f"{f.budget_name:<26} {f.voters:>7,} voters ({f.distinct:>6,} distinct), {f.projects} projects: "
          f"{f.funded} funded, {f.spent:,} spent, endowment {f.endowment}; runs {f.runs} "
          f"(one unit at a time: about {f.unit_runs:,}); {f.seconds:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=31)
    parser.add_argument("--voters", type=int, default=50_000)
    parser.add_argument("--projects", type=int, default=80)
    parser.add_argument("--save", type=Path)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}; median of {args.repeat} counts")
    costs, ballots, money = read_pabulib(VESZPREM)
    results = []
    for name, budget in [("Veszprem 2025", (costs, ballots, money)),
                         (f"Veszprem 2025 x {args.copies}", (costs, ballots * args.copies, money)),
                         (f"synthetic {args.voters:,}", synthetic(args.voters, args.projects))]:
        results.append(count(name, budget, args.repeat))
        report(results[-1])
    if args.save:
        args.save.write_text(json.dumps([asdict(f) for f in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the computations of a whole planning round on 10^5 products and 10^4 workplaces.

    python bench/rounds.py [--products 100000] [--workplaces 10000] [--rows 10000000]
                           [--shopped 10000] [--method harmony] [--requests 300] [--seed 0]

Each step's computation runs through the use case the job worker runs for it, one after the
other in one process, timed alone (the simulation of the records and the writing of files are
not the round's work and are not counted):

1. needs: a year of shop records (commonplan.needs.simulate, ``--rows`` purchase rows of
   ``--shopped`` products in 100 stores, with end-of-day stock and requests, as Parquet) learned
   by ``app.computations.needs``, what a round's needs job computes;
2. variants: two plan variants (``app.variants.plan_variant``) of a synthetic economy
   (commonplan.economy.synthetic, labour and resources short of what the needs take) whose
   needs of the first ``--shopped`` products are the learned ones, with the priorities ballot's
   tiers by product group (ten groups, the voted order and its reverse) and the shares of work
   90/5/5 (consumption, investment, public services);
3. targets: every workplace's targets in the first variant (``app.targets.targets_documents``)
   and their storing in the application's SQLite database (``app.targets.store_targets``);
4. serving: ``--requests`` requests of ``GET /rounds/{id}/targets/{producer}`` through the whole
   application (bench/targets.py).

Targets (issue 15): the steps' computations in at most 5 minutes in all on 2 cores; one
workplace's targets served in at most 50 ms.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from commonplan.app import computations
from commonplan.app.targets import targets_documents
from commonplan.app.variants import Choices, learned_needs, plan_variant
from commonplan.economy.model import Economy, Part
from commonplan.needs.simulate import Shoppers
from needs import KINDS, write_records  # bench/needs.py: the shop records, one Parquet file per month
from targets import economy_of, serve  # bench/targets.py: workplaces, and the serving measured

SHARES = {Part.CONSUMPTION.label: 0.9, Part.INVESTMENT.label: 0.05, Part.PUBLIC_SERVICES.label: 0.05}
GROUPS = 10  # the priorities ballot's categories
BUDGET = 300.0  # seconds, the round's computations in all
T = TypeVar("T")


def timed(label: str, seconds: dict[str, float], work: Callable[[], T]) -> T:
    """Run ``work``, keep its wall time under ``label`` and print it."""
    started = time.perf_counter()
    result = work()
    seconds[label] = time.perf_counter() - started
    print(f"  {label:<34} {seconds[label]:7.1f} s", flush=True)
    return result


def learned(folder: Path) -> dict[str, Any]:
    """The needs job's document on every record in ``folder``."""
    purchases, stock, requests = (sorted(folder.glob(f"{kind}-*.parquet")) for kind in KINDS)
    return computations.needs(purchases, stock, requests, horizon_days=365).document


def tiers_by_group(economy: Economy, order: list[int]) -> dict[str, int]:
    """The tiers a priorities ballot by groups gives: every needed product of group g (its
    position modulo GROUPS) at the place of g in ``order``."""
    ids = economy.products.ids.to_pylist()
    place = {group: tier for tier, group in enumerate(order, start=1)}
    return {ids[p]: place[p % GROUPS] for p in np.unique(economy.needs.products).tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workplaces", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--shopped", type=int, default=10_000, help="products in the shops' records")
    parser.add_argument("--method", default="harmony")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    economy, _ = economy_of(args.products, args.workplaces, 10, args.seed)
    print(f"economy: {len(economy.products):,} products, {len(economy.techniques):,} techniques, "
          f"{economy.inputs.nnz:,} inputs, {args.workplaces:,} workplaces", flush=True)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        shoppers = Shoppers(products=args.shopped, stores=100, days=365, rows=args.rows, seed=args.seed)
        _, rows = write_records(Path(folder), shoppers, 365)
        print(f"records: {rows}", flush=True)
        print("the round's computations:")
        document = timed("1. needs from the records", seconds, lambda: learned(Path(folder)))
    ids = economy.products.ids.to_pylist()
    needed = np.unique(economy.needs.products).tolist()
    shops = np.array(list(document["needs"].values()))[:len(needed)]
    # the shops' products stand for the economy's first needed ones, at the economy's scale:
    # each one's need in the economy times its learned need over the mean learned need
    first = np.zeros(len(ids))
    np.add.at(first, economy.needs.products, economy.needs.quantities)
    relative = shops / max(shops.mean(), 1e-12)
    renamed = {ids[needed[k]]: float(first[needed[k]] * relative[k]) for k in range(len(shops))}
    needs, _ = learned_needs(economy, renamed)
    voted = list(range(GROUPS))
    plans = []
    for label, order in (("2. variant, the voted order", voted),
                         ("2. variant, the reverse order", voted[::-1])):
        choices = Choices(tiers=tiers_by_group(economy, order), shares=SHARES)
        plans.append(timed(label, seconds,
                           lambda c=choices: plan_variant(economy, c, needs, method=args.method)))
    for plan in plans:
        print(f"     fulfilment by tier: {', '.join(f'{f:.3f}' for f in plan.result.fulfilment)}")
    documents = timed("3. targets of every workplace", seconds,
                      lambda: targets_documents(economy, plans[0].result.activity))
    stored, served = serve(documents, args.requests, args.seed)
    seconds["3. targets stored"] = stored
    print(f"  {'3. targets stored':<34} {stored:7.1f} s")
    total = sum(seconds.values())
    print(f"in all: {total:.1f} s, {total / BUDGET:.2f} of the 5 minutes (target: at most 1)")
    print(f"one workplace's targets served, {args.requests} requests: median {served[0]:.1f} ms, "
          f"95th percentile {served[1]:.1f} ms (target: 50 ms)")


if __name__ == "__main__":
    main()

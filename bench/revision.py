"""Benchmark: a revision of the rest of the period at 10^5 products (issue 16, Targets: at most 2
minutes), beside the plain plan of the same economy (the floor: a revision solves one plan of
the periods left, by the same planning use case), in the same run.

    python bench/revision.py [--products 100000] [--workplaces 10000] [--inputs-per-product 10]
                             [--periods 52] [--elapsed 4] [--short 0.1] [--method harmony] [--seed 0]

A synthetic economy (commonplan.economy.synthetic) has its techniques shared among the
workplaces at random (as bench/targets.py). Its plain plan (app.variants.plan_variant, no voted
choices) is the floor, and the plan revised. Reports are simulated for the ``--elapsed`` first
of ``--periods`` weeks by every workplace: its outputs as planned per period, but ``--short`` of
the workplaces make 70% of their plan; the inputs and hours as planned (so the short ones learn
higher coefficients and a capacity capped at their best rate). Timed: the revision as the job
worker computes it (app.revisions.revise: learning from the reports, the rest of the period as a
planning problem, its plan by plan_variant, the comparison with the adopted plan and every
workplace's revised targets with names), with its parts timed apart; the simulation is not.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from commonplan.app.revisions import revise
from commonplan.app.targets import targets_documents
from commonplan.app.variants import Choices, plan_variant
from commonplan.economy.synthetic import generate
from commonplan.execution.revision import Reported, learn, producer_codes, rest_of_period


def economy_of(products: int, workplaces: int, inputs: int, seed: int) -> object:
    economy = generate(products, inputs_per_product=inputs, seed=seed)
    rng = np.random.default_rng(seed)
    names = pa.array([f"Workplace {k:05d}" for k in rng.integers(workplaces, size=len(economy.techniques))],
                     pa.string())
    return dataclasses.replace(economy, techniques=dataclasses.replace(economy.techniques, producers=names))


def simulated(economy: object, activity: np.ndarray, periods: int, elapsed: int, short: float,
              seed: int) -> list[Reported]:
    """Every workplace's reports of the elapsed periods (module doc)."""
    names, codes = producer_codes(economy.techniques)  # type: ignore[attr-defined]
    rng = np.random.default_rng(seed + 1)
    falls_short = rng.random(len(names)) < short
    ids = economy.products.ids.to_pylist()  # type: ignore[attr-defined]
    kinds = economy.products.kinds  # type: ignore[attr-defined]
    n_t = len(activity)
    place = sp.csr_array((np.ones(n_t), (np.arange(n_t), codes)), shape=(n_t, len(names)))
    use = sp.csc_array(economy.inputs @ sp.diags_array(activity / periods) @ place)  # type: ignore[attr-defined]
    made = sp.csc_array(sp.csr_array((economy.techniques.yields * activity / periods,  # type: ignore[attr-defined]
                                      (economy.techniques.outputs, np.arange(n_t))),  # type: ignore[attr-defined]
                                     shape=(len(ids), n_t)) @ place)
    reports = []
    for code, name in enumerate(names):
        factor = 0.7 if falls_short[code] else 1.0
        out = made[:, [code]].tocoo()
        used = use[:, [code]].tocoo()
        outputs = {ids[p]: q * factor for p, q in zip(out.row.tolist(), out.data.tolist(), strict=True)
                   if q > 0}
        inputs = {ids[p]: q for p, q in zip(used.row.tolist(), used.data.tolist(), strict=True)
                  if q > 0 and kinds[p] != 2}
        labour = {ids[p]: q for p, q in zip(used.row.tolist(), used.data.tolist(), strict=True)
                  if q > 0 and kinds[p] == 2}
        reports += [Reported(name, k, outputs, inputs, labour) for k in range(elapsed)]
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workplaces", type=int, default=10_000)
    parser.add_argument("--inputs-per-product", type=int, default=10)
    parser.add_argument("--periods", type=int, default=52)
    parser.add_argument("--elapsed", type=int, default=4)
    parser.add_argument("--short", type=float, default=0.1)
    parser.add_argument("--method", default="harmony")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    economy = economy_of(args.products, args.workplaces, args.inputs_per_product, args.seed)
    print(f"economy: {len(economy.products):,} products, {len(economy.techniques):,} techniques, "
          f"{economy.inputs.nnz:,} inputs, {args.workplaces:,} workplaces; method {args.method}; "
          f"load average {os.getloadavg()[0]:.1f}")
    start = time.perf_counter()
    plan = plan_variant(economy, Choices(), method=args.method).result
    floor = time.perf_counter() - start
    met = dict(zip(plan.tiers.tolist(), plan.fulfilment.round(4).tolist(), strict=True))
    print(f"plain plan (the floor): {floor:.1f} s; fulfilment {met}")
    reports = simulated(economy, plan.activity, args.periods, args.elapsed, args.short, args.seed)
    print(f"reports: {len(reports):,} ({args.elapsed} of {args.periods} weeks, {args.short:.0%} of "
          "workplaces at 70% of plan)")
    start = time.perf_counter()
    learned = learn(economy, plan.activity, args.periods, args.elapsed, reports)
    learning = time.perf_counter() - start
    start = time.perf_counter()
    rest_of_period(economy, learned, economy.needs, np.zeros(len(economy.products)))
    resting = time.perf_counter() - start
    start = time.perf_counter()
    targets_documents(economy, plan.activity)
    documenting = time.perf_counter() - start
    start = time.perf_counter()
    revision = revise(economy, plan.activity, Choices(), None, periods=args.periods, elapsed=args.elapsed,
                      reports=reports, method=args.method)
    whole = time.perf_counter() - start
    comparison = revision["comparison"]
    print(f"revision in all: {whole:.1f} s ({whole / floor:.2f} x the plain plan; target 120 s)")
    solving = whole - learning - resting - documenting
    print(f"  of which, timed apart: learning {learning:.1f} s, the rest's problem {resting:.1f} s, "
          f"targets with names {documenting:.1f} s, so its plan and comparison about {solving:.1f} s")
    print(f"fulfilment before {comparison['fulfilment_before']}, after {comparison['fulfilment_after']}; "
          f"lowers {comparison['lowered']}; {revision['learned']['capacities_lowered']:,} capacities "
          f"lowered, {revision['learned']['coefficients_changed']:,} coefficients changed")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

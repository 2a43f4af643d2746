"""Benchmark: 10^7 purchase rows to needs (`commonplan needs`), estimator against the naive sum.

    python bench/needs.py [--products 10000] [--stores 100] [--days 365] [--rows 10000000]
                          [--seed 0] [--keep DIR] [--reuse] [--profile]

The seeded shopper simulator (commonplan.needs.simulate) writes a year of records as Parquet,
one file per month for each kind (purchases with cards, stock rows for the store-days that ended
empty, requests), and keeps the truth.  The whole command ``commonplan needs --json`` then runs
as a subprocess: wall time and peak resident memory (from wait4).  On a shared machine the wall
time moves with the load, so the floor, DuckDB reading every column of every record file once
(what any reader of these files must do), is timed in the same run, before and after, and the
ratio to it is printed too.  ``--reuse`` takes the records already in ``--keep`` (and simulates
again only for the truth); ``--profile`` also runs the estimate in-process under pyinstrument
(a ``bench`` extra) and prints where the time goes.  Its estimate before the
feedback rule (``forecast`` in the JSON) and the naive sum of sales scaled to the horizon are
compared with the simulator's true expected demand over the next 365 days, as the weighted
absolute percentage error (WAPE = sum |estimate - truth| / sum truth), over all products and
over those whose shelves were empty on at least a fifth of store-days.
The 80% interval is checked against the held-out draw of the horizon's demand (``outcome``) and,
as before, against the expected demand.  Targets: at most 30 s and 2 GiB; on often-empty
products, error at most a quarter of the naive sum's; over all products, at most 6%.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from commonplan.needs.simulate import Shoppers, Simulation

MiB = 1 << 20
KINDS = ("purchases", "stock", "requests")


def write_records(folder: Path, shoppers: Shoppers, horizon_days: int
                  ) -> tuple[Simulation, dict[str, int]]:
    """Simulate and write one Parquet file per month and kind; the simulation and row counts."""
    simulation = Simulation(shoppers, horizon_days)
    writers: dict[str, pq.ParquetWriter] = {}
    rows = dict.fromkeys(KINDS, 0)
    month = None
    for number, day in enumerate(simulation.days()):
        this_month = (shoppers.start + dt.timedelta(days=number)).strftime("%Y-%m")
        if this_month != month:
            for writer in writers.values():
                writer.close()
            writers, month = {}, this_month
        for kind in KINDS:
            table = getattr(day, kind)
            if kind not in writers:
                writers[kind] = pq.ParquetWriter(folder / f"{kind}-{month}.parquet", table.schema)
            writers[kind].write_table(table)
            rows[kind] += table.num_rows
    for writer in writers.values():
        writer.close()
    return simulation, rows


def run_needs(folder: Path, horizon_days: int) -> tuple[dict, float, float, float]:
    """``commonplan needs --json`` on every file: the document, wall seconds, peak MiB and CPU
    seconds (user and system, all threads: less moved by other processes than the wall time)."""
    command = [str(Path(sys.executable).with_name("commonplan")), "needs",
               "--horizon-days", str(horizon_days),
               "--out", str(folder / "needs.csv"), "--force", "--json"]
    for kind, option in zip(KINDS, ("--purchases", "--stock", "--requests"), strict=True):
        for path in sorted(folder.glob(f"{kind}-*.parquet")):
            command += [option, str(path)]
    env = {**os.environ, "COMMONPLAN_PSEUDONYM_KEY": "bench-key"}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"commonplan needs failed with status {status}")
    return json.loads(out), seconds, usage.ru_maxrss * 1024 / MiB, usage.ru_utime + usage.ru_stime


def floor_seconds(folder: Path) -> float:
    """Wall seconds for DuckDB to read every column of every record file once."""
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    for kind, columns in (("purchases", "min(date), min(store), min(product), sum(quantity), count(card)"),
                          ("stock", "min(date), min(store), min(product), sum(on_hand)"),
                          ("requests", "min(product), sum(quantity), min(date), count(member)")):
        files = [str(path) for path in sorted(folder.glob(f"{kind}-*.parquet"))]
        con.execute(f"SELECT {columns} FROM read_parquet({files})").fetchall()
    return time.perf_counter() - started


def profile(folder: Path, horizon_days: int) -> str:
    """The estimate run in-process under pyinstrument: its call tree with wall seconds."""
    from pyinstrument import Profiler

    from commonplan.needs.discover import discover_needs
    from commonplan.needs.privacy import Pseudonymiser

    profiler = Profiler(interval=0.01)
    profiler.start()
    discover_needs(*(sorted(folder.glob(f"{kind}-*.parquet")) for kind in KINDS), horizon_days=horizon_days,
                   pseudonymiser=Pseudonymiser("bench-key"))
    profiler.stop()
    return str(profiler.output_text(unicode=False, color=False))


def wape(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.abs(estimate - truth).sum() / truth.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows", type=int, default=10_800_000,
                        help="store-days with demand aimed at; stock-outs leave about 10^7 with sales")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the records here and keep them")
    parser.add_argument("--reuse", action="store_true", help="read the records already in --keep")
    parser.add_argument("--profile", action="store_true", help="also profile the estimate in-process")
    args = parser.parse_args()
    horizon = 365
    shoppers = Shoppers(products=args.products, stores=args.stores, days=args.days, rows=args.rows,
                        seed=args.seed)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if args.reuse and args.keep is not None:
            simulation = Simulation(shoppers, horizon)
            rows = dict.fromkeys(KINDS, 0)
            for day in simulation.days():  # the truth needs the days run through; the files are kept
                for kind in KINDS:
                    rows[kind] += getattr(day, kind).num_rows
        else:
            simulation, rows = write_records(folder, shoppers, horizon)
        print(f"simulated {rows} in {time.perf_counter() - started:.1f} s", flush=True)
        before = floor_seconds(folder)
        document, seconds, peak, cpu = run_needs(folder, horizon)
        after = floor_seconds(folder)
        if args.profile:
            print(profile(folder, horizon), flush=True)
    truth = simulation.truth()
    order = list(document["forecast"])
    position = {product: i for i, product in enumerate(truth.products)}
    index = np.array([position[product] for product in order])
    true, outcome = truth.horizon[index], truth.outcome[index]
    estimate = np.array([document["forecast"][p] for p in order])
    requested = np.array([document["requested"][product] for product in order])
    low, high = (np.array([document["interval_80"][product][end] for product in order]) - requested
                 for end in (0, 1))
    naive = np.array([document["naive"][product] for product in order])
    often = truth.empty_share[index] >= 0.2
    figures = {
        "rows": rows, "seconds": round(seconds, 2), "peak_mib": round(peak),
        "cpu_seconds": round(cpu, 2), "floor_seconds": [round(before, 2), round(after, 2)],
        "ratio_to_floor": round(seconds / ((before + after) / 2), 1),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "products": len(order), "often_empty_products": int(often.sum()),
        "wape_all": {"estimator": wape(estimate, true), "naive": wape(naive, true)},
        "wape_often_empty": {"estimator": wape(estimate[often], true[often]),
                             "naive": wape(naive[often], true[often])},
        "interval_80_coverage": float(((low <= true) & (true <= high)).mean()),
        "interval_80_coverage_of_outcome": float(((low <= outcome) & (outcome <= high)).mean()),
        "adjustments": len(document["adjustments"]),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: Harmony plans at 10^6 products, and Harmony's fulfilment as a share of the LP's.

    python bench/plan_harmony.py [--bundle /tmp/economy-1e6] [--compare 10000 100000]
                                 [--repeat 1] [--save figures.json]

**Scale.**  ``--bundle`` is a bundle from ``commonplan generate --products 1000000 --out DIR``
(generated once; the benchmark does not write it).  When the installed command has ``plan``,
the whole command ``commonplan plan BUNDLE --method harmony --json`` is timed as a subprocess
(wall time and peak resident memory from wait4, as ``labour_values.py`` does).  In every case
a child process reads the bundle and then plans it with ``make_plan(..., method="harmony")``,
with one BLAS thread as the command has, reporting the two times apart: the target, 60 s and
8 GiB, is for the plan itself.  The child's peak memory includes the loaded economy.

**Quality.**  At each size of ``--compare`` it generates an economy as ``commonplan
generate`` does, writes it to a temporary folder, and plans it in two children, by Harmony
and by the exact LP (``method="lp"``): times, peaks, and each tier's lambda, with Harmony's
as a share of the LP's.  The target: within 2% of the exact fulfilment.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from labour_values import MiB, Run, commonplan_executable, run, write_economy

TARGET_SECONDS = 60.0
TARGET_BYTES = 8 * 2**30
TARGET_SHARE = 0.98


def child_plan(bundle: str, method: str) -> None:
    """Read the bundle, plan it by ``method``; print times and the plan's figures as JSON."""
    from commonplan.economy.bundle import read_bundle
    from commonplan.planning import make_plan

    start = time.perf_counter()
    economy = read_bundle(bundle).economy
    read = time.perf_counter() - start
    start = time.perf_counter()
    plan = make_plan(economy, method=method)
    planned = time.perf_counter() - start
    print(json.dumps({"read_seconds": read, "plan_seconds": planned,
                      "tiers": plan.tiers.tolist(), "fulfilment": plan.fulfilment.tolist(),
                      "labour_hours": plan.labour_hours, "warnings": plan.warnings}))


def planned_in_child(bundle: Path, method: str) -> tuple[Run, dict]:
    measured = run([sys.executable, __file__, "--child", str(bundle), method],
                   stdout_to_null=False)
    return measured, json.loads(measured.stdout)


def has_plan_command() -> bool:
    help_run = subprocess.run([commonplan_executable(), "plan", "--help"], capture_output=True)
    return help_run.returncode == 0


def scale(bundle: Path, repeat: int) -> dict:
    """Harmony on the big bundle: the command (if there) and the child's split of the work."""
    figures: dict = {"bundle": str(bundle)}
    if has_plan_command():
        runs = [run([commonplan_executable(), "plan", str(bundle), "--method", "harmony",
                     "--json"]) for _ in range(repeat)]
        figures["command_seconds"] = min(r.seconds for r in runs)
        figures["command_peak_bytes"] = max(r.peak for r in runs)
    children = [planned_in_child(bundle, "harmony") for _ in range(repeat)]
    best = min(children, key=lambda child: child[1]["plan_seconds"])
    figures |= {"child_peak_bytes": max(measured.peak for measured, _ in children),
                **best[1]}
    return figures


def quality(products: int) -> dict:
    """Harmony and the exact LP on one generated economy."""
    with tempfile.TemporaryDirectory() as folder:
        described = write_economy(products, Path(folder))
        figures: dict = {"products": products, "techniques": described["techniques"]}
        for method in ("harmony", "lp"):
            measured, result = planned_in_child(Path(folder), method)
            figures[method] = {"peak_bytes": measured.peak, **result}
    harmony, exact = figures["harmony"]["fulfilment"], figures["lp"]["fulfilment"]
    figures["share"] = [h / e if e > 0 else None for h, e in zip(harmony, exact, strict=True)]
    return figures


def report(console: Console, big: dict | None, compared: list[dict]) -> None:
    if big is not None:
        table = Table(title=f"Harmony at scale: {big['bundle']}")
        for column in ("read (s)", "plan (s)", "child peak (MiB)", "command (s)",
                       "command peak (MiB)", "fulfilment", "labour hours"):
            table.add_column(column, justify="right")
        table.add_row(f"{big['read_seconds']:.1f}", f"{big['plan_seconds']:.1f}",
                      f"{big['child_peak_bytes'] / MiB:,.0f}",
                      f"{big['command_seconds']:.1f}" if "command_seconds" in big else "-",
                      f"{big['command_peak_bytes'] / MiB:,.0f}" if "command_peak_bytes" in big
                      else "-", _lambdas(big["fulfilment"]), f"{big['labour_hours']:,.6g}")
        console.print(table)
        within = big["plan_seconds"] <= TARGET_SECONDS and big["child_peak_bytes"] <= TARGET_BYTES
        console.print(f"target 60 s and 8 GiB for the plan: {'met' if within else 'NOT met'}")
    if compared:
        table = Table(title="Harmony against the exact LP (lambda per tier)")
        for column in ("products", "Harmony (s)", "LP (s)", "Harmony", "LP", "share"):
            table.add_column(column, justify="right")
        for row in compared:
            shares = ", ".join("-" if s is None else f"{s:.4f}" for s in row["share"])
            table.add_row(f"{row['products']:,}", f"{row['harmony']['plan_seconds']:.1f}",
                          f"{row['lp']['plan_seconds']:.1f}", _lambdas(row["harmony"]["fulfilment"]),
                          _lambdas(row["lp"]["fulfilment"]), shares)
        console.print(table)


def _lambdas(values: list[float]) -> str:
    return ", ".join(f"{value:.4f}" for value in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=Path("/tmp/economy-1e6"))
    parser.add_argument("--skip-scale", action="store_true", help="only compare with the LP")
    parser.add_argument("--compare", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--save", type=Path, help="write the figures as JSON here")
    parser.add_argument("--child", nargs=2, metavar=("BUNDLE", "METHOD"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")  # as the command does: children inherit it
    if arguments.child:
        child_plan(*arguments.child)
        return
    console = Console()
    big = None if arguments.skip_scale else scale(arguments.bundle, arguments.repeat)
    compared = [quality(products) for products in arguments.compare]
    report(console, big, compared)
    if arguments.save:
        arguments.save.write_text(json.dumps({"scale": big, "compared": compared}, indent=2))


if __name__ == "__main__":
    main()

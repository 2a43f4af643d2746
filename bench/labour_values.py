"""Benchmark: `commonplan values` on synthetic economies of 10^4..10^6 products, and pymrio.

    python bench/labour_values.py [--sizes 10000 100000 1000000] [--repeat 3] [--skip-pymrio]

For each size it generates an economy (``commonplan.economy.synthetic.generate``, about 20
inputs per product, 5% of products with an alternative technique), writes it as
``commonplan generate`` does (Parquet above 100,000 products, CSV otherwise) into a
temporary folder, and times the whole command ``commonplan values DIR --json > /dev/null``
as a subprocess: wall time (median of the repeats) and peak resident memory (from wait4).
The target is 10^6 products in at most 5 s and 3 GiB.  Beside it, in the same run, the floor:
a bare Arrow read of the bundle's tables and a bare sparse solve of its system (scipy's
BiCGSTAB on the explicit matrix, to 1e-10), and the ratio; wall and CPU seconds (wait4).
Each command is started by a tiny launcher process, because Linux reports a child's peak as
at least the peak of the process it was forked from.

It also splits the work in a child process: reading the bundle alone (its own process, so
its peak is its own) and computing the values alone (time, and peak memory above what the
loaded economy holds).

At the smallest size of at least 10,000 products it compares with pymrio's documented path
(``pymrio.calc_L(A)``, then ``pymrio.calc_M(S, L)`` with S the labour hours per unit of
output), also as a whole command reading the same bundle with pandas.  pymrio needs one
technique per product, so that comparison uses an economy generated with
``alternatives=0``; both tools read the very same bundle.  The largest relative difference
between the two value vectors must be at most 1e-9, and commonplan at least 60 times faster.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

TARGET_SECONDS = 5.0
TARGET_BYTES = 3 * 2**30
TARGET_LEAD = 60.0  # at 10^4 products, at least this many times faster than pymrio
TOLERANCE = 1e-9
MiB = 2**20


@dataclass(frozen=True)
class Run:
    """One finished subprocess: wall seconds, peak resident bytes, CPU seconds (user + system,
    its threads and children included), and what it printed."""

    seconds: float
    peak: int
    stdout: str
    cpu: float = 0.0  # user and system seconds of the command (wait4): robust to a shared machine


# Linux hands a child the peak RSS of the process it was forked from (kept across exec), so a
# command started straight from this big process would report at least this process's peak.
# A tiny launcher starts it instead and reports its wall time and its own peak, from wait4.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": seconds, "peak": usage.ru_maxrss * 1024,
               "cpu": usage.ru_utime + usage.ru_stime,
               "status": os.waitstatus_to_exitcode(status)}, report)
"""


def run(command: list[str], *, stdout_to_null: bool = True, timeout: float | None = None) -> Run:
    """Run ``command``; its wall time, its own peak resident memory and its stdout.

    With ``timeout``, a command still running then is killed (with its launcher) and
    ``subprocess.TimeoutExpired`` raised.
    """
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.NamedTemporaryFile("r", suffix=".json") as report,
    ):
        launcher = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, report.name, *command],
            stdout=subprocess.DEVNULL if stdout_to_null else out,
            stderr=err,
            start_new_session=True,  # its own process group, so a timeout ends the command too
        )
        try:
            launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
            raise
        measured = json.loads(report.read() or "{}")
        if measured.get("status") != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed ({measured.get('status')}):\n{err.read()}")
        out.seek(0)
        return Run(measured["seconds"], measured["peak"], out.read(), measured.get("cpu", 0.0))


def commonplan_executable() -> str:
    beside = Path(sys.executable).with_name("commonplan")
    return str(beside) if beside.exists() else "commonplan"


def timed_values(bundle: Path, repeat: int) -> Run:
    """``commonplan values BUNDLE --json > /dev/null``: median wall time, largest peak."""
    runs = [run([commonplan_executable(), "values", str(bundle), "--json"]) for _ in range(repeat)]
    return Run(statistics.median(r.seconds for r in runs), max(r.peak for r in runs), "",
               statistics.median(r.cpu for r in runs))


def write_economy(products: int, folder: Path, *, alternatives: float = 0.05) -> dict:
    """Generate and write a bundle as ``commonplan generate`` does; describe it."""
    from commonplan.economy.bundle import write_bundle
    from commonplan.economy.synthetic import generate

    start = time.perf_counter()
    economy = generate(products, alternatives=alternatives)
    generated = time.perf_counter() - start
    form = "parquet" if products > 100_000 else "csv"
    write_bundle(economy, folder, format=form)
    size = sum(file.stat().st_size for file in folder.iterdir())
    return {
        "products": products,
        "techniques": len(economy.techniques),
        "inputs": int(economy.inputs.nnz),
        "format": form,
        "bundle_bytes": size,
        "generate_seconds": generated,
    }


# The children: each runs in its own process so that its peak memory is its own.


def child_read(bundle: str) -> None:
    """Read the bundle only."""
    from commonplan.economy.bundle import read_bundle

    read_bundle(bundle)


def child_phases(bundle: str) -> None:
    """Read the bundle, then compute the values; print the time and memory of each phase."""
    import resource

    from commonplan.analysis.values import labour_values
    from commonplan.economy.bundle import read_bundle

    start = time.perf_counter()
    economy = read_bundle(bundle).economy
    read = time.perf_counter() - start
    resident = _resident_bytes()
    start = time.perf_counter()
    labour_values(economy)
    values = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"read": read, "values": values, "loaded": resident, "peak": peak}))


def child_floor(bundle: str) -> None:
    """The floor of the whole command, measured in this process: the bare read of the bundle's
    tables (Arrow reading every column of every table, nothing parsed, checked or looked up),
    and a bare sparse solve of its Leontief system (scipy's BiCGSTAB on the explicit matrix
    I - A^T, the first technique of each product, from zero to a relative residual of 1e-10).
    Prints the wall and CPU seconds of each."""
    import resource

    import numpy as np
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    from commonplan.economy.bundle import read_bundle
    from commonplan.economy.choice import technique_system

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    folder = Path(bundle)
    start, used = time.perf_counter(), cpu()
    rows = 0
    for file in sorted(folder.iterdir()):
        if file.suffix == ".parquet":
            rows += pq.read_table(file).num_rows
        elif file.suffix == ".csv":
            rows += pa_csv.read_csv(file).num_rows
    read, read_cpu = time.perf_counter() - start, cpu() - used
    system = technique_system(read_bundle(bundle).economy)  # not timed: the system itself
    choice = np.full(system.activity.shape[1], system.none)
    choice[system.produced] = system.by_output[system.starts]
    matrix = (sp.identity(len(choice), format="csr") - system.chosen_inputs(choice)).tocsr()
    direct = system.labour[choice]
    start, used = time.perf_counter(), cpu()
    values, _info = spla.bicgstab(matrix, direct, rtol=1e-10, atol=0.0, maxiter=10_000)
    solve, solve_cpu = time.perf_counter() - start, cpu() - used
    residual = float(np.linalg.norm(direct - matrix @ values) / np.linalg.norm(direct))
    print(json.dumps({"read": read, "read_cpu": read_cpu, "rows": rows, "solve": solve,
                      "solve_cpu": solve_cpu, "solve_residual": residual}))


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child_pymrio(bundle: str) -> None:
    """pymrio's documented path from A to labour multipliers, reading the bundle with pandas;
    prints ``{product: hours}`` as JSON."""
    import numpy as np
    import pandas as pd
    import pymrio

    folder = Path(bundle)
    products = pd.read_csv(folder / "products.csv", dtype={"id": str, "kind": str})
    techniques = pd.read_csv(folder / "techniques.csv", dtype={"id": str, "output": str})
    inputs = pd.read_csv(folder / "inputs.csv", dtype={"technique": str, "product": str})
    if techniques["output"].duplicated().any():
        raise SystemExit("pymrio needs one technique per product")
    produced = products.loc[products["kind"].isin(["good", "service"]), "id"]
    labour = set(products.loc[products["kind"] == "labour", "id"])
    position = pd.Series(np.arange(len(produced)), index=produced.to_numpy())
    column_of = pd.Series(position[techniques["output"]].to_numpy(), index=techniques["id"])
    yield_of = pd.Series(techniques["yield"].fillna(1.0).to_numpy(), index=techniques["id"])
    per_output = inputs["quantity"].to_numpy() / yield_of[inputs["technique"]].to_numpy()
    columns = column_of[inputs["technique"]].to_numpy()
    is_produced = inputs["product"].isin(position.index).to_numpy()
    matrix = np.zeros((len(produced), len(produced)))
    np.add.at(
        matrix,
        (position[inputs["product"][is_produced]].to_numpy(), columns[is_produced]),
        per_output[is_produced],
    )
    direct = np.zeros((1, len(produced)))
    is_labour = inputs["product"].isin(labour).to_numpy()
    np.add.at(direct, (0, columns[is_labour]), per_output[is_labour])
    A = pd.DataFrame(matrix, index=produced, columns=produced)
    S = pd.DataFrame(direct, index=["labour"], columns=produced)
    L = pymrio.calc_L(A)
    M = pymrio.calc_M(S, L)
    hours = M.loc["labour"].to_numpy().tolist()
    print(json.dumps({"values": dict(zip(produced, hours, strict=True))}))


def largest_relative_difference(ours: dict[str, float], theirs: dict[str, float]) -> float:
    if ours.keys() != theirs.keys():
        raise RuntimeError("the two tools give values for different products")
    worst = 0.0
    for product, value in ours.items():
        other = theirs[product]
        worst = max(worst, abs(value - other) / max(abs(other), 1e-300))
    return worst


def measure(products: int, root: Path, repeat: int, me: list[str]) -> dict:
    """Generate, write and time one size; the figures of one table row."""
    folder = root / f"economy-{products}"
    described = write_economy(products, folder)
    try:
        whole = timed_values(folder, repeat)
        read = run([*me, "read", str(folder)])
        phases = json.loads(run([*me, "phases", str(folder)], stdout_to_null=False).stdout)
        floor = json.loads(run([*me, "floor", str(folder)], stdout_to_null=False).stdout)
    except RuntimeError as error:
        return described | {"error": str(error)}
    finally:
        for table in folder.iterdir():
            table.unlink()  # free the disk before the next size
    return described | {
        "values_seconds": whole.seconds,
        "values_cpu_seconds": whole.cpu,
        "values_peak_bytes": whole.peak,
        "floor_read_seconds": floor["read"],
        "floor_read_cpu_seconds": floor["read_cpu"],
        "floor_solve_seconds": floor["solve"],
        "floor_solve_cpu_seconds": floor["solve_cpu"],
        "floor_solve_residual": floor["solve_residual"],
        "load_average": os.getloadavg()[0],
        "read_seconds": phases["read"],
        "read_peak_bytes": read.peak,
        "compute_seconds": phases["values"],
        "compute_extra_bytes": max(0, phases["peak"] - phases["loaded"]),
    }


def compare_with_pymrio(products: int, root: Path, repeat: int, me: list[str]) -> dict:
    """Both tools as whole commands on one bundle with one technique per product."""
    folder = root / f"single-{products}"
    described = write_economy(products, folder, alternatives=0.0)
    try:
        ours = timed_values(folder, repeat)
        theirs = run([*me, "pymrio", str(folder)], stdout_to_null=False)
        our_values = run([commonplan_executable(), "values", str(folder), "--json"], stdout_to_null=False)
    except RuntimeError as error:
        return described | {"error": str(error)}
    difference = largest_relative_difference(
        json.loads(our_values.stdout)["values"], json.loads(theirs.stdout)["values"]
    )
    return described | {
        "commonplan_seconds": ours.seconds,
        "commonplan_cpu_seconds": ours.cpu,
        "commonplan_peak_bytes": ours.peak,
        "pymrio_seconds": theirs.seconds,
        "pymrio_cpu_seconds": theirs.cpu,
        "pymrio_peak_bytes": theirs.peak,
        "largest_relative_difference": difference,
    }


def show(console: Console, results: dict, repeat: int) -> None:
    """The two tables."""
    table = Table(title="commonplan values BUNDLE --json > /dev/null (whole command), beside its "
                  "floor measured in the same run")
    for heading in (
        "products", "inputs", "format", "bundle MiB", "wall s", "CPU s", "peak MiB",
        "floor: read s", "floor: solve s", "wall / floor", "CPU / floor CPU", "read s",
        "compute s", "load", "target",
    ):  # fmt: skip
        table.add_column(heading, justify="right")
    for size in results["sizes"]:
        described = [
            f"{size['products']:,}",
            f"{size['inputs']:,}",
            size["format"],
            f"{size['bundle_bytes'] / MiB:,.0f}",
        ]
        if "error" in size:
            table.add_row(*described, f"[red]failed: {' '.join(size['error'].splitlines()[-2:])}[/]")
            continue
        within = size["values_seconds"] <= TARGET_SECONDS and size["values_peak_bytes"] <= TARGET_BYTES
        verdict = "[green]met[/]" if within else "[red]missed[/]"
        floor = size["floor_read_seconds"] + size["floor_solve_seconds"]
        floor_cpu = size["floor_read_cpu_seconds"] + size["floor_solve_cpu_seconds"]
        table.add_row(
            *described,
            f"{size['values_seconds']:.2f}",
            f"{size['values_cpu_seconds']:.2f}",
            f"{size['values_peak_bytes'] / MiB:,.0f}",
            f"{size['floor_read_seconds']:.2f}",
            f"{size['floor_solve_seconds']:.2f}",
            f"{size['values_seconds'] / floor:.2f}",
            f"{size['values_cpu_seconds'] / floor_cpu:.2f}",
            f"{size['read_seconds']:.2f}",
            f"{size['compute_seconds']:.2f}",
            f"{size['load_average']:.1f}",
            verdict if size["products"] >= 1_000_000 else "",
        )
    console.print(table)
    console.print(
        f"target: 10^6 products in <= {TARGET_SECONDS:g} s and <= {TARGET_BYTES / 2**30:g} GiB; "
        f"wall and CPU = medians of {repeat} runs (CPU: user + system from wait4); floor: a bare "
        "Arrow read of every table, and scipy's BiCGSTAB on the explicit I - A^T to 1e-10, in "
        "one child process; read and compute measured in separate child processes; load: the "
        "1-minute load average when the size finished"
    )
    comparison = results["pymrio"]
    if comparison is None:
        return
    if "error" in comparison:
        console.print(f"[red]pymrio comparison failed:[/] {comparison['error']}")
        return
    table = Table(
        title=f"Labour values of {comparison['products']:,} products, one technique each "
        "(alternatives=0), whole commands"
    )
    for heading in ("tool", "wall s", "CPU s", "peak MiB"):
        table.add_column(heading, justify="right")
    table.add_row(
        "commonplan values --json",
        f"{comparison['commonplan_seconds']:.2f}",
        f"{comparison['commonplan_cpu_seconds']:.2f}",
        f"{comparison['commonplan_peak_bytes'] / MiB:,.0f}",
    )
    table.add_row(
        "pandas + pymrio.calc_L + calc_M",
        f"{comparison['pymrio_seconds']:.2f}",
        f"{comparison['pymrio_cpu_seconds']:.2f}",
        f"{comparison['pymrio_peak_bytes'] / MiB:,.0f}",
    )
    lead = comparison["pymrio_seconds"] / comparison["commonplan_seconds"]
    table.add_row(
        "ratio pymrio / commonplan",
        f"{lead:.1f}x",
        f"{comparison['pymrio_cpu_seconds'] / comparison['commonplan_cpu_seconds']:.1f}x",
        f"{comparison['pymrio_peak_bytes'] / comparison['commonplan_peak_bytes']:.1f}x",
    )
    console.print(table)
    console.print(f"target: at least {TARGET_LEAD:g}x faster in wall time "
                  + ("[green]met[/]" if lead >= TARGET_LEAD else "[red]missed[/]"))
    difference = comparison["largest_relative_difference"]
    verdict = "[green]ok[/]" if difference <= TOLERANCE else "[red]TOO LARGE[/]"
    console.print(
        f"largest relative difference between the value vectors: {difference:.2e} "
        f"(must be <= {TOLERANCE:g}) {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (median)")
    parser.add_argument("--skip-pymrio", action="store_true", help="no comparison with pymrio")
    parser.add_argument("--save", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "BUNDLE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        mode, bundle = arguments.child
        if mode != "pymrio":  # commonplan's phases and the floor as the command runs them
            for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(variable, "1")  # (before numpy loads its BLAS)
        {"read": child_read, "phases": child_phases, "pymrio": child_pymrio,
         "floor": child_floor}[mode](bundle)
        return

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # a whole table line in files and pipes
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    results: dict = {"sizes": [], "pymrio": None}
    with tempfile.TemporaryDirectory(prefix="commonplan-bench-") as temporary:
        root = Path(temporary)
        for products in arguments.sizes:
            with console.status(f"{products:,} products: generating, writing, timing"):
                size = measure(products, root, arguments.repeat, me)
            results["sizes"].append(size)
            console.print(
                f"{products:,} products: "
                + (
                    "failed"
                    if "error" in size
                    else f"values {size['values_seconds']:.2f} s, {size['values_peak_bytes'] / MiB:,.0f} MiB"
                )
            )
        compared = [size for size in arguments.sizes if size >= 10_000]
        if not arguments.skip_pymrio and compared:
            with console.status(f"comparing with pymrio on {min(compared):,} products"):
                results["pymrio"] = compare_with_pymrio(min(compared), root, arguments.repeat, me)
    show(console, results, arguments.repeat)
    if arguments.save:
        arguments.save.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

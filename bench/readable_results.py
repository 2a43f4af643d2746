"""Benchmark: what the pages spend to show results by name on a large economy (issue 15, item 8).

    python bench/readable_results.py [--products 100000] [--repeat 5]

A synthetic bundle of N products (``commonplan generate``, zipped as an upload stores it): the
names read from the stored bundle the first time a page asks (app.comparisons.names_of_bundle),
and the charts of a plan document over all N products and techniques labelled by those names
(web.charts.charts_of), as each job page view computes them once the names are kept. Printed:
the median seconds of each over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commonplan.app.comparisons import names_of_bundle
from commonplan.cli.main import main
from commonplan.economy.bundle import read_bundle
from commonplan.web.charts import charts_of


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def plan_document(folder: Path) -> dict[str, Any]:
    """A plan-shaped document over every product and technique (the numbers need not be a plan's)."""
    economy = read_bundle(folder).economy
    products = economy.products.ids.to_pylist()
    techniques = economy.techniques.ids.to_pylist()
    primary = set(economy.products.ids.take(economy.primary).to_pylist())
    return {"fulfilment": {"1": 0.9}, "activity": {t: float(i) for i, t in enumerate(techniques)},
            "net_output": {p: float(i % 997) for i, p in enumerate(products)},
            "use": {p: 1.0 for p in primary}, "shadow_prices": {p: 0.5 for p in primary},
            "capacity_prices": {}, "binding": {"resources": sorted(primary)[:1], "capacities": []}}


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "bundle"
        try:
            main(["generate", "--products", str(options.products), "--out", str(folder)])
        except SystemExit as exited:
            assert not exited.code, exited.code
        bundle = zipped(folder)
        document = plan_document(folder)
        names = names_of_bundle(bundle)
        read = median_seconds(lambda: names_of_bundle(bundle), options.repeat)
        charted = median_seconds(lambda: charts_of("plan", document, names), options.repeat)
    print(f"products: {options.products:,}; bundle zip: {len(bundle) / 2**20:.1f} MiB")
    print(f"names read from the stored bundle (once per bundle): {read:.3f} s (median of {options.repeat})")
    print(f"charts of a plan, labelled by name (every job page view): {charted:.3f} s")


if __name__ == "__main__":
    run()

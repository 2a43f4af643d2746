"""Helpers: simulated records written to files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from commonplan.needs.simulate import Shoppers, Truth, simulate


def write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        pa_csv.write_csv(table, path)
    return path


def simulated(folder: Path, shoppers: Shoppers, suffix: str = ".csv") -> tuple[Path, Path, Path, Truth]:
    """Purchase, stock and request files of a simulation, and its truth."""
    purchases, stock, requests, truth = simulate(shoppers)
    return (write(purchases, folder / f"purchases{suffix}"), write(stock, folder / f"stock{suffix}"),
            write(requests, folder / f"requests{suffix}"), truth)


def text(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path

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


def scenario_records(folder: Path, name: str, **sizes: int) -> tuple[dict[str, Path], Truth]:
    """The files of a named scenario (purchases, stock, requests, groups, substitutes), smaller if
    ``sizes`` say so, and its truth."""
    from dataclasses import replace

    from commonplan.needs.scenarios import scenario
    from commonplan.needs.simulate import Simulation

    simulation = Simulation(replace(scenario(name).shoppers, **sizes))
    days = list(simulation.days())
    paths = {kind: write(pa.concat_tables([getattr(day, kind) for day in days]), folder / f"{kind}.parquet")
             for kind in ("purchases", "stock", "requests")}
    paths["groups"] = write(simulation.groups_table(), folder / "groups.parquet")
    paths["substitutes"] = write(simulation.substitutes_table(), folder / "substitutes.parquet")
    return paths, simulation.truth()

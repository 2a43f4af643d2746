"""Build the built-in US 2017 bundle (src/commonplan/data/us2017) from the BEA detail tables.

Rerun from the repository root, with the BEA CSVs in ../shared/data/bea2017 (or give the folder):

    .venv/bin/python scripts/build_us2017.py [BEA_FOLDER]

Each product's group is its BEA summary commodity (economy.bea_groups), named as in
Summary_CommodityCodeName_2017.csv. It overwrites the bundle's tables, economy.toml and reference.json; README.md is kept.
The output depends only on the input CSVs, so a rerun on the same files changes nothing.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from commonplan.economy.bea import DEFAULT_HOURLY_COMPENSATION, import_bea, read_bea
from commonplan.economy.bea_groups import summary_groups
from commonplan.economy.builtin import REFERENCE
from commonplan.economy.bundle import read_bundle, write_bundle
from commonplan.economy.model import Economy

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "commonplan" / "data" / "us2017"
USE = "Detail_Use_2017_producer_prices_before_redefinitions.csv"
MAKE = "Detail_Make_2017_before_redefinitions.csv"
IMPORTS = "F05000"
SUMMARY_NAMES = "Summary_CommodityCodeName_2017.csv"


def build(source: Path, target: Path = TARGET) -> list[str]:
    """Import the detail tables in ``source`` and write the bundle and its reference totals."""
    economy, warnings = import_bea(source / USE, source / MAKE)
    economy = _grouped(economy, source / SUMMARY_NAMES)
    accounts = read_bea(source / USE, source / MAKE)
    write_bundle(economy, target)
    hours = accounts.compensation.sum() * 1e6 / DEFAULT_HOURLY_COMPENSATION
    reference = {
        "meaning": {
            "commodity_output_million_usd": "sum of the make table's cells over the bundle's "
            "commodities (q summed; scrap, used goods, noncomparable imports and the "
            "rest-of-the-world adjustment left out)",
            "compensation_million_usd": "compensation of employees, all industries (row V00100)",
            "labour_hours": "compensation_million_usd * 1e6 / hourly_compensation_usd",
            "hourly_compensation_usd": "the hourly compensation the bundle's labour uses",
            "final_demand_million_usd": "the bundle's needs summed (net final demand, positive)",
            "negative_final_demand_million_usd": "net final demand of the commodities where it "
            "is negative (imports above domestic final use), which the needs leave out",
            "negative_coefficients": "negative direct requirements set to 0 at import",
            "source_files": "the BEA tables (as converted by USEPA's useeior) the figures come from",
            "supply_by_commodity_million_usd": "each commodity's 2017 supply: q (its make-table "
            "column summed) plus its imports (minus use-table column F05000); the demo's "
            "capacities, since in the closed model domestic techniques stand in for imports",
        },
        "commodity_output_million_usd": float(accounts.commodity_output.sum()),
        "compensation_million_usd": float(accounts.compensation.sum()),
        "labour_hours": float(hours),
        "hourly_compensation_usd": DEFAULT_HOURLY_COMPENSATION,
        "final_demand_million_usd": float(economy.needs.quantities.sum()),
        "negative_final_demand_million_usd": float(np.minimum(accounts.final_demand, 0).sum()),
        "negative_coefficients": sum("negative direct requirement" in w for w in warnings),
        "source_files": [USE, MAKE, SUMMARY_NAMES],
        "supply_by_commodity_million_usd": _supply(source / USE, accounts.commodities,
                                                   accounts.commodity_output),
    }
    (target / REFERENCE).write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    return read_bundle(target).warnings


def _grouped(economy: Economy, summary_names: Path) -> Economy:
    """The economy with each product in the group of its BEA summary commodity (labour in none)."""
    products = economy.products
    groups = summary_groups(products.ids.to_pylist(), summary_names)
    groups = [None if primary else group for group, primary in zip(groups, products.is_primary(), strict=True)]
    return replace(economy, products=replace(products, groups=pa.array(groups, pa.string())))


def _supply(use_csv: Path, commodities: list[str], output: np.ndarray) -> dict[str, float]:
    """Domestic output plus imports (the use table's F05000 column, negative) per commodity."""
    with use_csv.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    column = rows[0].index(IMPORTS)
    imports = {row[0]: -float(row[column] or 0) for row in rows[1:] if row}
    return {code: float(q) + imports.get(code, 0.0) for code, q in zip(commodities, output,
                                                                        strict=True)}


def main() -> None:
    default = ROOT.parent / "shared" / "data" / "bea2017"
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    warnings = build(source)
    print(f"wrote {TARGET}; it reads back with {len(warnings)} warning(s): {warnings}")


if __name__ == "__main__":
    main()

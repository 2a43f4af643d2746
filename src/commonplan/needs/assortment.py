"""Assortment: needs broken down by variant (size, colour, foot), so output is usable.

``variants.csv`` (docs/needs.md) has columns product, variant, share.  A blank share means
"as observed": the share comes from the records, where the variant id is sold as a product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from commonplan.economy.problems import BundleError, Problem

COLUMNS = ("product", "variant", "share")


@dataclass(frozen=True)
class Variants:
    """Each product's variants in file order and their shares (None = observed from records)."""

    shares: dict[str, dict[str, float | None]]

    def observed(self) -> list[str]:
        """Products whose shares are to be observed from the records."""
        return [product for product, shares in self.shares.items()
                if any(share is None for share in shares.values())]


def _table(path: Path) -> pa.Table:
    try:
        if path.suffix.lower() == ".parquet":
            return pq.read_table(path)
        options = pa_csv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string()),
                                        strings_can_be_null=False)
        return pa_csv.read_csv(path, convert_options=options)
    except (OSError, pa.ArrowInvalid) as error:
        raise BundleError([Problem(str(path), f"cannot read: {str(error).splitlines()[0]}")]) from None


def read_variants(path: Path) -> Variants:
    """Read a variants table (CSV or Parquet); every problem named by file, row and column."""
    path = Path(path)
    table = _table(path)
    problems = [Problem(str(path), "missing column", 1, column) for column in ("product", "variant")
                if column not in table.column_names]
    problems += [Problem(str(path), "unknown column (a variants file has product, variant, share)", 1, column)
                 for column in table.column_names if column not in COLUMNS]
    if problems:
        raise BundleError(problems)
    rows = zip(*(table.column(c).to_pylist() if c in table.column_names else [None] * table.num_rows
                 for c in COLUMNS), strict=True)
    shares: dict[str, dict[str, float | None]] = {}
    for row, (product, variant, share) in enumerate(rows, start=2):
        problems += _row_problems(path, row, product, variant, share, shares)
    problems += [Problem(str(path), "mixes given and blank shares: give all or none", None, "share")
                 for product, given in shares.items()
                 if None in given.values() and any(value is not None for value in given.values())]
    problems += [Problem(str(path), f"shares of {product} add up to 0", None, "share")
                 for product, given in shares.items()
                 if None not in given.values()
                 and sum(value for value in given.values() if value is not None) <= 0]
    if problems:
        raise BundleError(problems)
    return Variants(shares)


def _row_problems(path: Path, row: int, product: object, variant: object, share: object,
                  shares: dict[str, dict[str, float | None]]) -> list[Problem]:
    """Check one row and record it in ``shares``."""
    product, variant = str(product or "").strip(), str(variant or "").strip()
    problems = [Problem(str(path), "empty id", row, column)
                for column, value in (("product", product), ("variant", variant)) if not value]
    value: float | None = None
    if share is not None and str(share).strip():
        try:
            value = float(str(share))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            problems.append(Problem(str(path), "share must be a finite number >= 0", row, "share"))
    if not problems:
        if variant in shares.setdefault(product, {}):
            problems.append(Problem(str(path), f"variant {variant} of {product} listed twice", row,
                                    "variant"))
        shares[product][variant] = value
    return problems


def with_observed_shares(variants: Variants, sold: dict[str, float]) -> tuple[Variants, list[str]]:
    """Fill blank shares from what each variant sold (its id as a product in the records).

    Products whose variants sold nothing fall back to equal shares, with a warning."""
    filled: dict[str, dict[str, float | None]] = {}
    warnings: list[str] = []
    for product, shares in variants.shares.items():
        if product not in variants.observed():
            filled[product] = dict(shares)
            continue
        observed: dict[str, float | None] = {variant: float(sold.get(variant, 0.0)) for variant in shares}
        if sum(value or 0.0 for value in observed.values()) <= 0:
            warnings.append(f"no sales of any variant of {product} in the records: equal shares")
            observed = dict.fromkeys(shares, 1.0)
        filled[product] = observed
    return Variants(filled), warnings


def split_by_variant(variants: Variants, quantities: dict[str, float]) -> dict[str, dict[str, float]]:
    """product -> variant -> quantity, shares normalised to 1, for every product with variants in
    ``quantities`` (products without variants are left out).  Shares still blank count equal."""
    split: dict[str, dict[str, float]] = {}
    for product, shares in variants.shares.items():
        if product not in quantities:
            continue
        weights = {variant: 1.0 if share is None else share for variant, share in shares.items()}
        total = sum(weights.values())
        split[product] = {variant: quantities[product] * weight / total
                          for variant, weight in weights.items()}
    return split

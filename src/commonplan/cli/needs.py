"""``commonplan needs``: what people will need, from sales, empty shelves and requests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commonplan.app import computations
from commonplan.cli.common import (
    MAX_HORIZON_DAYS,
    BadInput,
    Force,
    JsonFlag,
    app,
    csv_writer,
    emit,
    out,
    progress_bar,
    sha256_of_files,
    warn,
    within,
)
from commonplan.cli.outputs import check_file, write_files


@app.command()
def needs(purchases: Annotated[list[Path], typer.Option(
              "--purchases", help="Purchase records, CSV or Parquet (repeat for several files).")],
          stock: Annotated[list[Path], typer.Option(
              "--stock", help="End-of-day stock records (repeat for several files).")],
          out_file: Annotated[Path, typer.Option("--out", help="Write the needs table (product, "
                                                              "quantity, priority) to this CSV file "
                                                              "(a new file, or --force).")],
          requests: Annotated[list[Path] | None, typer.Option(
              "--requests", help="Request and waiting-list records (repeat for several files).")] = None,
          horizon_days: Annotated[int, typer.Option(
              "--horizon-days",
              help=f"Days to plan for (at most {MAX_HORIZON_DAYS:,}: ten years).")] = 365,
          groups: Annotated[list[Path] | None, typer.Option(
              "--groups", help="product, group: a product with little history borrows its group's "
                               "level and seasons (docs/needs.md; repeat for several files).")] = None,
          substitutes: Annotated[list[Path] | None, typer.Option(
              "--substitutes", help="product, substitute: demand that moved to a substitute while the "
                                    "product's shelf was empty is not counted as the substitute's "
                                    "(docs/needs.md; repeat for several files).")] = None,
          variants: Annotated[Path | None, typer.Option(
              "--variants", help="product, variant, share: also break needs down by variant "
                                 "(docs/needs.md).")] = None,
          variants_out: Annotated[Path | None, typer.Option(
              "--variants-out", help="Also write the per-variant needs to this CSV file.")] = None,
          json: JsonFlag = False, force: Force = False) -> None:
    """Estimate what people will need over the horizon from sales, empty shelves and requests."""
    import pyarrow as pa

    from commonplan.needs.assortment import read_variants

    within("--horizon-days", horizon_days, MAX_HORIZON_DAYS, "ten years")
    check_file(out_file, "--out", force=force)
    if variants_out is not None:
        if variants_out.absolute() == out_file.absolute():
            raise BadInput([f"--variants-out {variants_out}: the same file as --out"])
        check_file(variants_out, "--variants-out", force=force)
    chosen = read_variants(variants) if variants is not None else None
    with progress_bar("Estimating needs") as report:
        computed = computations.needs(purchases, stock, requests or [], horizon_days=horizon_days,
                                      variants=chosen, groups=groups or [],
                                      substitutes=substitutes or [], progress=report)
    estimate, document, warnings = computed.result, computed.document, computed.warnings
    tables = {out_file: ("--out", pa.table({
        "product": estimate.products, "quantity": pa.array(estimate.quantity, pa.float64()),
        "priority": pa.array([1] * len(estimate.products), pa.int64())}))}
    if chosen is not None and variants_out is not None:
        rows = [(product, variant, quantity) for product, by_variant in document["variants"].items()
                for variant, quantity in by_variant.items()]
        tables[variants_out] = ("--variants-out", pa.table({
            "product": [row[0] for row in rows], "variant": [row[1] for row in rows],
            "quantity": pa.array([row[2] for row in rows], pa.float64())}))
    write_files({path: (option, csv_writer(table)) for path, (option, table) in tables.items()})
    if json:
        emit(document, warnings, None, **{f"{name}_sha256": sha256_of_files(paths) for name, paths in
                                          (("purchases", purchases), ("stock", stock),
                                           ("requests", requests or []), ("groups", groups or []),
                                           ("substitutes", substitutes or [])) if paths})
        return
    warn(warnings)
    out.print(f"wrote {out_file}: needs of {len(estimate.products):,} products over {horizon_days} days, "
              f"{len(estimate.adjustments):,} adjusted for shortages or surpluses", soft_wrap=True)



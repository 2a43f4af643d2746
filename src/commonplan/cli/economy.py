"""Commands on an economy bundle: validate, values, requirements, generate, import-bea."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commonplan.app import computations, distributed
from commonplan.app.readable import number
from commonplan.cli.common import (
    MAX_GENERATED_INPUTS,
    MAX_INPUTS_PER_PRODUCT,
    MAX_PRODUCTS,
    BadInput,
    Bundle,
    Force,
    JsonFlag,
    app,
    emit,
    err,
    load,
    out,
    print_columns,
    sha256_of_file,
    step,
    warn,
    within,
)
from commonplan.cli.outputs import check_folder, write_folder
from commonplan.cli.results import LARGEST, largest, names_of


@app.command()
def validate(bundle: Bundle, json: JsonFlag = False) -> None:
    """Check a bundle against every rule; print ok or every problem."""
    from commonplan.app.documents import validation_document
    from commonplan.planning.capital import check_bundle_and_capital

    with step(f"Checking {bundle}"):
        problems, warnings, sha256 = check_bundle_and_capital(bundle)
    if json:
        emit(validation_document(problems), warnings, sha256)
    else:
        warn(warnings)
        if not problems:
            print("ok")
    if problems:
        if not json:
            raise BadInput([str(problem) for problem in problems])
        raise typer.Exit(2)


Ranks = Annotated[int | None, typer.Option(
    "--ranks", min=1, max=distributed.MAX_RANKS,
    help="Solve over N MPI processes (mpiexec), each reading its part of the bundle's "
         "inputs.parquet: for economies beyond one machine (the MPI extra, docs/deploy.md).")]


@app.command()
def values(bundle: Bundle, json: JsonFlag = False,
           by_kind: Annotated[bool, typer.Option("--by-kind", help="Also give each product's "
                                                 "hours per kind of labour and resources.")]
           = False, ranks: Ranks = None) -> None:
    """Labour values: the hours each product costs, directly and through all its inputs."""
    if ranks is not None:
        if by_kind:
            raise BadInput(["--by-kind is computed on one machine: leave out --ranks"])
        with step(f"Computing labour values over {ranks} MPI ranks"):
            run = distributed.values(bundle, ranks)
        economy, document, warnings, sha256 = run.economy, run.computed.document, run.warnings, run.sha256
    else:
        loaded = load(bundle)
        with step("Computing labour values"):
            document = computations.values(loaded.economy, by_kind=by_kind).document
        economy, warnings, sha256 = loaded.economy, loaded.warnings, loaded.sha256
    if json:
        emit(document, warnings, sha256)
        return
    warn(warnings)
    columns = {"hours": document["values"]}
    if by_kind:
        kinds: dict[str, float] = next(iter(document["by_kind"].values()), {})
        columns |= {kind: {p: split[kind] for p, split in document["by_kind"].items()}
                    for kind in kinds}
    print_columns("Labour values", columns, names=names_of(economy))


@app.command()
def requirements(bundle: Bundle, json: JsonFlag = False,
                 needs: Annotated[Path | None, typer.Option(
                     "--needs", help="Final demand: a table with the columns of needs.csv "
                                     "(default: the bundle's needs).")] = None,
                 ranks: Ranks = None) -> None:
    """Gross requirements: the activity and labour that deliver a final demand."""
    from commonplan.economy.bundle import read_needs

    if ranks is not None:
        with step(f"Computing gross requirements over {ranks} MPI ranks"):
            run = distributed.requirements(bundle, ranks, needs)
        economy, sha256 = run.economy, run.sha256
        document, warnings = run.computed.document, run.warnings + run.computed.warnings
    else:
        loaded = load(bundle)
        economy, sha256 = loaded.economy, loaded.sha256
        demand = None if needs is None else read_needs(needs, economy).total(len(economy.products))
        with step("Computing gross requirements"):
            computed = computations.requirements(economy, demand)
        document, warnings = computed.document, loaded.warnings + computed.warnings
    more = {} if needs is None else {"needs_sha256": sha256_of_file(needs)}
    if json:
        emit(document, warnings, sha256, **more)
        return
    warn(warnings)
    names = names_of(economy)
    print_columns("Use of labour and resources", {"amount": document["use"]}, names=names)
    print_columns(f"The {min(LARGEST, len(document['gross_output']))} largest gross outputs",
                  {"gross output": largest(document["gross_output"])}, LARGEST, names)
    out.print(f"Labour hours in all: {number(document['labour_hours'])}")


@app.command()
def generate(products: Annotated[int, typer.Option(
                 "--products",
                 help=f"Number of products (at most {MAX_PRODUCTS:,}).")],
             out_dir: Annotated[Path, typer.Option("--out", help="Bundle folder to write (new or "
                                                                 "empty, or --force).")],
             inputs_per_product: Annotated[int, typer.Option(
                 "--inputs-per-product",
                 help=f"Mean number of inputs per technique (at most {MAX_INPUTS_PER_PRODUCT:,}; "
                      f"products x inputs at most {MAX_GENERATED_INPUTS:,}: about 10 GiB).")] = 20,
             seed: Annotated[int, typer.Option("--seed", min=0, max=2**63 - 1, help="Random seed.")] = 0,
             force: Force = False) -> None:
    """Write a synthetic productive economy for scale tests (Parquet above 100,000 products)."""
    from commonplan.economy.bundle import write_bundle
    from commonplan.economy.synthetic import generate as synthesise

    within("--products", products, MAX_PRODUCTS, "about 10 GiB of memory")
    within("--inputs-per-product", inputs_per_product, MAX_INPUTS_PER_PRODUCT, "a technique's inputs")
    if products * inputs_per_product > MAX_GENERATED_INPUTS:
        raise BadInput([f"--products {products:,} x --inputs-per-product {inputs_per_product:,} = "
                        f"{products * inputs_per_product:,} inputs: at most {MAX_GENERATED_INPUTS:,} "
                        "(about 10 GiB of memory)"])
    check_folder(out_dir, "--out", force=force)
    with step(f"Generating {products:,} products"):
        economy = synthesise(products, inputs_per_product=inputs_per_product, seed=seed)
    with step(f"Writing {out_dir}"):
        write_folder(out_dir, "--out", lambda folder: write_bundle(
            economy, folder, format="parquet" if products > 100_000 else "csv"))
    err.print(f"wrote {out_dir}: {products:,} products, {economy.inputs.nnz:,} inputs")


@app.command("import-bea")
def import_bea(use: Annotated[Path, typer.Option("--use", help="BEA use table (CSV).")],
               make: Annotated[Path, typer.Option("--make", help="BEA make table (CSV).")],
               out_dir: Annotated[Path, typer.Option("--out", help="Bundle folder to write (new or "
                                                                   "empty, or --force).")],
               hourly_compensation: Annotated[float | None, typer.Option(
                   "--hourly-compensation", min=0.01, max=1e6,
                   help="Average hourly compensation in USD (default: BLS ECEC, March 2017).")]
               = None, force: Force = False) -> None:
    """Build a bundle from BEA make and use tables."""
    from commonplan.economy import bea
    from commonplan.economy.bundle import write_bundle

    compensation = bea.DEFAULT_HOURLY_COMPENSATION if hourly_compensation is None else hourly_compensation
    check_folder(out_dir, "--out", force=force)
    try:
        economy, warnings = bea.import_bea(use, make, compensation)
    except bea.BeaTableError as error:
        raise BadInput([str(error)]) from None
    write_folder(out_dir, "--out", lambda folder: write_bundle(economy, folder))
    warn(warnings)
    err.print(f"wrote {out_dir}: {len(economy.products):,} products")



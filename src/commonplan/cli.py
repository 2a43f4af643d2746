"""The ``commonplan`` command: thin, it reads arguments, calls the domain and prints results.

Exit codes (SPEC section 3): 0 success, 2 bad input or usage (one line per problem on
stderr), 1 an internal error.  ``--json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from commonplan import __version__
from commonplan.economy.problems import BundleError
from commonplan.errors import InputError
from commonplan.outputs import check_file, check_folder, write_file, write_files, write_folder

if TYPE_CHECKING:
    import pyarrow as pa

    from commonplan.economy.bundle import LoadedBundle
    from commonplan.economy.model import Economy, Needs
    from commonplan.needs.assortment import Variants
    from commonplan.planning.plan import Plan

app = typer.Typer(name="commonplan", help="Software for a democratically planned economy.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

Bundle = Annotated[Path, typer.Argument(help="An economy bundle: a folder or a .zip of tables.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output (written beside it "
                                     "and renamed into place, so a failure leaves it whole).")]

# Sizes the command line accepts, checked before anything is allocated (docs/bundle.md, docs/planning.md,
# docs/needs.md say why).  generate holds about 100 bytes per input at its peak (measured: 10^6
# products x 20 inputs, 2.1 GiB; 3 x 10^6 x 20, 6.0 GiB), so 10^8 inputs take about 10 GiB.
MAX_PRODUCTS = 5_000_000
MAX_INPUTS_PER_PRODUCT = 1_000
MAX_GENERATED_INPUTS = 100_000_000
MAX_PERIODS = 1_000
MAX_PERIOD_CELLS = 50_000_000  # periods x (inputs + techniques): the multi-period LP's size
MAX_HORIZON_DAYS = 3_660  # ten years: a forecast from sales says nothing further ahead


class BadInput(InputError):
    """Input the user can fix: printed as lines on stderr, exit code 2."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _version(show: bool) -> None:
    if show:
        print(f"commonplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                 help="Print the version and exit.")] = False
          ) -> None:
    """commonplan: plans computed from real input-output data, under democratic control."""


def emit(document: dict[str, Any], warnings: list[str], sha256: str | None, **more: str) -> None:
    """Print a SPEC JSON document with its provenance and warnings (``"ok": true`` unless it
    says otherwise)."""
    from commonplan.documents import provenance

    print_document({"ok": True, **document, "provenance": provenance(sha256, **more),
                    "warnings": warnings})


_printed = {"document": False}  # whether this run printed its JSON document already


def print_document(document: dict[str, Any]) -> None:
    """Print the run's one JSON document on stdout."""
    sys.stdout.buffer.write(orjson.dumps(document) + b"\n")
    sys.stdout.flush()
    _printed["document"] = True


def warn(warnings: list[str]) -> None:
    for text in warnings:
        err.print(f"warning: {text}", markup=False, soft_wrap=True)


class Interrupted(Exception):
    """Ctrl-C during long work (click would swallow a KeyboardInterrupt): exit code 130."""


@contextmanager
def step(text: str) -> Iterator[None]:
    """Show what is being done on stderr while it runs (only on a terminal)."""
    try:
        with err.status(text, spinner="dots"):
            yield
    except KeyboardInterrupt:
        raise Interrupted(text) from None


def load(bundle: Path) -> LoadedBundle:
    from commonplan.economy.bundle import read_bundle

    with step(f"Reading {bundle}"):
        return read_bundle(bundle)


@app.command()
def validate(bundle: Bundle, json: JsonFlag = False) -> None:
    """Check a bundle against every rule; print ok or every problem."""
    from commonplan.documents import validation_document
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


@app.command()
def values(bundle: Bundle, json: JsonFlag = False,
           by_kind: Annotated[bool, typer.Option("--by-kind", help="Also give each product's "
                                                 "hours per kind of labour and resources.")]
           = False) -> None:
    """Labour values: the hours each product costs, directly and through all its inputs."""
    from commonplan.analysis.values import labour_values
    from commonplan.documents import values_document

    loaded = load(bundle)
    with step("Computing labour values"):
        result = labour_values(loaded.economy, by_kind=by_kind)
    document = values_document(loaded.economy, result)
    if json:
        emit(document, loaded.warnings, loaded.sha256)
        return
    warn(loaded.warnings)
    columns = {"hours": document["values"]}
    if by_kind:
        kinds = next(iter(document["by_kind"].values()), {})
        columns |= {kind: {p: split[kind] for p, split in document["by_kind"].items()}
                    for kind in kinds}
    _print_columns("Labour values", columns)


@app.command()
def requirements(bundle: Bundle, json: JsonFlag = False,
                 needs: Annotated[Path | None, typer.Option(
                     "--needs", help="Final demand: a table with the columns of needs.csv "
                                     "(default: the bundle's needs).")] = None) -> None:
    """Gross requirements: the activity and labour that deliver a final demand."""
    from commonplan.analysis.requirements import gross_requirements
    from commonplan.analysis.values import labour_values
    from commonplan.documents import requirements_document
    from commonplan.economy.bundle import read_needs

    loaded = load(bundle)
    economy = loaded.economy
    demand, more = None, {}
    if needs is not None:
        table = read_needs(needs, economy)
        demand = table.total(len(economy.products))
        more = {"needs_sha256": _sha256(needs)}
    with step("Computing gross requirements"):
        result_values = labour_values(economy)
        result = gross_requirements(economy, demand, values=result_values)
    document = requirements_document(economy, result, result_values)
    warnings = loaded.warnings + result.warnings
    if json:
        emit(document, warnings, loaded.sha256, **more)
        return
    warn(warnings)
    _print_columns("Use of labour and resources", {"amount": document["use"]})
    out.print(f"Labour hours in all: {document['labour_hours']:,.6g}")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _print_columns(title: str, columns: dict[str, dict[str, float]], limit: int = 50) -> None:
    """A table of id-keyed numbers, one column per map (all with the same ids)."""
    table = Table(title=title)
    table.add_column("id")
    for name in columns:
        table.add_column(name, justify="right")
    ids = list(next(iter(columns.values())))
    for key in ids[:limit]:
        table.add_row(key, *(f"{numbers[key]:,.6g}" for numbers in columns.values()))
    out.print(table)
    if len(ids) > limit:
        out.print(f"... and {len(ids) - limit:,} more; --json gives them all")


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

    options = {} if hourly_compensation is None else {"hourly_compensation": hourly_compensation}
    check_folder(out_dir, "--out", force=force)
    try:
        economy, warnings = bea.import_bea(use, make, **options)
    except bea.BeaTableError as error:
        raise BadInput([str(error)]) from None
    write_folder(out_dir, "--out", lambda folder: write_bundle(economy, folder))
    warn(warnings)
    err.print(f"wrote {out_dir}: {len(economy.products):,} products")


@app.command()
def plan(bundle: Bundle, json: JsonFlag = False,
         needs: Annotated[Path | None, typer.Option(
             "--needs", help="Needs to plan for: a table with the columns of needs.csv "
                             "(default: the bundle's needs).")] = None,
         method: Annotated[str, typer.Option(
             "--method", help="lp: exact (HiGHS with column generation); harmony: approximate, "
                              "for economies too large for an exact solve.")] = "lp",
         by_producer: Annotated[Path | None, typer.Option(
             "--by-producer", help="Also write each workplace's targets to this CSV file "
                                   "(producer, technique, output, quantity); a new file, or --force.")]
         = None,
         periods: Annotated[int | None, typer.Option(
             "--periods",
             help=f"Plan this many periods at once (at most {MAX_PERIODS:,}), investment in one "
                  "raising capacity in later ones (exact; the bundle's capital tables, "
                  "docs/planning.md).")] = None,
         variants: Annotated[Path | None, typer.Option(
             "--variants", help="Break the output of products down by variant (size, colour, "
                                "foot): a variants.csv (docs/needs.md).")] = None,
         force: Force = False) -> None:
    """An optimal plan: priority tiers met in turn within labour, resources and capacities,
    then the least labour."""
    from commonplan.documents import plan_document
    from commonplan.economy.bundle import read_needs
    from commonplan.planning import METHODS, make_plan
    from commonplan.planning.plan import targets_by_producer

    if method not in METHODS:
        raise BadInput([f"--method: must be one of {', '.join(METHODS)}, not {method!r}"])
    if periods is not None:
        within("--periods", periods, MAX_PERIODS, "the LP grows with every period")
    if periods is not None and method != "lp":
        raise BadInput(["--periods: multi-period plans are exact: use --method lp"])
    if by_producer is not None:
        check_file(by_producer, "--by-producer", force=force)
    assortment = _read_variants(variants) if variants is not None else None
    loaded = load(bundle)
    economy, more = loaded.economy, {}
    wanted = None
    if needs is not None:
        wanted = read_needs(needs, economy)
        more = {"needs_sha256": _sha256(needs)}
    if periods is not None:
        _check_period_size(economy, periods)
        result, document, warnings = _plan_periods(bundle, economy, wanted, periods)
    else:
        with progress_bar(f"Planning ({method})") as report:
            result = make_plan(economy, wanted, method=method, progress=report)
        document, warnings = plan_document(economy, result), result.warnings
    if assortment is not None:
        document["variants"] = _by_variant(assortment, economy, result)
    if by_producer is not None:
        write_file(by_producer, "--by-producer", _csv_writer(targets_by_producer(result)))
    warnings = loaded.warnings + warnings
    if json:
        emit(document, warnings, loaded.sha256, **more)
        return
    warn(warnings)
    out.print(document["explanation"], soft_wrap=True)


def within(option: str, value: int, maximum: int, why: str) -> None:
    """Refuse a size below 1 or above ``maximum`` (exit 2), naming the option and the value."""
    if value < 1:
        raise BadInput([f"{option} {value}: must be at least 1"])
    if value > maximum:
        raise BadInput([f"{option} {value}: at most {maximum:,} ({why})"])


def _check_period_size(economy: Economy, periods: int) -> None:
    """Refuse, before building it, a multi-period LP too large for one machine's memory."""
    cells = periods * (economy.inputs.nnz + len(economy.techniques))
    if cells > MAX_PERIOD_CELLS:
        raise BadInput([f"--periods {periods:,}: {periods:,} periods x ({economy.inputs.nnz:,} inputs + "
                        f"{len(economy.techniques):,} techniques) = {cells:,} cells, at most "
                        f"{MAX_PERIOD_CELLS:,}: plan fewer periods"])


def _read_variants(path: Path) -> Variants:
    from commonplan.needs.assortment import read_variants

    return read_variants(path)


def _by_variant(assortment: Variants, economy: Economy, result: Plan) -> dict[str, dict[str, float]]:
    """What the plan makes of each product with variants, split by variant."""
    from commonplan.documents import id_map
    from commonplan.needs.assortment import split_by_variant
    from commonplan.planning.plan import output_made

    return split_by_variant(assortment, id_map(economy.products.ids,
                                               output_made(economy, result.activity)))


def _plan_periods(bundle: Path, economy: Economy, needs: Needs | None, periods: int
                  ) -> tuple[Plan, dict[str, Any], list[str]]:
    """Plan ``periods`` periods; the first period's plan (to carry out now), the document and
    the warnings."""
    from commonplan.documents import periods_document
    from commonplan.planning.capital import read_capital
    from commonplan.planning.periods import plan_periods

    capital = read_capital(bundle, economy)
    with progress_bar(f"Planning {periods} periods") as report:
        plans = plan_periods(economy, needs, periods, capital, report)
    return plans.plans[0], periods_document(plans), plans.warnings


def _csv_writer(table: pa.Table) -> Callable[[Path], None]:
    """A writer of ``table`` as CSV to the path it is given."""
    import pyarrow.csv as pa_csv

    return lambda path: pa_csv.write_csv(table, path)


@contextmanager
def progress_bar(text: str) -> Iterator[Callable[[float, str], None]]:
    """A rich progress bar on stderr; yields the callback ``report(fraction, message)``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task(text, total=1.0)

            def report(fraction: float, message: str) -> None:
                bar.update(task, completed=fraction, description=f"{text}: {message}")

            yield report
    except KeyboardInterrupt:
        raise Interrupted(text) from None


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
          variants: Annotated[Path | None, typer.Option(
              "--variants", help="product, variant, share: also break needs down by variant "
                                 "(docs/needs.md).")] = None,
          variants_out: Annotated[Path | None, typer.Option(
              "--variants-out", help="Also write the per-variant needs to this CSV file.")] = None,
          json: JsonFlag = False, force: Force = False) -> None:
    """Estimate what people will need over the horizon from sales, empty shelves and requests."""
    import pyarrow as pa

    from commonplan.needs.assortment import read_variants, split_by_variant, with_observed_shares
    from commonplan.needs.discover import discover_needs
    from commonplan.needs.report import needs_document

    within("--horizon-days", horizon_days, MAX_HORIZON_DAYS, "ten years")
    check_file(out_file, "--out", force=force)
    if variants_out is not None:
        if variants_out.absolute() == out_file.absolute():
            raise BadInput([f"--variants-out {variants_out}: the same file as --out"])
        check_file(variants_out, "--variants-out", force=force)
    chosen = read_variants(variants) if variants is not None else None
    with progress_bar("Estimating needs") as report:
        estimate = discover_needs(purchases, stock, requests or [], horizon_days=horizon_days,
                                  progress=report)
    needs_map = estimate.needs()
    document, warnings = needs_document(estimate), list(estimate.warnings)
    if chosen is not None:
        sold = dict(zip(estimate.products, estimate.forecast.history_demand.tolist(), strict=True))
        chosen, more = with_observed_shares(chosen, sold)
        warnings += more
        document["variants"] = split_by_variant(chosen, needs_map)
    tables = {out_file: ("--out", pa.table({
        "product": estimate.products, "quantity": pa.array(estimate.quantity, pa.float64()),
        "priority": pa.array([1] * len(estimate.products), pa.int64())}))}
    if chosen is not None and variants_out is not None:
        rows = [(product, variant, quantity) for product, by_variant in document["variants"].items()
                for variant, quantity in by_variant.items()]
        tables[variants_out] = ("--variants-out", pa.table({
            "product": [row[0] for row in rows], "variant": [row[1] for row in rows],
            "quantity": pa.array([row[2] for row in rows], pa.float64())}))
    write_files({path: (option, _csv_writer(table)) for path, (option, table) in tables.items()})
    if json:
        emit(document, warnings, None, **{f"{name}_sha256": _sha256_of(paths) for name, paths in
                                          (("purchases", purchases), ("stock", stock),
                                           ("requests", requests or [])) if paths})
        return
    warn(warnings)
    out.print(f"wrote {out_file}: needs of {len(estimate.products):,} products over {horizon_days} days, "
              f"{len(estimate.adjustments):,} adjusted for shortages or surpluses", soft_wrap=True)


def _sha256_of(paths: list[Path]) -> str:
    """One content hash of several files, in the order given."""
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as file:
            digest.update(hashlib.file_digest(file, "sha256").hexdigest().encode())
    return digest.hexdigest()


DatabaseUrl = Annotated[str, typer.Option(
    "--database", help="SQLAlchemy URL: a SQLite file by default, or postgresql+psycopg://user@host/db.")]


@app.command()
def serve(database: DatabaseUrl = "sqlite:///commonplan.db",
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
          access_log: Annotated[bool, typer.Option(
              "--access-log", help="Log every request (off: it costs a few per cent of throughput).")]
          = False) -> None:
    """The web application and REST API (OpenAPI at /openapi.json, interactive docs at /docs)."""
    import uvicorn

    from commonplan.service.app import create_app

    uvicorn.run(_opened(database, create_app), host=host, port=port, access_log=access_log)


@app.command()
def role(email: Annotated[str, typer.Argument(help="The member's email.")],
         new_role: Annotated[str, typer.Argument(
             metavar="ROLE", help="member, delegate, \"workplace reporter\" or auditor.")],
         database: DatabaseUrl = "sqlite:///commonplan.db") -> None:
    """Give a registered member a role (the server operator's act; docs/api.md says what each may do)."""
    from commonplan.store.accounts import AccountRefused, set_role
    from commonplan.store.database import open_database, sessions

    engine = _opened(database, open_database)
    with sessions(engine)() as session, session.begin():
        try:
            member = set_role(session, email, new_role)
        except AccountRefused as refused:
            raise BadInput([f"{refused.field} {refused.detail}"]) from None
    out.print(f"{member.email} is now a {member.role}")


def _opened(database: str, opener: Callable[[str], Any]) -> Any:
    """``opener(database)``; a URL that names no reachable database is bad input (exit 2)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    try:
        return opener(database)
    except (ArgumentError, NoSuchModuleError, OperationalError) as error:
        raise BadInput([f"--database {database!r}: {str(error).splitlines()[0]}"]) from None


@app.command()
def demo() -> None:
    """Run a planning cycle on the built-in economy (US 2017 input-output data)."""
    from commonplan.demo import run_demo

    run_demo(out)


def one_blas_thread() -> None:
    """One BLAS thread unless the user says otherwise (before numpy and scipy load their
    BLAS): the work is sparse products and vector sums, which more threads do not speed up,
    and on a busy machine spinning BLAS threads made plans six times slower."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps bad input to exit 2 and internal errors to exit 1; with
    ``--json``, a failure prints ``{"ok": false, "exit_code", "errors": [{"file", "row",
    "column", "message"}]}`` on stdout unless the command printed its document already."""
    one_blas_thread()
    args = sys.argv[1:] if argv is None else [str(arg) for arg in argv]
    _printed["document"] = False
    code, errors = _run(args)
    for problem in errors:
        if problem.get("show", True):
            err.print(str(problem["line"]), markup=False, soft_wrap=True)
    if code not in (0, None) and "--json" in args and not _printed["document"]:
        print_document(failure_document(code, errors))
    sys.exit(code or 0)


def failure_document(code: int, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON of a run that failed: every problem, with its file, row and column where known."""
    return {"ok": False, "exit_code": code,
            "errors": [{key: problem.get(key) for key in ("file", "row", "column", "message")}
                       for problem in errors],
            "provenance": {"bundle_sha256": None, "commonplan_version": __version__}, "warnings": []}


def _line(line: str, *, show: bool = True) -> dict[str, Any]:
    return {"line": line, "message": line, "file": None, "row": None, "column": None, "show": show}


def _run(args: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """Run the command: its exit code and its problems (each printed as ``line`` on stderr)."""
    run: Callable[..., Any] = app
    try:
        code = run(args=args, standalone_mode=False)
        return (code if isinstance(code, int) else 0), []
    except BundleError as error:
        return 2, [{"line": str(problem), "show": True, **problem.as_json()} for problem in error.problems]
    except InputError as error:  # input a person can fix (commonplan.errors): exit code 2
        return 2, [_line(line) for line in getattr(error, "lines", None) or str(error).splitlines()]
    except typer.TyperException as error:  # a usage error: shown as typer shows it
        _name_the_value(error, args)
        _show_usage_error(error)
        return error.exit_code, [_line(error.format_message(), show=False)]
    except typer.Abort:
        return 130, [_line("interrupted")]
    except Interrupted as error:
        return 130, [_line(f"interrupted while {str(error)[0].lower()}{str(error)[1:]}")]
    except KeyboardInterrupt:
        return 130, [_line("interrupted")]
    except Exception as error:  # an internal error: one line, traceback only when debugging
        if os.environ.get("COMMONPLAN_DEBUG"):
            raise
        return 1, [_line(f"internal error: {type(error).__name__}: {error}"),
                   _line("(set COMMONPLAN_DEBUG=1 to see where)")]


def _name_the_value(error: typer.TyperException, args: list[str]) -> None:
    """Add the value given to an option that it refused (typer names only the option)."""
    options = getattr(getattr(error, "param", None), "opts", None) or []
    for position, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name in options and (equals or position + 1 < len(args)):
            given = value if equals else args[position + 1]
            error.message = f"{given!r}: {error.message}"
            return


def _show_usage_error(error: typer.TyperException) -> None:
    from typer import rich_utils

    rich_utils.rich_format_error(error)  # type: ignore[arg-type]


__all__ = ["app", "main"]

from commonplan import ledger_commands  # noqa: E402, F401  (registers verify and ledger-copy on app)

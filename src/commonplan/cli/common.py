"""What every command shares: the ``commonplan`` application (typer), the consoles, bad input
(exit code 2), the one JSON document of ``--json``, progress on stderr, and the bounds on sizes."""

from __future__ import annotations

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
from commonplan.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

    from commonplan.economy.bundle import LoadedBundle
    from commonplan.planning.compare import Names


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
    from commonplan.app.documents import provenance

    print_document({"ok": True, **document, "provenance": provenance(sha256, **more),
                    "warnings": warnings})


printed = {"document": False}  # whether this run printed its JSON document already


def print_document(document: dict[str, Any]) -> None:
    """Print the run's one JSON document on stdout."""
    sys.stdout.buffer.write(orjson.dumps(document) + b"\n")
    sys.stdout.flush()
    printed["document"] = True


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


def sha256_of_file(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def print_columns(title: str, columns: dict[str, dict[str, float]], limit: int = 50,
                  names: Names | None = None) -> None:
    """A table of product-keyed numbers, one column per map (all with the same ids); each row
    names its product ("Bread (loaf)") when ``names`` are given, its id otherwise."""
    from commonplan.app.readable import number

    table = Table(title=title)
    table.add_column("product" if names is not None else "id")
    for name in columns:
        table.add_column(name, justify="right")
    ids = list(next(iter(columns.values())))
    for key in ids[:limit]:
        label = names.product(key).label if names is not None else key
        table.add_row(label, *(number(numbers[key]) for numbers in columns.values()))
    out.print(table)
    if len(ids) > limit:
        out.print(f"... and {len(ids) - limit:,} more; --json gives them all")


def within(option: str, value: int, maximum: int, why: str) -> None:
    """Refuse a size below 1 or above ``maximum`` (exit 2), naming the option and the value."""
    if value < 1:
        raise BadInput([f"{option} {value}: must be at least 1"])
    if value > maximum:
        raise BadInput([f"{option} {value}: at most {maximum:,} ({why})"])


def csv_writer(table: pa.Table) -> Callable[[Path], None]:
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


def sha256_of_files(paths: list[Path]) -> str:
    """One content hash of several files, in the order given."""
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as file:
            digest.update(hashlib.file_digest(file, "sha256").hexdigest().encode())
    return digest.hexdigest()


DatabaseUrl = Annotated[str, typer.Option(
    "--database", help="SQLAlchemy URL: a SQLite file by default, or postgresql+psycopg://user@host/db.")]


def opened(database: str, opener: Callable[[str], Any]) -> Any:
    """``opener(database)``; a URL that names no reachable database is bad input (exit 2)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError

    try:
        return opener(database)
    except (ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError) as error:
        raise BadInput([f"--database {database!r}: {str(error).splitlines()[0]}"]) from None



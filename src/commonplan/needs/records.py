"""Readers of purchase, stock and request records (SPEC section 4), streamed through DuckDB.

The files are never loaded as Python objects: each kind of record becomes a DuckDB view over
all its files (CSV or Parquet, any number), checked by SQL, and aggregated by SQL.  Card and
member ids are replaced by keyed pseudonyms inside the view, so raw ids never leave the scan; the
only figure about people, distinct ids per product, is counted inside DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.source import BundleFile
from commonplan.economy.tables import csv_text_problem, utf8_problem
from commonplan.needs.privacy import Pseudonymiser
from commonplan.needs.record_kinds import RecordKind

MAX_PROBLEMS = 20


def _scan(path: Path) -> str:
    """A DuckDB table function reading one file with every column as text."""
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() == ".parquet":
        return f"read_parquet('{quoted}', file_row_number = true)"
    return f"read_csv('{quoted}', header = true, all_varchar = true, auto_detect = true, delim = ',')"


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """The file's columns and their DuckDB types (all VARCHAR for CSV)."""
    try:
        return {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {_scan(path)}").fetchall()
                if row[0] != "file_row_number"}
    except (duckdb.Error, OSError) as error:
        raise BundleError([unreadable(path, error)]) from None


def unreadable(path: Path, error: Exception) -> Problem:
    """Why a file of records cannot be read: where it breaks UTF-8, or what DuckDB says."""
    if "not utf-8" in str(error).lower() or "invalid unicode" in str(error).lower():
        return utf8_problem(BundleFile(str(path), path=path))
    if path.suffix.lower() == ".parquet":
        return Problem(str(path), "is not a readable Parquet file (truncated or corrupt?): "
                                  f"{str(error).splitlines()[0]}")
    return Problem(str(path), f"cannot read: {str(error).splitlines()[0]}")


def _number(column: str, columns: dict[str, str]) -> str:
    if columns.get(column, "VARCHAR") == "VARCHAR":
        return f"TRY_CAST(trim(\"{column}\") AS DOUBLE)"
    return f"TRY_CAST(\"{column}\" AS DOUBLE)"


def _date(column: str, columns: dict[str, str]) -> str:
    if columns.get(column) == "DATE":
        return f"\"{column}\""
    return f"TRY_CAST(trim(CAST(\"{column}\" AS VARCHAR)) AS DATE)"


def _breaches(kind: RecordKind, columns: dict[str, str]) -> list[tuple[str, str, str]]:
    """(column, SQL condition that is true on a bad row, message) for every check of a kind."""
    checks: list[tuple[str, str, str]] = []
    for column in kind.ids:
        checks.append((column, f"coalesce(trim(CAST(\"{column}\" AS VARCHAR)), '') = ''", "empty id"))
    for column in kind.numbers:
        value = _number(column, columns)
        checks.append((column, f"{value} IS NULL OR NOT isfinite({value})", "not a finite number"))
        checks.append((column, f"{value} < 0", "negative quantity"))
    for column in kind.dates:
        if column in columns:
            checks.append((column, f"\"{column}\" IS NOT NULL AND {_date(column, columns)} IS NULL",
                           "unreadable date (use YYYY-MM-DD)"))
    for column, allowed in kind.choices:
        if column in columns:
            words = ", ".join(f"'{word}'" for word in allowed)
            value = f"lower(coalesce(trim(CAST(\"{column}\" AS VARCHAR)), ''))"
            checks.append((column, f"{value} NOT IN ({words}, '')",
                           f"unknown {column} (one of {', '.join(allowed)}, or blank)"))
    return checks


def _problems_in(con: duckdb.DuckDBPyConnection, kind: RecordKind, path: Path,
                 columns: dict[str, str]) -> list[Problem]:
    """Every bad row of one file (the first MAX_PROBLEMS), as problems naming row and column."""
    checks = _breaches(kind, columns)
    any_bad = " OR ".join(f"({condition})" for _, condition, _ in checks)
    try:
        bad = con.execute(f"SELECT count(*) FROM {_scan(path)} WHERE {any_bad}").fetchone()
    except duckdb.Error as error:
        return [unreadable(path, error)]
    if not bad or bad[0] == 0:
        return []
    parquet = path.suffix.lower() == ".parquet"
    number = "file_row_number + 2" if parquet else "rowid + 2"
    source = _scan(path) if parquet else "_rows"
    if not parquet:  # a table keeps the file's order, so its rowid is the record number
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rows AS SELECT * FROM {_scan(path)}")
    problems: list[Problem] = []
    for column, condition, message in checks:
        rows = con.execute(f"SELECT {number} AS r FROM {source} WHERE {condition} ORDER BY r "
                           f"LIMIT {MAX_PROBLEMS}").fetchall()
        problems += [Problem(str(path), message, row, column) for (row,) in rows]
    problems.sort(key=lambda problem: (problem.row or 0, problem.column or ""))
    return problems[:MAX_PROBLEMS]


def _select(kind: RecordKind, path: Path, columns: dict[str, str], pseudonymiser: Pseudonymiser) -> str:
    """The typed, pseudonymised rows of one file."""
    parts = []
    for column in (*kind.required, *kind.optional):
        if column not in columns and column in dict(kind.choices):
            typed = f"'{dict(kind.choices)[column][0]}'"
        elif column not in columns:
            typed = "NULL::DATE" if column in kind.dates else "NULL::VARCHAR"
        elif column in kind.numbers:
            typed = _number(column, columns)
        elif column in kind.dates:
            typed = _date(column, columns)
        elif column in dict(kind.choices):  # blank is the first choice
            typed = (f"coalesce(NULLIF(lower(trim(CAST(\"{column}\" AS VARCHAR))), ''), "
                     f"'{dict(kind.choices)[column][0]}')")
        elif column in kind.people:
            typed = pseudonymiser.sql(f"NULLIF(trim(CAST(\"{column}\" AS VARCHAR)), '')")
        else:
            typed = f"trim(CAST(\"{column}\" AS VARCHAR))"
        parts.append(f"{typed} AS {column}")
    return f"SELECT {', '.join(parts)} FROM {_scan(path)}"


def _people(kind: RecordKind, path: Path, columns: dict[str, str]) -> tuple[str, str] | None:
    """(product, person) rows of one file, the person its id as recorded (text trimmed), and the
    id's type; None without a people column.

    Only the number of distinct people per product is ever read from these rows, inside DuckDB,
    and a keyed pseudonym (one-to-one) cannot change that number: hashing each distinct id and
    joining it back to 10^7 rows cost 4-15 s for nothing (docs/benchmarks.md)."""
    present = [column for column in kind.people if column in columns]
    if not present:
        return None
    raw = f"NULLIF(trim(CAST(\"{present[0]}\" AS VARCHAR)), '')"
    if columns[present[0]] != "VARCHAR":
        raw = f"\"{present[0]}\""
    return (f"SELECT trim(CAST(product AS VARCHAR)) AS product, {raw} AS person FROM {_scan(path)} "
            f"WHERE {raw} IS NOT NULL"), columns[present[0]]


def _empty(kind: RecordKind) -> str:
    parts = []
    for column in (*kind.required, *kind.optional):
        sql_type = "DOUBLE" if column in kind.numbers else "DATE" if column in kind.dates else "VARCHAR"
        parts.append(f"NULL::{sql_type} AS {column}")
    return f"SELECT {', '.join(parts)} LIMIT 0"


def register(con: duckdb.DuckDBPyConnection, kind: RecordKind, paths: Sequence[Path],
             pseudonymiser: Pseudonymiser) -> None:
    """Check every file of one kind and make them one DuckDB view named after the kind.

    Raises BundleError listing every problem (missing or unknown columns, empty ids, negative
    or unreadable quantities, unreadable dates) with file, row and column.
    """
    problems: list[Problem] = []
    selects: list[str] = []
    people: list[tuple[str, str]] = []
    for path in paths:
        if not Path(path).is_file():
            problems.append(Problem(str(path), "no such file"))
            continue
        if Path(path).suffix.lower() != ".parquet":
            not_text = csv_text_problem(BundleFile(str(path), path=Path(path)), len(kind.required))
            if not_text is not None:
                problems.append(not_text)
                continue
        columns = _columns(con, Path(path))
        missing = [column for column in kind.required if column not in columns]
        unknown = [column for column in columns if column not in (*kind.required, *kind.optional)]
        problems += [Problem(str(path), "missing column", 1, column) for column in missing]
        problems += [Problem(str(path), f"unknown column (a {kind.name} file has "
                             f"{', '.join((*kind.required, *kind.optional))})", 1, column)
                     for column in unknown]
        if missing or unknown:
            continue
        problems += _problems_in(con, kind, Path(path), columns)
        selects.append(_select(kind, Path(path), columns, pseudonymiser))
        found = _people(kind, Path(path), columns)
        if found is not None:
            people.append(found)
    if problems:
        raise BundleError(problems)
    if not selects:  # no files: an empty view of the right shape
        selects = [_empty(kind)]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {kind.name} AS {' UNION ALL '.join(selects)}")
    # Ids of one type are compared as they are; of several, as text (as a pseudonym hashes them).
    same = len({kind_of_id for _, kind_of_id in people}) <= 1
    people_rows = " UNION ALL ".join(
        f"({part})" if same else f"(SELECT product, CAST(person AS VARCHAR) AS person FROM ({part}))"
        for part, _ in people) or "SELECT NULL::VARCHAR AS product, NULL::VARCHAR AS person LIMIT 0"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {kind.name}_people AS {people_rows}")


def first_seen(paths: Sequence[Path], products: int) -> list[str]:
    """The ``products`` product ids in the files, in the order each first appears (files in the
    order given), reading only the ``product`` column, batch by batch, until all are seen (SPEC:
    maps list ids in file order)."""
    seen: dict[str, None] = {}
    for path in paths:
        for batch in _product_batches(Path(path)):
            seen.update(dict.fromkeys(pc.unique(batch).drop_null().to_pylist()))
            if len(seen) >= products:
                return list(seen)
    return list(seen)


def _product_batches(path: Path) -> Iterator[pa.Array]:
    if path.suffix.lower() == ".parquet":
        for batch in pq.ParquetFile(path).iter_batches(columns=["product"]):
            yield pc.cast(batch.column(0), pa.string())
        return
    options = pa_csv.ConvertOptions(include_columns=["product"], column_types={"product": pa.string()})
    with pa_csv.open_csv(path, convert_options=options) as reader:
        for batch in reader:
            yield batch.column(0)

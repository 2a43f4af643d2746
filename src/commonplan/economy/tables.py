"""Reading one bundle table (CSV or Parquet) and parsing its columns, collecting every problem.

Columns are parsed vectorised with Arrow: a table of 20 million rows costs seconds, and a bad
value is reported by file, row and column instead of stopping the read.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from commonplan.economy.problems import Problem
from commonplan.economy.source import BundleFile

NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
NOT_FINITE = r"(?i)^\s*[+-]?(inf|infinity|nan)\s*$"
INTEGER = r"^\s*\+?\d+\s*$"
LARGEST_INTEGER = 2**53  # whole numbers above this are not exact as float64


class ColumnKind(enum.Enum):
    ID = "id"  # a non-empty string, compared exactly
    TEXT = "text"  # free text, blank = none
    NUMBER = "number"  # decimal, blank = none
    BOOLEAN = "boolean"  # true/false in any case, blank = none
    INTEGER = "integer"  # whole number, blank = none


@dataclass(frozen=True)
class TableSpec:
    """A table of the bundle: its name, whether it must exist, its columns and which are required."""

    name: str
    required: bool
    columns: dict[str, ColumnKind]
    required_columns: tuple[str, ...]


@dataclass
class Table:
    """A table as read: the file it came from and its columns, not yet parsed."""

    file: str
    columns: dict[str, pa.ChunkedArray]
    num_rows: int

    def has(self, column: str) -> bool:
        return column in self.columns


def read_table(file: BundleFile, spec: TableSpec, problems: list[Problem]) -> Table | None:
    """Read ``file`` checking its header against ``spec``; ``None`` when it cannot be used."""
    try:
        if file.name.endswith(".parquet"):
            header = pq.read_schema(file.arrow_source()).names
        else:
            not_text = csv_text_problem(file, len(spec.required_columns))
            if not_text is not None:
                problems.append(not_text)
                return None
            header = _csv_header(file)
    except (pa.ArrowException, OSError, UnicodeDecodeError, csv.Error) as error:
        problems.append(_unreadable(file, error))
        return None
    if header is None:
        problems.append(Problem(file.name, "is empty: a header row is required"))
        return None
    if not header_fits(file.name, header, spec, problems):
        return None
    try:
        if file.name.endswith(".parquet"):
            table = pq.read_table(file.arrow_source(), columns=header)
        else:
            table = _read_csv(file, header, problems)
        if table is None:
            return None
        columns = {name: plain_column(table.column(name), spec.columns[name]) for name in header}
    except (pa.ArrowException, OSError) as error:
        problems.append(_unreadable(file, error))
        return None
    return Table(file.name, columns, table.num_rows)


def plain_column(values: pa.ChunkedArray, kind: ColumnKind) -> pa.ChunkedArray:
    """Dictionary-encoded columns decoded; id and text columns as strings (a Parquet id may be a number)."""
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if kind in (ColumnKind.ID, ColumnKind.TEXT) and values.type != pa.string():
        values = values.cast(pa.string())
    return values


DELIMITERS = {";": "semicolon", "\t": "tab", "|": "vertical bar"}
TEXT_SAMPLE = 1 << 16  # bytes looked at to tell text from binary data


def _not_csv_text(file: BundleFile) -> Problem | None:
    """A problem when the file is plainly not UTF-8 CSV text (UTF-16 or UTF-32, binary data)."""
    with file.arrow_source() as stream:
        head = stream.read(TEXT_SAMPLE)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 3 and head[1:4:2] == b"\x00\x00"
                                                      and head[0] and head[2]):
        return Problem(file.name, "is UTF-16 (or UTF-32) text, not UTF-8: save it as UTF-8 (CSV UTF-8)")
    zero = head.find(b"\x00")
    if zero >= 0:
        return Problem(file.name, f"holds binary data (byte 0x00 at offset {zero}), not CSV text: "
                                  "a table must be a CSV file in UTF-8 or a Parquet file")
    return None


def csv_text_problem(file: BundleFile, columns: int) -> Problem | None:
    """Why ``file`` is not a comma-separated UTF-8 table of at least ``columns`` columns, judged
    on its first bytes (UTF-16, binary data, another delimiter), or None when it may be one."""
    not_text = _not_csv_text(file)
    if not_text is not None:
        return not_text
    try:
        header = _csv_header(file)
    except (UnicodeDecodeError, csv.Error):
        return utf8_problem(file)
    if header is not None and len(header) == 1 and columns > 1:
        delimiter = next((name for mark, name in DELIMITERS.items() if mark in header[0]), None)
        if delimiter is not None:
            return Problem(file.name, f"one column found ({header[0]!r}): the delimiter must be a "
                                      f"comma, not a {delimiter}", 1)
    return None


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, UnicodeDecodeError) or "UTF8" in text or "UTF-8" in text:
        return "not valid UTF-8 text"
    return text


def _unreadable(file: BundleFile, error: Exception) -> Problem:
    reason = _reason(error)
    if reason == "not valid UTF-8 text" and not file.name.endswith(".parquet"):
        return utf8_problem(file)
    if file.name.endswith(".parquet"):
        return Problem(file.name, f"is not a readable Parquet file (truncated or corrupt?): {reason}")
    return Problem(file.name, f"cannot be read: {reason}")


def utf8_problem(file: BundleFile) -> Problem:
    """Where a CSV file first breaks UTF-8: its row and column, found by reading it again, a
    part at a time (a large file with one stray byte takes no more memory than a small one)."""
    with file.open() as stream:
        offset, byte = _first_bad_byte(stream)
    if offset is None:
        return Problem(file.name, "cannot be read: not valid UTF-8 text")
    why = (f"is not UTF-8 (byte 0x{byte:02X} at offset {offset}; Latin-1 or Windows-1252?): "
           "save it as UTF-8")
    header: list[str] = []
    row, record = 0, []
    with file.open() as stream:
        good = io.TextIOWrapper(io.BufferedReader(_Prefix(stream, offset)), "utf-8-sig", newline="")
        try:  # the bad byte is where a marker put after the good text lands
            for record in csv.reader(_marked(good)):
                if record:  # blank lines are skipped, as when the table is read
                    row += 1
                    header = header or record
        except csv.Error:
            return Problem(file.name, why)
    column = header[len(record) - 1] if row > 1 and len(record) <= len(header) else None
    return Problem(file.name, why, row or 1, column)


def _first_bad_byte(stream: BinaryIO) -> tuple[int | None, int]:
    """The offset and value of the first byte that breaks UTF-8, or (None, 0)."""
    decoder, done = codecs.getincrementaldecoder("utf-8")(), 0
    while True:
        chunk, pending = stream.read(1 << 20), len(decoder.getstate()[0])  # bytes held from before
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:  # its offsets count the held bytes, then the chunk
            bad = done - pending + error.start
            stream.seek(bad)
            return bad, stream.read(1)[0]
        if not chunk:
            return None, 0
        done += len(chunk)


class _Prefix(io.RawIOBase):
    """The first ``size`` bytes of ``stream``."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream, self.left = stream, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(min(len(buffer), self.left))
        buffer[:len(data)] = data
        self.left -= len(data)
        return len(data)


def _marked(lines: Iterable[str]) -> Iterator[str]:
    """The lines, with a marker "?" at the very end of the text (on its last line)."""
    last = None
    for line in lines:
        if last is not None:
            yield last
        last = line
    yield "?" if last is None else (last + "?" if not last.endswith(("\n", "\r")) else last)
    if last is not None and last.endswith(("\n", "\r")):
        yield "?"



def _csv_header(file: BundleFile) -> list[str] | None:
    with file.arrow_source() as stream:
        head = stream.read(1 << 16)
    text = head.decode("utf-8-sig", errors="strict") if len(head) < 1 << 16 else \
        head.decode("utf-8-sig", errors="ignore")
    rows = csv.reader(io.StringIO(text))
    return next(rows, None) or None


def header_fits(file: str, header: list[str], spec: TableSpec, problems: list[Problem]) -> bool:
    before = len(problems)
    known = ", ".join(spec.columns)
    for position, name in enumerate(header):
        if name not in spec.columns:
            problems.append(Problem(file, f"unknown column {name!r} (expected {known})", 1, name))
        elif name in header[:position]:
            problems.append(Problem(file, "column appears twice", 1, name))
    for name in spec.required_columns:
        if name not in header:
            problems.append(Problem(file, f"missing required column {name!r}", 1))
    return len(problems) == before


def _read_csv(file: BundleFile, header: list[str], problems: list[Problem]) -> pa.Table | None:
    bad_rows: list[Problem] = []

    def skip_invalid(row: pa_csv.InvalidRow) -> str:
        bad_rows.append(Problem(file.name, f"has {row.actual_columns} fields, the header has "
                                           f"{row.expected_columns}", row.number))
        return "skip"

    convert = pa_csv.ConvertOptions(column_types={name: pa.string() for name in header},
                                    strings_can_be_null=False, quoted_strings_can_be_null=False)
    parse = pa_csv.ParseOptions(invalid_row_handler=skip_invalid, newlines_in_values=True)
    table = pa_csv.read_csv(file.arrow_source(), parse_options=parse, convert_options=convert)
    if bad_rows and any(problem.row is None for problem in bad_rows):
        bad_rows.clear()  # row numbers are known only to a single-threaded read
        pa_csv.read_csv(file.arrow_source(), read_options=pa_csv.ReadOptions(use_threads=False),
                        parse_options=parse, convert_options=convert)
    if bad_rows:
        problems.extend(bad_rows)
        return None
    return table


def rows_where(mask: np.ndarray) -> np.ndarray:
    """File rows (header = 1) of the records where ``mask`` holds."""
    return np.flatnonzero(mask) + 2


def report(problems: list[Problem], file: str, column: str, mask: np.ndarray,
           message: str | list[str]) -> None:
    """Add one problem per row where ``mask`` holds; ``message`` may differ row by row."""
    rows = rows_where(mask)
    messages = [message] * len(rows) if isinstance(message, str) else message
    problems.extend(Problem(file, text, int(row), column) for row, text in zip(rows, messages,
                                                                              strict=True))


def _strings(values: pa.ChunkedArray) -> pa.Array:
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return array.cast(pa.string()) if not pa.types.is_string(array.type) else array


def _blank(strings: pa.Array) -> npt.NDArray[np.bool_]:
    trimmed = pc.utf8_trim_whitespace(strings)
    blank: npt.NDArray[np.bool_] = pc.fill_null(pc.equal(trimmed, ""), True).to_numpy(zero_copy_only=False)
    return blank


def _quoted(strings: pa.Array, mask: np.ndarray) -> list[str]:
    return [f"{value!r}" for value in strings.filter(pa.array(mask)).to_pylist()]


def parse_ids(table: Table, column: str, problems: list[Problem]) -> pa.StringArray:
    """A required id column; an empty id is a problem."""
    values = _strings(table.columns[column])
    empty = pc.fill_null(pc.equal(values, ""), True).to_numpy(zero_copy_only=False)
    if empty.any():
        report(problems, table.file, column, empty, "empty id")
    return values


def parse_text(table: Table, column: str) -> pa.StringArray | None:
    """Optional free text; blank becomes null."""
    if not table.has(column):
        return None
    values = _strings(table.columns[column])
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def parse_numbers(table: Table, column: str, problems: list[Problem]) -> np.ndarray:
    """A numeric column as float64, NaN where blank (or the column is absent); bad text reported."""
    if not table.has(column):
        return np.full(table.num_rows, np.nan)
    values = table.columns[column]
    if _is_numeric(values.type):
        numbers: npt.NDArray[np.float64] = pc.cast(values, pa.float64(),
                                                   safe=False).to_numpy(zero_copy_only=False)
        present: np.ndarray | bool = True
        if values.null_count:
            present = ~pc.is_null(values).to_numpy(zero_copy_only=False)
            numbers = np.where(present, numbers, np.nan)
        _report_not_finite(table, column, numbers, present, problems)  # a stored NaN is reported
        return numbers
    strings = _strings(values)
    blank = _blank(strings)
    number = pc.fill_null(pc.match_substring_regex(strings, NUMBER), False)
    number = number.to_numpy(zero_copy_only=False)
    bad = ~blank & ~number
    if bad.any():
        words = pc.fill_null(pc.match_substring_regex(strings, NOT_FINITE), False)
        words = words.to_numpy(zero_copy_only=False)
        report(problems, table.file, column, bad & words, "is not a finite number")
        text = _quoted(strings, bad & ~words)
        report(problems, table.file, column, bad & ~words, [f"{t} is not a number" for t in text])
    numbers = _numbers_where(strings, number)
    _report_not_finite(table, column, numbers, number, problems)  # 1e999 overflows to inf
    return numbers


def _numbers_where(strings: pa.Array, valid: np.ndarray) -> np.ndarray:
    """The text as float64 where ``valid`` (checked to be a number), NaN elsewhere."""
    clean = pc.if_else(pa.array(valid), pc.utf8_trim_whitespace(strings),
                       pa.scalar(None, pa.string()))
    return np.where(valid, pc.cast(clean, pa.float64()).to_numpy(zero_copy_only=False), np.nan)


def blank_cells(table: Table, column: str) -> np.ndarray:
    """Where ``column`` holds nothing (null or blank text); everywhere when it is absent."""
    if not table.has(column):
        return np.ones(table.num_rows, bool)
    values = table.columns[column]
    if _is_numeric(values.type):
        null: npt.NDArray[np.bool_] = pc.is_null(values).to_numpy(zero_copy_only=False)
        return null
    return _blank(_strings(values))


def _is_numeric(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind))


def _report_not_finite(table: Table, column: str, numbers: np.ndarray, present: np.ndarray | bool,
                       problems: list[Problem]) -> None:
    infinite = present & ~np.isfinite(numbers)
    if infinite.any():
        report(problems, table.file, column, infinite, "is not a finite number")


def parse_booleans(table: Table, column: str, problems: list[Problem]) -> np.ndarray:
    """``true``/``false`` in any case; blank or absent is false."""
    if not table.has(column):
        return np.zeros(table.num_rows, bool)
    values = table.columns[column]
    if pa.types.is_boolean(values.type):
        stored: npt.NDArray[np.bool_] = pc.fill_null(values, False).to_numpy(zero_copy_only=False)
        return stored
    words = pc.utf8_lower(pc.utf8_trim_whitespace(_strings(values)))
    true: npt.NDArray[np.bool_] = pc.fill_null(pc.equal(words, "true"), False).to_numpy(zero_copy_only=False)
    known = pc.fill_null(pc.is_in(words, pa.array(["true", "false", ""])), True)
    bad = ~known.to_numpy(zero_copy_only=False)
    if bad.any():
        text = _quoted(_strings(values), bad)
        report(problems, table.file, column, bad, [f"{t} is not true or false" for t in text])
    return true


def parse_positive_integers(table: Table, column: str, default: int,
                            problems: list[Problem]) -> np.ndarray:
    """Whole numbers >= 1; blank or absent gives ``default``."""
    if not table.has(column):
        return np.full(table.num_rows, default, np.int64)
    values = table.columns[column]
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        numbers = pc.cast(values, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        present = ~pc.is_null(values).to_numpy(zero_copy_only=False)
    else:
        strings = _strings(values)
        present = ~_blank(strings)
        whole = pc.fill_null(pc.match_substring_regex(strings, INTEGER), False)
        whole = whole.to_numpy(zero_copy_only=False)
        numbers = _numbers_where(strings, whole)  # as float64: never overflows
    with np.errstate(invalid="ignore"):
        good = np.isfinite(numbers) & (numbers >= 1) & (numbers == np.round(numbers))
        huge = good & (numbers > LARGEST_INTEGER)
    bad = present & ~good
    if bad.any():
        report(problems, table.file, column, bad, "must be a whole number of at least 1")
    if huge.any():
        report(problems, table.file, column, present & huge, f"must be at most {LARGEST_INTEGER}")
        good &= ~huge
    return np.where(present & good, numbers, default).astype(np.int64)

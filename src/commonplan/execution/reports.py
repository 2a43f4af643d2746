"""A workplace's report for one period: what it made (``output``), the inputs it used
(``input``), the hours it worked by kind of labour (``labour``) and what it holds at the
period's end (``stock``), one line per section and product; checked like a bundle, every breach
named by file, row and column, all of them in one go (:func:`check_report`).

The rules (docs/execution.md, Reports):
- a section is one of :data:`SECTIONS`; a product is one of the economy's, of a kind the section
  takes (:data:`KINDS`: labour is reported under ``labour`` only; nobody makes a resource);
- a quantity is a finite decimal number from 0 to :data:`MAX_QUANTITY`;
- one line per section and product (a second would leave it unclear which counts);
- an ``output`` is of a product the workplace has an output target for in the plan: its
  fulfilment is measured against that target (a workplace that cannot meet its targets disputes
  them); an input or labour outside its targets is accepted with a warning (a substitute, or a
  technique that changed: what the next plan learns from);
- at least one line and at most :data:`MAX_LINES`.

The report's canonical form (:func:`canonical`) sorts each section by product, so the same
figures have the same SHA-256 whatever their order: sending it again changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from commonplan.economy.problems import BundleError, Problem

SECTIONS = ("output", "input", "labour", "stock")
PLURALS = MappingProxyType({"output": "outputs", "input": "inputs", "labour": "labour", "stock": "stocks"})
KINDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "output": frozenset({"good", "service"}),
    "input": frozenset({"good", "service", "resource"}),
    "labour": frozenset({"labour"}),
    "stock": frozenset({"good", "resource"}),
})
COLUMNS = ("section", "product", "quantity")  # required, in any order
OPTIONAL_COLUMNS = ("name", "unit")  # for people (a filled-in template), not read
MAX_LINES = 10_000  # lines of one report
MAX_PRODUCT = 200  # characters of a product id in a report
MAX_QUANTITY = 1e15  # a quantity at most (sums of a report's figures stay finite)


class ReportError(BundleError):
    """A report that breaks the rules: ``problems`` names every breach."""


@dataclass(frozen=True)
class RawLine:
    """A line as given: its ``where`` (a CSV row number, or a position in a JSON list) and its
    fields as text or number."""

    section: str
    product: str
    quantity: str | float
    row: int | None = None
    where: str = ""  # a JSON position such as ``outputs[2]`` ("" for a CSV row)


@dataclass(frozen=True)
class Line:
    section: str
    product: str
    quantity: float


@dataclass(frozen=True)
class Checked:
    """A report that keeps the rules: its lines in canonical order, and the warnings."""

    lines: tuple[Line, ...]
    warnings: tuple[str, ...]

    @property
    def document(self) -> dict[str, list[dict[str, Any]]]:
        return canonical(self.lines)

    @property
    def labour_hours(self) -> float:
        return float(sum(line.quantity for line in self.lines if line.section == "labour"))


@dataclass(frozen=True)
class Targets:
    """What the plan asks of the workplace, as the checks need it: the products of its output,
    input (resources included) and labour targets."""

    outputs: frozenset[str]
    inputs: frozenset[str]
    labour: frozenset[str]


def read_csv(text: str, file: str) -> list[RawLine]:
    """The lines of a report in CSV (a header row naming :data:`COLUMNS`, and optionally
    :data:`OPTIONAL_COLUMNS`, in any order); a ReportError naming every column missing or
    unknown, or a row of the wrong length."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [column.strip() for column in next(reader, [])]
    known = COLUMNS + OPTIONAL_COLUMNS
    problems = [Problem(file, f"the column {column!r} is missing", 1)
                for column in COLUMNS if column not in header]
    problems += [Problem(file, f"unknown column {column!r} (columns: {', '.join(known)})", 1, column)
                 for column in header if column not in known]
    problems += [Problem(file, f"the column {column!r} is given twice", 1, column)
                 for column in sorted({c for c in header if header.count(c) > 1})]
    if problems:
        raise ReportError(problems)
    at = {column: header.index(column) for column in COLUMNS}
    lines: list[RawLine] = []
    for row, fields in enumerate(reader, start=2):
        if not any(field.strip() for field in fields):
            continue  # a blank line
        if len(fields) != len(header):
            problems.append(Problem(file, f"{len(fields)} fields where the header has {len(header)}", row))
        elif len(lines) < MAX_LINES + 1:
            lines.append(RawLine(fields[at["section"]].strip(), fields[at["product"]].strip(),
                                 fields[at["quantity"]].strip(), row))
        if len(problems) > 100:
            break
    if problems:
        raise ReportError(problems)
    return lines


def from_sections(sections: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[RawLine]:
    """The lines of a report given by section (``outputs``, ``inputs``, ``labour``, ``stocks``:
    lists of ``{product, quantity}``), as the API takes it."""
    by_plural = {plural: section for section, plural in PLURALS.items()}
    return [RawLine(by_plural[plural], str(item.get("product", "")), item.get("quantity", ""),
                    where=f"{plural}[{position}]")
            for plural, items in sections.items() for position, item in enumerate(items)]


def check_report(lines: Sequence[RawLine], kinds: Mapping[str, str], targets: Targets,
                 file: str = "report") -> Checked:
    """``lines`` checked against the economy's products (``kinds``: id to kind word) and the
    workplace's ``targets`` (module doc); a ReportError naming every breach otherwise."""
    problems: list[Problem] = []
    if not lines:
        problems.append(Problem(file, "a report has at least one line (a workplace that stood still "
                                      "reports its hours as 0)"))
    if len(lines) > MAX_LINES:
        raise ReportError([Problem(file, f"a report has at most {MAX_LINES} lines")])
    warnings: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    checked: list[Line] = []
    for line in lines:
        def problem(column: str, message: str, line: RawLine = line) -> None:
            if line.where:
                problems.append(Problem(file, message, None, f"{line.where}.{column}"))
            else:
                problems.append(Problem(file, message, line.row, column))

        quantity = _quantity(line.quantity)
        if isinstance(quantity, str):
            problem("quantity", quantity)
        if line.section not in SECTIONS:
            problem("section", f"{line.section[:40]!r} is not a section: one of {', '.join(SECTIONS)}")
            continue
        product = line.product
        kind = kinds.get(product)
        if not product or len(product) > MAX_PRODUCT or "\x00" in product:
            problem("product", f"a product is an id of 1 to {MAX_PRODUCT} characters")
            continue
        if kind is None:
            problem("product", f"unknown product {product!r}: not a product of the plan's economy")
            continue
        if kind not in KINDS[line.section]:
            problem("product", f"{product!r} is a {kind}: a{'n' if line.section[0] in 'aeiou' else ''} "
                               f"{line.section} is a {' or a '.join(sorted(KINDS[line.section]))}")
            continue
        key = (line.section, product)
        if key in seen:
            problem("product", f"{product!r} is reported twice as {line.section} (also at {seen[key]})")
            continue
        seen[key] = f"row {line.row}" if line.row is not None else line.where
        if line.section == "output" and product not in targets.outputs:
            problem("product", f"the workplace has no output target for {product!r} in the adopted plan "
                               "(a workplace that makes something else disputes its targets)")
            continue
        if line.section == "input" and product not in targets.inputs:
            warnings.append(f"{product!r} is used as an input but is not among the workplace's input targets")
        if line.section == "labour" and product not in targets.labour:
            warnings.append(f"{product!r} hours are reported but the plan gives the workplace none")
        if not isinstance(quantity, str):
            checked.append(Line(line.section, product, quantity))
    if problems:
        raise ReportError(problems)
    return Checked(tuple(sorted(checked, key=lambda each: (SECTIONS.index(each.section), each.product))),
                   tuple(warnings))


def _quantity(given: str | float) -> float | str:
    """The quantity as a number, or what is wrong with it."""
    if isinstance(given, bool):
        return "a quantity is a number, not true or false"
    if isinstance(given, int | float):
        value = float(given)
    else:
        text = given.strip()
        if not text:
            return "the quantity is missing"
        try:
            value = float(text)
        except ValueError:
            return f"{text[:40]!r} is not a number"
    if not math.isfinite(value):
        return f"the quantity must be a finite number, not {value}"
    if value < 0:
        return f"the quantity must be >= 0, not {value:g}"
    if value > MAX_QUANTITY:
        return f"the quantity must be at most {MAX_QUANTITY:g}, not {value:g}"
    return value


def canonical(lines: Iterable[Line]) -> dict[str, list[dict[str, Any]]]:
    """The report as stored and served: each section (plural) a list of ``{product, quantity}``
    in product order."""
    document: dict[str, list[dict[str, Any]]] = {plural: [] for plural in PLURALS.values()}
    for line in sorted(lines, key=lambda each: (SECTIONS.index(each.section), each.product)):
        document[PLURALS[line.section]].append({"product": line.product, "quantity": line.quantity})
    return document


def sha256_of(document: Mapping[str, Any]) -> str:
    """The SHA-256 of a report's canonical JSON (keys sorted, no spaces): what the open books keep."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

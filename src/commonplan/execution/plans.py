"""An adopted plan's targets per workplace as the execution simulator reads them: from the
targets download of a round (CSV, app.targets.CSV_COLUMNS) or its JSON documents (a list of the
documents ``GET /rounds/{id}/targets`` serves, or ``{"targets": [...]}``). Every figure is the
whole execution's; a bad file is a ReportError naming file, row and column."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from commonplan.economy.problems import Problem
from commonplan.execution.reports import ReportError

CSV_COLUMNS = ("producer", "section", "technique", "product", "name", "unit", "quantity", "from", "others")
SECTIONS = ("output", "input", "resource", "labour")
MAX_ROWS = 5_000_000  # rows of a targets file


@dataclass
class WorkplacePlan:
    """What the plan asks of one workplace over the execution: its ``outputs``, its produced
    ``inputs`` with the part each supplier sends (``suppliers``; the rest from the product's
    makers at large), its ``resources`` and its ``labour`` by kind, product by product."""

    producer: str
    outputs: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, float] = field(default_factory=dict)
    suppliers: dict[str, dict[str, float]] = field(default_factory=dict)
    resources: dict[str, float] = field(default_factory=dict)
    labour: dict[str, float] = field(default_factory=dict)


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 and not isinstance(text, bool) else None


def read_targets_csv(text: str, file: str) -> list[WorkplacePlan]:
    """The plans of a targets CSV download, workplaces in order of first appearance."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [column.strip() for column in next(reader, [])]
    problems = [Problem(file, f"the column {column!r} is missing", 1)
                for column in ("producer", "section", "product", "quantity") if column not in header]
    problems += [Problem(file, f"unknown column {column!r} (columns: {', '.join(CSV_COLUMNS)})", 1, column)
                 for column in header if column not in CSV_COLUMNS]
    if problems:
        raise ReportError(problems)
    at = {column: header.index(column) for column in header}
    plans: dict[str, WorkplacePlan] = {}
    for row, fields in enumerate(reader, start=2):
        if not any(part.strip() for part in fields):
            continue
        if row > MAX_ROWS or len(problems) > 100:
            problems.append(Problem(file, f"stopped at row {row}: too many rows or problems", row))
            break
        if len(fields) != len(header):
            problems.append(Problem(file, f"{len(fields)} fields where the header has {len(header)}", row))
            continue
        value = {column: fields[index].strip() for column, index in at.items()}
        section, product, producer = value["section"], value["product"], value["producer"]
        quantity = _number(value["quantity"])
        if section not in SECTIONS:
            problems.append(Problem(file, f"{section[:40]!r} is not a section: one of {', '.join(SECTIONS)}",
                                    row, "section"))
        if not product:
            problems.append(Problem(file, "the product is missing", row, "product"))
        if quantity is None:
            problems.append(Problem(file, f"{value['quantity'][:40]!r} is not a quantity >= 0", row,
                                    "quantity"))
        if section not in SECTIONS or not product or quantity is None:
            continue
        plan = plans.setdefault(producer, WorkplacePlan(producer))
        _add(plan, section, product, quantity, value.get("from", ""))
    if problems:
        raise ReportError(problems)
    return list(plans.values())


def read_targets_json(text: str, file: str) -> list[WorkplacePlan]:
    """The plans of targets documents in JSON (a list, or ``{"targets": [...]}``)."""
    try:
        given = json.loads(text)
    except ValueError as error:
        raise ReportError([Problem(file, f"not JSON: {error}")]) from None
    documents = given.get("targets") if isinstance(given, dict) else given
    if not isinstance(documents, list):
        raise ReportError([Problem(file, 'a list of targets documents, or {"targets": [...]}, is expected')])
    problems: list[Problem] = []
    plans: list[WorkplacePlan] = []
    for position, document in enumerate(documents):
        where = f"targets[{position}]"
        if not isinstance(document, Mapping) or not isinstance(document.get("producer"), str):
            problems.append(Problem(file, "a targets document names its producer", None, where))
            continue
        plan = WorkplacePlan(document["producer"])
        for plural, section in (("outputs", "output"), ("inputs", "input"), ("resources", "resource"),
                                ("labour", "labour")):
            items = document.get(plural, [])
            if not isinstance(items, list):
                problems.append(Problem(file, "a list is expected", None, f"{where}.{plural}"))
                continue
            for index, item in enumerate(items):
                quantity = _number(item.get("quantity")) if isinstance(item, Mapping) else None
                product = item.get("product") if isinstance(item, Mapping) else None
                if quantity is None or not isinstance(product, str) or not product:
                    problems.append(Problem(file, "a product and a quantity >= 0 are expected", None,
                                            f"{where}.{plural}[{index}]"))
                    continue
                _add(plan, section, product, quantity, "")
                if section == "input":
                    for supply in item.get("from") or []:
                        share = _number(supply.get("quantity")) if isinstance(supply, Mapping) else None
                        if share is not None and isinstance(supply.get("producer"), str):
                            suppliers = plan.suppliers.setdefault(product, {})
                            suppliers[supply["producer"]] = suppliers.get(supply["producer"], 0.0) + share
        plans.append(plan)
    if problems:
        raise ReportError(problems)
    return plans


def _add(plan: WorkplacePlan, section: str, product: str, quantity: float, supplier: str) -> None:
    """One row of a download added to ``plan`` (an input's rows: one per supplier, so they add up)."""
    book = {"output": plan.outputs, "input": plan.inputs, "resource": plan.resources,
            "labour": plan.labour}[section]
    book[product] = book.get(product, 0.0) + quantity
    if section == "input" and supplier:
        suppliers = plan.suppliers.setdefault(product, {})
        suppliers[supplier] = suppliers.get(supplier, 0.0) + quantity


def read_targets(text: str, file: str) -> list[WorkplacePlan]:
    """The plans of a targets file, JSON when it starts so, else CSV; at least one workplace."""
    is_json = text.lstrip().startswith(("[", "{"))
    plans = read_targets_json(text, file) if is_json else read_targets_csv(text, file)
    if not plans:
        raise ReportError([Problem(file, "no workplace has targets in this file")])
    return plans

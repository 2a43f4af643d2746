"""Carrying out an adopted plan with simulated workplaces: noise, and faults injected at known
times, so that the watching of execution can be tested, measured and shown (issue 16, item 7).

Each workplace's targets (execution.plans.WorkplacePlan, whole-execution figures) are spread
evenly over the execution's ``plan_periods`` periods: p = target / N a period. In period t:

- a workplace's **own factor** on each of its outputs is 1, times ``1 - size`` during a
  **breakdown** of it, times ``1 - size (t - start + 1)`` (at least 0) from the start of a
  **drift** of it (of one of its products, or all), times ``1 - size`` during a **shortfall** of
  that product (its makers fall short);
- what it **receives** of each produced input is the plan's part from each supplier times the
  share of plan that supplier made of it the period before (what is made in a period reaches its
  users in the next), the rest (the plan's "others") at the share all its makers made; a
  resource, or a product nobody in the plan makes, arrives in full but for its shortfalls;
- it can work at ``a = min(1, (stock + received) / planned use)`` over its inputs (the plan's
  input shares: the scarcest input bounds it, as in Leontief's technology), and its outputs are
  ``p x own factor x a x (1 + noise e)``, e standard normal, at least 0;
- it uses each input at ``planned use x (share of plan made) x (1 + noise e)``, at most what it
  has, and holds the rest as **stock** (starting at ``stock_periods`` periods of planned use);
  its hours are the plan's times ``1 + noise e`` (a breakdown costs output, not hours);
- a workplace free of faults **makes up** what it owes (its output short of plan so far) with up
  to ``spare`` of plan more a period, inputs allowing, so that its users' stocks refill and a
  fault's consequences pass.

Everything random is drawn once from ``seed`` before any fault is applied, so a fault changes
nothing before its start and the same seed gives the same reports. :class:`Simulation` holds the
figures as arrays (periods x rows), :meth:`Simulation.report` one workplace's report for a period
as execution.reports lines, and :meth:`Simulation.truth` the faults injected.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from commonplan.economy.problems import Problem
from commonplan.execution.plans import WorkplacePlan
from commonplan.execution.reports import Line, ReportError

MAX_FAULTS = 10_000  # faults of one simulation
MAX_PERIODS = 3_660  # periods of one simulation (execution.periods.MAX_PERIODS)
FAULT_COLUMNS = ("kind", "workplace", "product", "start", "periods", "size")


class FaultKind(StrEnum):
    BREAKDOWN = "breakdown"  # a workplace's output falls to 1 - size of plan
    SHORTFALL = "shortfall"  # a product's makers fall short by size of plan
    DRIFT = "drift"  # a workplace's output (or one product's) falls by size of plan more each period


@dataclass(frozen=True)
class Fault:
    """A fault from period ``start`` (0-based) for ``periods`` periods (None: to the end), of
    ``size`` (a share of plan lost; for a drift, lost more each period)."""

    kind: FaultKind
    start: int
    size: float
    workplace: str = ""
    product: str = ""
    periods: int | None = None

    def active(self, t: int) -> bool:
        return t >= self.start and (self.periods is None or t < self.start + self.periods)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "workplace": self.workplace or None, "product": self.product or None,
                "start": self.start, "periods": self.periods, "size": self.size}


@dataclass(frozen=True)
class Simulation:
    """The figures of a simulated execution: for each output row (a workplace's product) and
    each input row (a workplace's produced input or resource), per period."""

    producers: tuple[str, ...]
    plans: tuple[WorkplacePlan, ...]
    periods: int
    plan_periods: int
    output_rows: tuple[tuple[int, str], ...]  # (workplace, product)
    input_rows: tuple[tuple[int, str], ...]
    resource_rows: frozenset[int]  # the input rows that are resources
    outputs: np.ndarray  # periods x output rows
    inputs: np.ndarray  # periods x input rows, used
    stocks: np.ndarray  # periods x input rows, at the period's end
    labour: tuple[np.ndarray, ...]  # per workplace: periods x its kinds of labour
    faults: tuple[Fault, ...]
    seed: int
    noise: float

    @cached_property
    def _rows(self) -> tuple[list[list[int]], list[list[int]]]:
        """Each workplace's output rows and input rows."""
        outputs: list[list[int]] = [[] for _ in self.producers]
        inputs: list[list[int]] = [[] for _ in self.producers]
        for row, (w, _) in enumerate(self.output_rows):
            outputs[w].append(row)
        for row, (w, _) in enumerate(self.input_rows):
            inputs[w].append(row)
        return outputs, inputs

    def report(self, workplace: int, t: int, stocked: Mapping[str, bool] | None = None) -> tuple[Line, ...]:
        """The workplace's report for period t: its outputs, inputs, hours and stocks (of the
        input rows that are resources, or goods by ``stocked``)."""
        plan = self.plans[workplace]
        outputs, inputs = self._rows[0][workplace], self._rows[1][workplace]
        lines = [Line("output", self.output_rows[row][1], float(self.outputs[t, row])) for row in outputs]
        for row in inputs:
            product = self.input_rows[row][1]
            lines.append(Line("input", product, float(self.inputs[t, row])))
            if row in self.resource_rows or (stocked or {}).get(product, False):
                lines.append(Line("stock", product, float(self.stocks[t, row])))
        lines += [Line("labour", kind, float(self.labour[workplace][t, index]))
                  for index, kind in enumerate(plan.labour)]
        return tuple(lines) or (Line("labour", "labour", 0.0),)

    def reports(self, stocked: Mapping[str, bool] | None = None
                ) -> Iterator[tuple[str, int, tuple[Line, ...]]]:
        """Every report: (producer, period, lines), workplace by workplace."""
        for workplace, producer in enumerate(self.producers):
            for t in range(self.periods):
                yield producer, t, self.report(workplace, t, stocked)

    def truth(self) -> dict[str, Any]:
        """What was injected, for checking what the watch found."""
        return {"seed": self.seed, "noise": self.noise, "periods": self.periods,
                "plan_periods": self.plan_periods, "faults": [fault.as_dict() for fault in self.faults]}


def simulate(plans: Sequence[WorkplacePlan], faults: Sequence[Fault] = (), *, periods: int,
             plan_periods: int | None = None, noise: float = 0.05, seed: int = 0,
             stock_periods: float = 1.0, spare: float = 0.1) -> Simulation:
    """``periods`` periods of the execution of ``plans`` (targets over ``plan_periods`` periods,
    by default ``periods``), with ``noise`` (the coefficient of variation of each figure) and
    ``faults``, workplaces free of faults catching up on what they owe with up to ``spare`` of
    plan more a period; a ReportError naming every fault that does not fit the plan."""
    plan_periods = plan_periods or periods
    if not 1 <= periods <= MAX_PERIODS or plan_periods < 1:
        raise ValueError(f"a simulation runs 1 to {MAX_PERIODS} periods, not {periods}")
    if not (math.isfinite(noise) and 0 <= noise <= 1 and math.isfinite(stock_periods) and stock_periods >= 0
            and math.isfinite(spare) and 0 <= spare <= 1):
        raise ValueError("the noise and the spare capacity are shares from 0 to 1, the stock a number of "
                         "periods >= 0")
    check_faults(plans, faults, periods)
    producers = tuple(plan.producer for plan in plans)
    index = {producer: w for w, producer in enumerate(producers)}
    output_rows = tuple((w, product) for w, plan in enumerate(plans) for product in plan.outputs)
    input_rows = tuple((w, product) for w, plan in enumerate(plans)
                       for product in dict.fromkeys([*plan.inputs, *plan.resources]))
    resource_rows = frozenset(row for row, (w, product) in enumerate(input_rows)
                              if product in plans[w].resources and product not in plans[w].inputs)
    made = np.array([plans[w].outputs[product] for w, product in output_rows]) / plan_periods
    use = np.array([plans[w].inputs.get(product, 0.0) + plans[w].resources.get(product, 0.0)
                    for w, product in input_rows]) / plan_periods
    out_w = np.array([w for w, _ in output_rows], dtype=np.int64)
    in_w = np.array([w for w, _ in input_rows], dtype=np.int64)
    code: dict[str, int] = {}
    out_q = np.array([code.setdefault(product, len(code)) for _, product in output_rows], dtype=np.int64)
    in_q = np.array([code.setdefault(product, len(code)) for _, product in input_rows], dtype=np.int64)
    supply, external = _supply_matrix(plans, output_rows, input_rows, index, made)

    rng = np.random.default_rng(seed)
    noise_out = rng.standard_normal((periods, len(output_rows)))
    noise_in = rng.standard_normal((periods, len(input_rows)))
    noise_hours = [rng.standard_normal((periods, len(plan.labour))) for plan in plans]

    outputs = np.zeros((periods, len(output_rows)))
    used = np.zeros((periods, len(input_rows)))
    stocks = np.zeros((periods, len(input_rows)))
    stock = use * stock_periods
    share = np.ones(len(output_rows))  # of plan made, the period before
    owed = np.zeros(len(output_rows))  # output short of plan so far, to make up
    weight = np.bincount(out_w, weights=made, minlength=len(plans))
    for t in range(periods):
        own = _own_factors(faults, t, out_w, out_q, index, code)
        received = use * np.where(external, _arriving(faults, t, in_q, code), supply @ share)
        have = stock + received
        ratio = np.divide(have, use, out=np.ones_like(have), where=use > 0)
        able = np.full(len(plans), 1 + spare)
        np.minimum.at(able, in_w, np.where(np.abs(ratio - 1) < 1e-9, 1.0, ratio))  # 1e-9: the parts' rounding
        wanted = np.where(own >= 1, 1 + np.minimum(spare, np.divide(owed, made, out=np.zeros_like(owed),
                                                                    where=made > 0)), 1.0)
        share = own * np.minimum(able[out_w], wanted)
        owed = np.maximum(owed + made * (1 - share), 0.0)
        outputs[t] = np.maximum(made * share * (1 + noise * noise_out[t]), 0.0)
        activity = np.divide(np.bincount(out_w, weights=made * share, minlength=len(plans)), weight,
                             out=able.copy(), where=weight > 0)
        used[t] = np.minimum(np.maximum(use * activity[in_w] * (1 + noise * noise_in[t]), 0.0), have)
        stock = have - used[t]
        stocks[t] = stock
    labour = tuple(np.maximum(np.array([plan.labour[kind] / plan_periods for kind in plan.labour])
                              * (1 + noise * hours), 0.0).reshape(periods, len(plan.labour))
                   for plan, hours in zip(plans, noise_hours, strict=True))
    return Simulation(producers, tuple(plans), periods, plan_periods, output_rows, input_rows, resource_rows,
                      outputs, used, stocks, labour, tuple(faults), seed, noise)


def _supply_matrix(plans: Sequence[WorkplacePlan], output_rows: Sequence[tuple[int, str]],
                   input_rows: Sequence[tuple[int, str]], index: Mapping[str, int],
                   made: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """S (input rows x output rows): the share of each input row's plan coming from each output
    row (its named suppliers, the rest from all makers of the product by their plan), and which
    input rows nobody in the plan makes (resources, products from outside)."""
    by_product: dict[str, list[int]] = {}
    for row, (_, product) in enumerate(output_rows):
        by_product.setdefault(product, []).append(row)
    row_of = {(w, product): row for row, (w, product) in enumerate(output_rows)}
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    external = np.zeros(len(input_rows), dtype=bool)
    for i, (w, product) in enumerate(input_rows):
        planned = plans[w].inputs.get(product, 0.0)
        makers = by_product.get(product, [])
        if not makers or planned <= 0:
            external[i] = True
            continue
        rest = 1.0
        for supplier, quantity in plans[w].suppliers.get(product, {}).items():
            made_by = row_of.get((index.get(supplier, -1), product))
            if made_by is not None and quantity > 0:
                part = min(quantity / planned, rest)
                rows.append(i)
                columns.append(made_by)
                values.append(part)
                rest -= part
        if rest > 1e-12:
            total = float(made[makers].sum())
            for row in makers:
                rows.append(i)
                columns.append(row)
                values.append(rest * float(made[row]) / total if total > 0 else rest / len(makers))
    matrix = sp.csr_matrix((values, (rows, columns)), shape=(len(input_rows), len(output_rows)))
    return matrix, external


def _own_factors(faults: Sequence[Fault], t: int, out_w: np.ndarray, out_q: np.ndarray,
                 index: Mapping[str, int], code: Mapping[str, int]) -> np.ndarray:
    """Each output row's own factor in period t (breakdowns, drifts, its product's shortfalls)."""
    own = np.ones(len(out_w))
    for fault in faults:
        if not fault.active(t):
            continue
        if fault.kind is FaultKind.SHORTFALL:
            own[out_q == code[fault.product]] *= 1 - fault.size
            continue
        hit = out_w == index[fault.workplace]
        if fault.kind is FaultKind.DRIFT:
            if fault.product:
                hit &= out_q == code[fault.product]
            own[hit] *= max(0.0, 1 - fault.size * (t - fault.start + 1))
        else:
            own[hit] *= 1 - fault.size
    return own


def _arriving(faults: Sequence[Fault], t: int, in_q: np.ndarray, code: Mapping[str, int]) -> np.ndarray:
    """Each input row's share arriving in period t when nobody in the plan makes it."""
    arriving = np.ones(len(in_q))
    for fault in faults:
        if fault.kind is FaultKind.SHORTFALL and fault.active(t):
            arriving[in_q == code[fault.product]] *= 1 - fault.size
    return arriving


def check_faults(plans: Sequence[WorkplacePlan], faults: Sequence[Fault], periods: int,
                 file: str = "faults") -> None:
    """A ReportError naming every fault that does not fit: an unknown workplace or product, a
    start outside the periods, a size outside (0, 1]."""
    producers = {plan.producer for plan in plans}
    products = {product for plan in plans for product in [*plan.outputs, *plan.inputs, *plan.resources]}
    problems: list[Problem] = []
    if len(faults) > MAX_FAULTS:
        raise ReportError([Problem(file, f"at most {MAX_FAULTS} faults")])
    for number, fault in enumerate(faults, start=1):
        def problem(column: str, message: str, number: int = number) -> None:
            problems.append(Problem(file, f"fault {number}: {message}", None, column))

        if fault.kind in (FaultKind.BREAKDOWN, FaultKind.DRIFT) and fault.workplace not in producers:
            problem("workplace", f"unknown workplace {fault.workplace[:80]!r}: not a producer of the targets")
        if fault.kind is FaultKind.SHORTFALL and fault.product not in products:
            problem("product", f"unknown product {fault.product[:80]!r}: in nobody's targets")
        if fault.kind is FaultKind.DRIFT and fault.product and fault.workplace in producers and \
                fault.product not in next(p for p in plans if p.producer == fault.workplace).outputs:
            problem("product", f"{fault.workplace!r} has no output target for {fault.product[:80]!r}")
        if not 0 <= fault.start < periods:
            problem("start", f"the start {fault.start} is not a period of the simulation "
                             f"(0 to {periods - 1})")
        if fault.periods is not None and fault.periods < 1:
            problem("periods", f"a fault lasts at least 1 period, not {fault.periods}")
        if not (math.isfinite(fault.size) and 0 < fault.size <= 1):
            problem("size", f"the size is a share of plan in (0, 1], not {fault.size}")
    if problems:
        raise ReportError(problems)


def read_faults(text: str, file: str) -> list[Fault]:
    """Faults from a JSON list (or ``{"faults": [...]}``) of objects, or a CSV with the columns
    :data:`FAULT_COLUMNS` (``workplace``, ``product`` and ``periods`` may be blank); every bad
    field named."""
    problems: list[Problem] = []
    items: list[tuple[str | None, int | None, Mapping[str, Any]]] = []
    if text.lstrip().startswith(("[", "{")):
        try:
            given = json.loads(text)
        except ValueError as error:
            raise ReportError([Problem(file, f"not JSON: {error}")]) from None
        listed = given.get("faults") if isinstance(given, dict) else given
        if not isinstance(listed, list) or not all(isinstance(each, dict) for each in listed):
            raise ReportError([Problem(file, 'a list of faults (objects) or {"faults": [...]} is expected')])
        items = [(f"faults[{position}]", None, each) for position, each in enumerate(listed)]
    else:
        reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
        header = [column.strip() for column in reader.fieldnames or []]
        unknown = [column for column in header if column not in FAULT_COLUMNS]
        missing = [column for column in ("kind", "start", "size") if column not in header]
        if unknown or missing:
            known = ", ".join(FAULT_COLUMNS)
            raise ReportError([Problem(file, f"unknown column {c!r} (columns: {known})", 1, c)
                               for c in unknown]
                              + [Problem(file, f"the column {c!r} is missing", 1) for c in missing])
        items = [(None, row, {k.strip(): (v or "").strip() for k, v in each.items() if k})
                 for row, each in enumerate(reader, start=2)]
    faults: list[Fault] = []
    for where, row, item in items[:MAX_FAULTS + 1]:
        def problem(column: str, message: str, where: str | None = where, row: int | None = row) -> None:
            problems.append(Problem(file, message, row, f"{where}.{column}" if where else column))

        unknown_keys = sorted(set(item) - set(FAULT_COLUMNS))
        for key in unknown_keys:
            problem(key, f"unknown field {key[:40]!r} (fields: {', '.join(FAULT_COLUMNS)})")
        kind_text = str(item.get("kind", ""))
        if kind_text not in {kind.value for kind in FaultKind}:
            problem("kind", f"{kind_text[:40]!r} is not a kind of fault: one of "
                            f"{', '.join(kind.value for kind in FaultKind)}")
        start = _integer(item.get("start"))
        if start is None:
            problem("start", "the start is a period number from 0")
        length = None if item.get("periods") in (None, "") else _integer(item.get("periods"))
        if item.get("periods") not in (None, "") and length is None:
            problem("periods", "the periods are a whole number, or blank for to the end")
        try:
            size = float(item.get("size", ""))
        except (TypeError, ValueError):
            size = math.nan
            problem("size", "the size is a number: a share of plan")
        if unknown_keys or kind_text not in {kind.value for kind in FaultKind} or start is None or \
                math.isnan(size) or (item.get("periods") not in (None, "") and length is None):
            continue
        faults.append(Fault(FaultKind(kind_text), start, size, str(item.get("workplace") or ""),
                            str(item.get("product") or ""), length))
    if problems:
        raise ReportError(problems)
    return faults


def _integer(given: Any) -> int | None:
    if isinstance(given, bool):
        return None
    if isinstance(given, int):
        return given
    try:
        value = float(str(given))
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None

"""Turning the bundle's tables into an Economy, checking every rule of SPEC section 1 on the way.

Every breach is collected, so one run reports them all; the economy is built only when there
are none.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from commonplan.economy.ids import arrow_positions, id_index, short_keys
from commonplan.economy.model import (
    KIND_LABELS,
    PART_LABELS,
    Economy,
    EconomyInfo,
    Kind,
    Needs,
    Part,
    Products,
    Techniques,
)
from commonplan.economy.problems import Problem
from commonplan.economy.tables import (
    Table,
    blank_cells,
    parse_booleans,
    parse_ids,
    parse_numbers,
    parse_positive_integers,
    parse_text,
    report,
)


def positions(values: pa.Array | pa.ChunkedArray, ids: pa.Array) -> np.ndarray:
    """Position of each value among ``ids`` (the first, if repeated), -1 where unknown.

    Short ids are looked up as integers (economy/ids.py); values that come in runs (inputs
    grouped by technique) are looked up once per run.
    """
    index = id_index(ids)
    if index.keys is not None and short_keys(values.slice(0, 1)) is not None:
        return index.positions(values)  # falls back on Arrow when a longer id turns up
    if not _in_runs(values):
        return index.positions(values)
    runs = pc.run_end_encode(values)
    chunks = runs.chunks if isinstance(runs, pa.ChunkedArray) else [runs]
    found = index.positions(pa.chunked_array([chunk.values for chunk in chunks]))
    lengths = np.concatenate([np.diff(chunk.run_ends.to_numpy(), prepend=0) for chunk in chunks])
    return np.repeat(found, lengths)


def _in_runs(values: pa.Array | pa.ChunkedArray, sample: int = 10_000) -> bool:
    """Whether values mostly repeat their neighbour (judged on the first ``sample``)."""
    head = values.slice(0, sample)
    if isinstance(head, pa.ChunkedArray):
        head = head.combine_chunks()
    return len(head) > 0 and len(pc.run_end_encode(head).values) * 4 < len(head)


def _lookup(values: pa.Array | pa.ChunkedArray, ids: pa.Array) -> np.ndarray:
    return arrow_positions(values, ids)


def _unique_ids(table: Table, column: str, problems: list[Problem]) -> pa.StringArray:
    ids = parse_ids(table, column, problems)
    unique = id_index(ids).unique  # known when the ids are short, from building their index
    if unique is False or (unique is None and len(pc.unique(ids)) < len(ids)):
        _report_repeats(table, column, ids, "id {} appears again", problems)
    return ids


def _report_repeats(table: Table, column: str, keys: pa.Array, what: str,
                    problems: list[Problem], *, among: np.ndarray | None = None,
                    shown: pa.Array | None = None) -> None:
    """A problem for each row whose key an earlier row has (only rows ``among``, if given);
    ``what`` names the key where it says ``{}`` (the key itself, or the row of ``shown``)."""
    first = _lookup(keys, keys)
    repeated = first != np.arange(len(keys))
    if among is not None:
        repeated &= among
    if repeated.any():
        names = (keys if shown is None else shown).filter(pa.array(repeated)).to_pylist()
        report(problems, table.file, column, repeated,
               [f"{what.format(name if shown is not None else repr(name))} (first at row {row + 2})"
                for name, row in zip(names, first[repeated], strict=True)])


def _shown(number: float) -> str:
    """A number as the user would write it (up to 15 significant digits)."""
    return f"{number:.15g}"


def _id_strings(table: Table, column: str) -> pa.ChunkedArray:
    values = table.columns[column]
    return values if pa.types.is_string(values.type) else values.cast(pa.string())


def _references(table: Table, column: str, ids: pa.Array, what: str, problems: list[Problem],
                found: Future[np.ndarray] | None = None) -> np.ndarray:
    """Positions among ``ids`` of the ids in ``column`` (looked up already, if ``found``)."""
    values = _id_strings(table, column)
    where = positions(values, ids) if found is None else found.result()
    unknown = where < 0
    if unknown.any():
        names = values.filter(pa.array(unknown)).to_pylist()
        report(problems, table.file, column, unknown, [f"unknown {what} {n!r}" for n in names])
    return where


# The range a number of the bundle must lie in so that a solve can honour it (docs/bundle.md says
# why): HiGHS refuses matrix values from 1e15 up (large_matrix_value), takes bounds from 1e20 up
# as infinite (infinite_bound) and drops matrix values up to 1e-9 as zero (small_matrix_value).
COEFFICIENTS = (1e-15, 1e12)  # a positive input quantity: 1e3 below HiGHS's largest; smaller
#   than 1e-15 is below double precision next to a coefficient of 1 (the US 2017 table's least is 7e-12)
YIELDS = (1e-4, 1e12)  # a yield divides: amounts up to 1e15 over it stay below HiGHS's infinity
AMOUNTS = (1e-12, 1e15)  # a positive capacity, availability or need: 1e5 below HiGHS's infinity


def _required(table: Table, column: str, numbers: np.ndarray, problems: list[Problem],
              *, positive: bool = False, bounds: tuple[float, float] = AMOUNTS) -> None:
    """Blank cells and numbers out of range (a value that is not a finite number is reported already):
    below 0 (or at 0 when ``positive``), or a positive number outside ``bounds``, the range a solve
    honours."""
    smallest, largest = bounds
    with np.errstate(invalid="ignore"):  # one pass over millions of inputs when all is well
        fine = ((numbers >= smallest) | ((numbers == 0) & (not positive))) & (numbers <= largest)
    if fine.all():
        return
    missing = np.isnan(numbers) & blank_cells(table, column)
    if missing.any():
        report(problems, table.file, column, missing, "a number is required")
    bad = ~fine & np.isfinite(numbers)
    if bad.any():
        report(problems, table.file, column, bad,
               [_out_of_range(value, positive, smallest, largest) for value in numbers[bad]])


def _out_of_range(value: float, positive: bool, smallest: float, largest: float) -> str:
    if value < 0 or (positive and value == 0):
        return f"must be {'>' if positive else '>='} 0, not {_shown(value)}"
    if value > largest:
        return (f"{_shown(value)} is too large: at most {largest:g}, so that a solve keeps its "
                "accuracy (change the unit)")
    return (f"{_shown(value)} is too small: a positive number must be at least {smallest:g}, which the "
            f"solver can tell from 0 (change the unit{'' if positive else ', or write 0'})")


UNKNOWN_KIND = -1  # a product whose kind is reported as bad: no rule about kinds applies to it


def _kinds_at(products: Products, found: np.ndarray) -> np.ndarray:
    """The kinds of the products at ``found`` (positions, -1 = unknown id), UNKNOWN_KIND where unknown."""
    kinds = np.full(len(found), UNKNOWN_KIND, np.int8)
    known = found >= 0
    kinds[known] = products.kinds[found[known]]
    return kinds


def _primary_at(products: Products, found: np.ndarray) -> np.ndarray:
    """Where ``found`` names a labour or resource product."""
    return _kinds_at(products, found) >= Kind.LABOUR


def _produced_at(products: Products, found: np.ndarray) -> np.ndarray:
    """Where ``found`` names a good or service."""
    kinds = _kinds_at(products, found)
    return (kinds >= 0) & (kinds < Kind.LABOUR)


def products_from(table: Table, problems: list[Problem]) -> Products:
    ids = _unique_ids(table, "id", problems)
    words = pc.utf8_lower(pc.utf8_trim_whitespace(table.columns["kind"].combine_chunks()))
    kinds = positions(words, pa.array(KIND_LABELS))
    if (kinds < 0).any():
        text = table.columns["kind"].combine_chunks().filter(pa.array(kinds < 0)).to_pylist()
        report(problems, table.file, "kind", kinds < 0,
               [f"{t!r} is not a kind (good, service, labour or resource)" for t in text])
    kinds = np.maximum(kinds, UNKNOWN_KIND).astype(np.int8)
    return Products(ids=ids, kinds=kinds, names=parse_text(table, "name"), units=parse_text(table, "unit"),
                    public=parse_booleans(table, "public", problems),
                    groups=_groups(table, kinds, problems))


MAX_GROUP_NAME = 200  # characters of a group's name: a heading people read on a ballot


def _groups(table: Table, kinds: np.ndarray, problems: list[Problem]) -> pa.StringArray | None:
    """The optional ``group`` column of products, trimmed (blank: in no group), or None without it.
    A group gathers goods and services for people to rate together, so a labour or resource
    product in one is a problem, as is a name longer than :data:`MAX_GROUP_NAME`."""
    groups = parse_text(table, "group")
    if groups is None:
        return None
    trimmed = pc.utf8_trim_whitespace(groups)
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    named = np.asarray(pc.is_valid(trimmed), bool)
    primary = named & (kinds >= Kind.LABOUR)
    if primary.any():
        named_primary = trimmed.filter(pa.array(primary)).to_pylist()
        report(problems, table.file, "group", primary,
               [f"{name!r}: a {Kind(kind).label} product belongs to no group (groups gather goods "
                "and services)" for kind, name in zip(kinds[primary], named_primary, strict=True)])
    long = named & (np.asarray(pc.fill_null(pc.utf8_length(trimmed), 0)) > MAX_GROUP_NAME)
    if long.any():
        report(problems, table.file, "group", long,
               f"a group's name is at most {MAX_GROUP_NAME} characters (it heads a ballot)")
    return trimmed


def techniques_from(table: Table, products: Products, problems: list[Problem]) -> Techniques:
    ids = _unique_ids(table, "id", problems)
    outputs = _references(table, "output", products.ids, "product", problems)
    primary = _primary_at(products, outputs)
    if primary.any():
        kinds = [Kind(k).label for k in products.kinds[outputs[primary]]]
        names = products.ids.take(outputs[primary]).to_pylist()
        makers = ids.filter(pa.array(primary)).to_pylist()
        report(problems, table.file, "output", primary,
               [f"{name!r} is a {kind} product; technique {maker!r} cannot make it (a {kind} product "
                "is never the output of a technique)" for name, kind, maker in zip(names, kinds, makers,
                                                                                  strict=True)])
    yields = parse_numbers(table, "yield", problems)
    yields = np.where(np.isnan(yields), 1.0, yields)
    _required(table, "yield", yields, problems, positive=True, bounds=YIELDS)
    capacities = parse_numbers(table, "capacity", problems)
    _required(table, "capacity", np.where(np.isnan(capacities), 0, capacities), problems)
    return Techniques(ids=ids, outputs=outputs, yields=yields,
                      capacities=np.where(np.isnan(capacities), np.inf, capacities),
                      producers=parse_text(table, "producer"))


def input_entries(table: Table, products: Products, techniques: Techniques, problems: list[Problem],
                  rows_found: Future[np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of an inputs table (or of a part of one) as (technique, product, quantity)
    positions and numbers, checked: unknown ids and bad quantities are problems, and left out."""
    columns = _references(table, "technique", techniques.ids, "technique", problems)
    rows = _references(table, "product", products.ids, "product", problems, rows_found)
    quantities = parse_numbers(table, "quantity", problems)
    _required(table, "quantity", quantities, problems, bounds=COEFFICIENTS)
    known = (columns >= 0) & (rows >= 0)
    if not known.all():
        columns, rows, quantities = columns[known], rows[known], quantities[known]
    return columns, rows, quantities


def inputs_from(table: Table, products: Products, techniques: Techniques,
                problems: list[Problem], rows_found: Future[np.ndarray] | None = None
                ) -> sp.csc_array:
    """The input matrix (products x techniques); duplicate pairs are problems."""
    columns, rows, quantities = input_entries(table, products, techniques, problems, rows_found)
    shape = (len(products), len(techniques))
    if np.any(columns[1:] < columns[:-1]):
        order = np.argsort(columns, kind="stable")
        columns, rows, quantities = columns[order], rows[order], quantities[order]
    index = np.int32 if max(shape) < 2**31 - 1 and len(rows) < 2**31 - 1 else np.int64
    pointers = np.zeros(shape[1] + 1, index)  # where each technique's inputs start: sorted columns
    np.cumsum(np.bincount(columns, minlength=shape[1]), out=pointers[1:])
    matrix = sp.csc_array((quantities, rows.astype(index, copy=False), pointers), shape=shape)
    matrix.sort_indices()
    if _has_duplicate_pairs(matrix):
        _report_duplicate_pairs(table, problems)
    return matrix


def _has_duplicate_pairs(matrix: sp.csc_array) -> bool:
    same = matrix.indices[1:] == matrix.indices[:-1]
    if not same.any():
        return False
    column_starts = matrix.indptr[1:-1]
    same[column_starts[(column_starts > 0) & (column_starts < len(matrix.indices))] - 1] = False
    return bool(same.any())


def _report_duplicate_pairs(table: Table, problems: list[Problem]) -> None:
    techniques = _id_strings(table, "technique").combine_chunks()
    products = _id_strings(table, "product").combine_chunks()
    pairs = pc.binary_join_element_wise(techniques, products, "\x00")
    shown = pc.binary_join_element_wise("('", techniques, "', '", products, "')", "")
    _report_repeats(table, "product", pairs, "(technique, product) pair {} appears again", problems,
                    shown=shown)


def available_from(table: Table | None, products: Products, problems: list[Problem]) -> np.ndarray:
    """Availability per product, inf where no row sets one."""
    available = np.full(len(products), np.inf)
    if table is None:
        return available
    found = _references(table, "product", products.ids, "product", problems)
    amounts = parse_numbers(table, "available", problems)  # checked as amounts below
    _required(table, "available", amounts, problems)
    known = found >= 0
    produced = _produced_at(products, found)
    if produced.any():
        report(problems, table.file, "product", produced,
               [f"{name!r} is a {Kind(kind).label}, not labour or a resource: only those have an "
                "availability" for name, kind in zip(products.ids.take(found[produced]).to_pylist(),
                                                       products.kinds[found[produced]], strict=True)])
    _report_repeats(table, "product", pa.array(found), "a second row for product {}", problems,
                    among=known, shown=pc.binary_join_element_wise(
                        "'", _id_strings(table, "product").combine_chunks(), "'", ""))
    available[found[known]] = amounts[known]
    return available


def needs_from(table: Table | None, products: Products, problems: list[Problem]) -> Needs:
    if table is None:
        return Needs.empty()
    found = _references(table, "product", products.ids, "product", problems)
    quantities = parse_numbers(table, "quantity", problems)
    _required(table, "quantity", quantities, problems)
    primary = _primary_at(products, found)
    if primary.any():
        report(problems, table.file, "product", primary,
               [f"{name!r} is {Kind(kind).label}, not a good or service: only those are needed"
                for name, kind in zip(products.ids.take(found[primary]).to_pylist(),
                                      products.kinds[found[primary]], strict=True)])
    priorities = parse_positive_integers(table, "priority", 1, problems)
    return Needs(products=found, quantities=quantities, priorities=priorities,
                 parts=_parts(table, problems))


def _parts(table: Table, problems: list[Problem]) -> np.ndarray | None:
    """The optional ``part`` column of needs (a blank cell: consumption), or None without it."""
    if "part" not in table.columns:
        return None
    column = table.columns["part"].combine_chunks()
    words = pc.utf8_lower(pc.utf8_trim_whitespace(column))
    parts = positions(words, pa.array(PART_LABELS))
    blank = np.asarray(pc.fill_null(pc.equal(words, ""), True), bool)
    bad = (parts < 0) & ~blank
    if bad.any():
        report(problems, table.file, "part", bad,
               [f"{text!r} is not a part of the economy ({', '.join(PART_LABELS)})"
                for text in column.filter(pa.array(bad)).to_pylist()])
    return np.where(parts < 0, Part.CONSUMPTION, parts).astype(np.int8)


def unmade_products(products: Products, techniques: Techniques, inputs: sp.csc_array,
                    needs: Needs, file: str, problems: list[Problem]) -> None:
    """Every good or service that is needed or used as an input has a technique."""
    made = np.zeros(len(products), bool)
    made[techniques.outputs[techniques.outputs >= 0]] = True
    used = np.zeros(len(products), bool)
    used[inputs.indices] = True
    needed = np.zeros(len(products), bool)
    needed[needs.products[needs.products >= 0]] = True
    produced_kind = _produced_at(products, np.arange(len(products)))
    for mask, why in ((used & ~made & produced_kind, "is used as an input"),
                      (needed & ~made & produced_kind & ~used, "is needed")):
        if mask.any():
            report(problems, file, "id", mask, [f"{name!r} {why} but no technique makes it" for name
                                                in products.ids.filter(pa.array(mask)).to_pylist()])


def unmade_needs(table: Table, needs: Needs, economy: Economy, problems: list[Problem]) -> None:
    """Rows of a standalone needs table naming a good or service that no technique makes."""
    made = np.zeros(len(economy.products), bool)
    made[economy.produced] = True
    known = needs.products >= 0
    unmade = _produced_at(economy.products, needs.products)
    unmade[known] &= ~made[needs.products[known]]
    if unmade.any():
        report(problems, table.file, "product", unmade,
               [f"{name!r} is needed but no technique makes it"
                for name in economy.products.ids.take(needs.products[unmade]).to_pylist()])


def unlimited_warnings(products: Products, available: np.ndarray) -> list[str]:
    """The warning SPEC asks for: a labour or resource product without an availability."""
    unlimited = np.flatnonzero(products.is_primary() & np.isinf(available))
    return [f"{Kind(products.kinds[p]).label} product {products.ids[p].as_py()!r} has no row in "
            f"resources: its availability is unlimited" for p in unlimited]


def economy_from(tables: Mapping[str, Table | None], info: EconomyInfo,
                 problems: list[Problem]) -> Economy | None:
    """The economy the tables describe, or None when any rule is broken (all reported).

    The products, techniques and inputs tables are required: the caller has made sure of them.
    """
    before = len(problems)
    products_table, techniques_table, inputs_table = (
        _required_table(tables, name) for name in ("products", "techniques", "inputs"))
    products = products_from(products_table, problems)
    with ThreadPoolExecutor(1) as helper:  # Arrow lets go of the GIL: the longest lookup
        rows_found = helper.submit(positions, _id_strings(inputs_table, "product"),
                                   products.ids)  # runs beside the techniques' checks
        techniques = techniques_from(techniques_table, products, problems)
        inputs = inputs_from(inputs_table, products, techniques, problems, rows_found)
    available = available_from(tables.get("resources"), products, problems)
    needs = needs_from(tables.get("needs"), products, problems)
    unmade_products(products, techniques, inputs, needs, products_table.file, problems)
    if len(problems) > before:
        return None
    return Economy(products, techniques, inputs, available, needs, info)


def _required_table(tables: Mapping[str, Table | None], name: str) -> Table:
    table = tables[name]
    assert table is not None, f"the {name} table is required: the caller checks that it was read"
    return table

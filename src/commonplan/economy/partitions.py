"""A bundle read in parts, for solves spread over many processes (MPI ranks, analysis.distributed).

The tables that grow with the number of products (products, techniques, resources, needs: a
few hundred bytes a product) are read whole by every process, checked as ``read_bundle``
checks them, into an economy *without its inputs* (``skeleton``).  The inputs table, which
grows with the number of coefficients (20 or more a product, most of a bundle's bytes), is
read in parts: process ``rank`` of ``size`` reads its share of the rows of ``inputs.parquet``
from the row groups that hold them (Parquet's units of reading; ``write_bundle`` writes a
million rows to one) and never the rest (``read_block``).  A bundle whose inputs are sorted by
technique, as ``write_bundle`` writes them, gives each process the rows of a run of techniques.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import scipy.sparse as sp

from commonplan.economy.assemble import (
    available_from,
    input_entries,
    needs_from,
    products_from,
    techniques_from,
    unlimited_warnings,
)
from commonplan.economy.bundle import TABLES, table_files
from commonplan.economy.model import Economy
from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.source import BundleFile, open_bundle
from commonplan.economy.tables import Table, header_fits, plain_column, read_table

INPUTS = "inputs.parquet"


@dataclass(frozen=True)
class Skeleton:
    """An economy whose ``inputs`` has no entries (its other tables whole), and the warnings
    reading the whole bundle would give."""

    economy: Economy
    inputs: BundleFile
    warnings: list[str]


def read_skeleton(path: Path | str) -> Skeleton:
    """Every table of the bundle folder at ``path`` but its inputs, checked; raise BundleError
    listing every problem (a zip, or inputs not in Parquet, among them)."""
    path = Path(path)
    files = open_bundle(path)
    problems: list[Problem] = []
    if path.is_file():
        raise BundleError([Problem(str(path), "is a zip: a solve over several processes reads a "
                                              "bundle folder, each process its part of "
                                              f"{INPUTS}")])
    chosen, warnings = table_files(files, problems)
    inputs = chosen.get("inputs")
    if inputs is not None and inputs.name != INPUTS:
        problems.append(Problem(inputs.name, "a solve over several processes reads the inputs "
                                              f"from {INPUTS}, each process its row groups: "
                                              "write the bundle in Parquet "
                                              "(write_bundle(economy, folder, format='parquet'))"))
    tables = {name: read_table(file, TABLES[name], problems) for name, file in chosen.items()
              if name != "inputs"}
    products_table, techniques_table = tables.get("products"), tables.get("techniques")
    if products_table is None or techniques_table is None or inputs is None or problems:
        raise BundleError(problems)
    products = products_from(products_table, problems)
    techniques = techniques_from(techniques_table, products, problems)
    available = available_from(tables.get("resources"), products, problems)
    needs = needs_from(tables.get("needs"), products, problems)
    if problems:
        raise BundleError(problems)
    empty = sp.csc_array((len(products), len(techniques)))
    economy = Economy(products, techniques, empty, available, needs)
    return Skeleton(economy, inputs, warnings + unlimited_warnings(products, available))


def share(count: int, rank: int, size: int) -> range:
    """The part ``rank`` of ``size`` takes of ``count`` things: a run, the runs of all ranks
    covering every thing once, their lengths differing by one at most (as PETSc splits rows)."""
    base, extra = divmod(count, size)
    start = rank * base + min(rank, extra)
    return range(start, start + base + (rank < extra))


@dataclass(frozen=True)
class Block:
    """Input coefficients per unit of output: ``coefficients[k]`` units of product
    ``products[k]`` go into one unit of product ``made[k]`` by technique ``techniques[k]``
    (positions in the economy, int32: fewer than 2^31 of each).  24 bytes a coefficient."""

    techniques: np.ndarray
    made: np.ndarray
    products: np.ndarray
    coefficients: np.ndarray


def read_block(skeleton: Skeleton, rank: int, size: int) -> Block:
    """Rank ``rank``'s share of the rows of the inputs table (``share`` of them, read from the row
    groups that hold them), checked as the whole table is (problems name the row in the file);
    raise BundleError listing them."""
    economy = skeleton.economy
    problems: list[Problem] = []
    name = skeleton.inputs.name
    file = pq.ParquetFile(skeleton.inputs.arrow_source())
    header = file.schema_arrow.names
    if not header_fits(name, header, TABLES["inputs"], problems):
        raise BundleError(problems)
    sizes = [file.metadata.row_group(g).num_rows for g in range(file.metadata.num_row_groups)]
    starts = np.cumsum([0, *sizes])
    mine = share(int(starts[-1]), rank, size)
    spec = TABLES["inputs"].columns
    chosen, made, products = (np.zeros(len(mine), np.int32) for _ in range(3))
    coefficients = np.zeros(len(mine))
    kept = 0  # the block is filled a row group at a time: only one group's text is ever held
    for group in range(len(sizes)):
        first, last = max(mine.start, starts[group]), min(mine.stop, starts[group + 1])
        if first >= last:
            continue
        read = file.read_row_group(group, columns=header).slice(first - starts[group], last - first)
        table = Table(name, {column: plain_column(read.column(column), spec[column])
                             for column in header}, read.num_rows)
        found: list[Problem] = []
        techniques, used, quantities = input_entries(table, economy.products, economy.techniques,
                                                     found)
        rows = slice(kept, kept + len(techniques))
        chosen[rows] = techniques
        made[rows] = economy.techniques.outputs[techniques]
        products[rows] = used
        np.divide(quantities, economy.techniques.yields[techniques], out=coefficients[rows])
        kept += len(techniques)
        problems += [replace(problem, row=problem.row + int(first)) if problem.row is not None
                     else problem for problem in found]
    if problems:
        raise BundleError(problems)
    return Block(chosen[:kept], made[:kept], products[:kept], coefficients[:kept])

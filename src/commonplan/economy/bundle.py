"""Economy bundles on disk (SPEC section 1): read a folder or zip into an Economy, write one back."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from commonplan.economy.assemble import economy_from, needs_from, unlimited_warnings, unmade_needs
from commonplan.economy.model import KIND_LABELS, PART_LABELS, Economy, EconomyInfo, Needs
from commonplan.economy.problems import BundleError, Problem
from commonplan.economy.productive import unproductive_problems
from commonplan.economy.source import TABLE_SUFFIXES, BundleFile, bundle_sha256, open_bundle
from commonplan.economy.tables import ColumnKind, TableSpec, read_table

ID, TEXT, NUMBER = ColumnKind.ID, ColumnKind.TEXT, ColumnKind.NUMBER
TABLES = {
    spec.name: spec for spec in (
        TableSpec("products", True, {"id": ID, "name": TEXT, "unit": TEXT, "kind": TEXT,
                                     "public": ColumnKind.BOOLEAN, "group": TEXT}, ("id", "kind")),
        TableSpec("techniques", True, {"id": ID, "output": ID, "yield": NUMBER, "capacity": NUMBER,
                                       "producer": TEXT}, ("id", "output")),
        TableSpec("inputs", True, {"technique": ID, "product": ID, "quantity": NUMBER},
                  ("technique", "product", "quantity")),
        TableSpec("resources", False, {"product": ID, "available": NUMBER},
                  ("product", "available")),
        TableSpec("needs", False, {"product": ID, "quantity": NUMBER,
                                   "priority": ColumnKind.INTEGER, "part": TEXT},
                  ("product", "quantity")),
    )
}
METADATA = "economy.toml"
# Optional tables of multi-period plans, read by planning/capital.py: known, so hashed, not warned of
PLANNING_TABLES = ("investments", "capital", "growth")
KNOWN_TABLES = frozenset((*TABLES, *PLANNING_TABLES))


@dataclass(frozen=True)
class LoadedBundle:
    """An economy read from disk, with the content hash of its files and any warnings."""

    economy: Economy
    sha256: str
    warnings: list[str]


def read_bundle(path: Path | str) -> LoadedBundle:
    """Read and check the bundle at ``path``; raise BundleError listing every problem."""
    economy, problems, warnings, sha256 = _load(Path(path))
    if economy is None:
        raise BundleError(problems)
    return LoadedBundle(economy, sha256, warnings)


def check_bundle(path: Path | str) -> tuple[list[Problem], list[str], str | None]:
    """Every problem of the bundle at ``path``, its warnings, and its hash when it can be read."""
    _economy, problems, warnings, sha256 = checked_economy(path)
    return problems, warnings, sha256


def checked_economy(path: Path | str) -> tuple[Economy | None, list[Problem], list[str], str | None]:
    """check_bundle's answer, with the economy first (None when any rule is broken)."""
    try:
        return _load(Path(path))
    except BundleError as error:  # no bundle there at all
        return None, error.problems, [], None


def _load(path: Path) -> tuple[Economy | None, list[Problem], list[str], str]:
    """The economy (None if any rule is broken), the problems, the warnings and the hash."""
    files = open_bundle(path)
    problems: list[Problem] = []
    with ThreadPoolExecutor(1) as hasher:  # hashing lets go of the GIL: it runs beside the reading
        digest = hasher.submit(bundle_sha256, _hashed(files))
        try:
            economy, warnings = _read_economy(files, problems)
        except BundleError:
            economy, warnings = None, []
        return economy, problems, warnings, digest.result()


def _read_economy(files: dict[str, BundleFile], problems: list[Problem]) -> tuple[Economy, list[str]]:
    chosen, warnings = table_files(files, problems)
    tables = {name: read_table(file, TABLES[name], problems) for name, file in chosen.items()}
    info = _read_info(files.get(METADATA), problems)
    required = [name for name, spec in TABLES.items() if spec.required]
    if any(tables.get(name) is None for name in required):
        raise BundleError(problems)
    economy = economy_from(tables, info, problems)  # checks the rows of every table that was read
    if economy is None or problems:
        raise BundleError(problems)
    problems.extend(unproductive_problems(economy, chosen["products"].name))
    if problems:
        raise BundleError(problems)
    return economy, warnings + unlimited_warnings(economy.products, economy.available)


def content_hash(path: Path | str) -> str:
    """The bundle's content hash (docs/bundle.md) without reading its tables."""
    return bundle_sha256(_hashed(open_bundle(Path(path))))


def is_bundle_file(name: str) -> bool:
    """Whether a file of this name is part of a bundle: one of its tables or economy.toml."""
    return name == METADATA or (name.endswith(TABLE_SUFFIXES) and name.rsplit(".", 1)[0] in KNOWN_TABLES)


def _hashed(files: dict[str, BundleFile]) -> list[BundleFile]:
    """The files the bundle's hash covers: its tables (not ignored ones) and economy.toml."""
    return [file for name, file in files.items() if is_bundle_file(name)]


def choose_table_files(files: dict[str, BundleFile], names: Iterable[str],
                       problems: list[Problem]) -> dict[str, BundleFile]:
    """The file of each named table present, in CSV or Parquet; both forms of one is a problem."""
    chosen: dict[str, BundleFile] = {}
    for name in names:
        found = [files[name + suffix] for suffix in TABLE_SUFFIXES if name + suffix in files]
        if len(found) > 1:
            problems.append(Problem(f"{name}.csv", f"both {name}.csv and {name}.parquet are "
                                                   "present: keep one"))
        elif found:
            chosen[name] = found[0]
    return chosen


def table_files(files: dict[str, BundleFile],
                 problems: list[Problem]) -> tuple[dict[str, BundleFile], list[str]]:
    chosen = choose_table_files(files, TABLES, problems)
    for name, spec in TABLES.items():
        present = any(name + suffix in files for suffix in TABLE_SUFFIXES)
        if spec.required and not present:
            problems.append(Problem(f"{name}.csv", "is missing: the bundle needs a products, "
                                                   "techniques and inputs table"))
    stems = {name.rsplit(".", 1)[0] for name in files if name.endswith(TABLE_SUFFIXES)}
    warnings = [f"{stem}: not a table of the bundle; ignored" for stem in sorted(stems - KNOWN_TABLES)]
    return chosen, warnings


def _read_info(file: BundleFile | None, problems: list[Problem]) -> EconomyInfo:
    if file is None:
        return EconomyInfo()
    try:
        data = tomllib.loads(file.read_bytes().decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(Problem(METADATA, f"is not valid TOML: {error}"))
        return EconomyInfo()
    keys = [field.name for field in fields(EconomyInfo)]
    values = {}
    for key, value in data.items():
        if key not in keys:
            problems.append(Problem(METADATA, f"unknown key {key!r} (expected {', '.join(keys)})"))
        elif not isinstance(value, str | int):
            problems.append(Problem(METADATA, f"{key} must be text"))
        else:
            values[key] = str(value)
    return EconomyInfo(**values)


def read_needs(path: Path | str, economy: Economy) -> Needs:
    """A standalone needs table (the columns of needs.csv) for ``economy``, checked as in a bundle."""
    path = Path(path)
    if not path.is_file():
        raise BundleError([Problem(str(path), "no such file")])
    problems: list[Problem] = []
    table = read_table(BundleFile(str(path), path=path), TABLES["needs"], problems)
    if table is None:
        raise BundleError(problems)
    needs = needs_from(table, economy.products, problems)
    unmade_needs(table, needs, economy, problems)
    if problems:
        raise BundleError(problems)
    return needs


def write_bundle(economy: Economy, folder: Path | str, *, format: str = "csv") -> Path:
    """Write ``economy`` as a bundle folder of CSV or Parquet tables that reads back the same."""
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in economy_tables(economy).items():
        target = folder / f"{name}.{format}"
        if format == "csv":
            pa_csv.write_csv(table, target)
        else:
            pq.write_table(table, target)
    info = {key: value for key, value in vars(economy.info).items() if value is not None}
    if info:
        (folder / METADATA).write_text("".join(f"{k} = {_toml_string(v)}\n" for k, v in info.items()),
                                       encoding="utf-8")
    return folder


def _toml_string(text: str) -> str:
    """A TOML basic string: quote and backslash escaped, control characters as \\uXXXX."""
    escaped = "".join("\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if c < " " or c == "\x7f"
                      else c for c in text)
    return f'"{escaped}"'


def economy_tables(economy: Economy) -> dict[str, pa.Table]:
    """The bundle's tables as Arrow tables, optional columns only where they hold something."""
    products, techniques, needs = economy.products, economy.techniques, economy.needs
    ids = products.ids
    product_columns = {"id": ids, "name": products.names, "unit": products.units,
                       "kind": pa.array(np.array(KIND_LABELS)[products.kinds])}
    if products.public is not None and products.public.any():
        product_columns["public"] = pa.array(products.public)
    if products.groups is not None and products.groups.null_count < len(products.groups):
        product_columns["group"] = products.groups
    capacity = np.where(np.isinf(techniques.capacities), np.nan, techniques.capacities)
    technique_columns = {"id": techniques.ids, "output": ids.take(techniques.outputs),
                         "yield": techniques.yields,
                         "capacity": pa.array(capacity, from_pandas=True),
                         "producer": techniques.producers}
    inputs = economy.inputs.tocoo()
    order = np.lexsort((inputs.row, inputs.col))
    limited = np.flatnonzero(np.isfinite(economy.available))
    return {
        "products": _table(product_columns),
        "techniques": _table(technique_columns),
        "inputs": _table({"technique": techniques.ids.take(inputs.col[order]),
                          "product": ids.take(inputs.row[order]), "quantity": inputs.data[order]}),
        "resources": _table({"product": ids.take(limited), "available": economy.available[limited]}),
        "needs": _table({"product": ids.take(needs.products), "quantity": needs.quantities,
                         "priority": needs.priorities,
                         "part": None if needs.parts is None
                         else pa.array(np.array(PART_LABELS)[needs.parts])}),
    }


def _table(columns: dict[str, object]) -> pa.Table:
    return pa.table({name: values for name, values in columns.items() if values is not None})

"""An economy from the US Bureau of Economic Analysis (BEA) make and use tables.

Follows the ``import-bea`` paragraph of the SPEC and ``data/bea2017/README.md``: commodity by
commodity direct requirements under the industry technology assumption, A = B D with
B = U diag(g)^-1 and D = V diag(q)^-1, where g and q are the row and column sums of the make
table's cells.  Labour is compensation of employees divided by an average hourly
compensation.  Works on the detail tables (compensation row ``V00100``) and the summary
tables (``V001``); which is which is read from the row codes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from commonplan.economy.model import Economy, EconomyInfo, Kind, Needs, Part, Products, Techniques
from commonplan.errors import InputError

DEFAULT_HOURLY_COMPENSATION = 35.28
"""USD per hour worked: average employer costs for employee compensation, civilian workers.

Source: US Bureau of Labor Statistics, Employer Costs for Employee Compensation, March 2017
(news release USDL-17-0770, 9 June 2017).
"""

HOURLY_COMPENSATION_SOURCE = (
    "US Bureau of Labor Statistics' Employer Costs for Employee Compensation (ECEC), "
    "civilian workers, March 2017 (news release USDL-17-0770, 9 June 2017)"
)

EXCLUDED_COMMODITIES: dict[str, str] = {
    "S00401": "scrap",
    "S00402": "used and secondhand goods",
    "S00300": "noncomparable imports",
    "S00900": "rest-of-the-world adjustment",
    "Used": "scrap, used and secondhand goods",
    "Other": "noncomparable imports and rest-of-the-world adjustment",
}
"""Commodity codes that are not products of the economy (detail and summary tables)."""

COMPENSATION_ROWS: dict[str, str] = {"V00100": "detail", "V001": "summary"}
"""Compensation of employees, by table level."""

LABOUR_ID = "labour"
UNIT = "million USD"

_TOTAL = re.compile(r"^(T\d+|total\b.*|NA(\.\d+)?)$", re.IGNORECASE)
_VALUE_ADDED = re.compile(r"^V\d+$")
_FINAL_DEMAND = re.compile(r"^F\d")
_ZERO_MARKS = frozenset({"", "...", "-", "---"})


class BeaTableError(InputError):
    """A BEA table (or an argument of the import) cannot be used; the message names the file."""


@dataclass(frozen=True)
class _Table:
    """A BEA table as read: row codes, column headers, numbers, and names if it has them."""

    path: Path
    rows: list[str]
    columns: list[str]
    values: np.ndarray  # float64, rows x columns
    names: dict[str, str]

    def block(self, rows: list[str], columns: list[str]) -> np.ndarray:
        row_at = {code: i for i, code in enumerate(self.rows)}
        column_at = {code: j for j, code in enumerate(self.columns)}
        return self.values[np.ix_([row_at[r] for r in rows], [column_at[c] for c in columns])]


@dataclass(frozen=True, eq=False)
class BeaAccounts:
    """What the import takes from a make and use table pair, in million USD.

    ``commodities`` are the products of the economy (excluded codes left out), in the use
    table's order; ``industry_output`` (g) sums every cell of an industry's make-table row,
    scrap included; ``commodity_output`` (q) sums a commodity's make-table column.
    """

    use_csv: Path
    make_csv: Path
    level: str  # "detail" or "summary"
    commodities: list[str]
    names: list[str | None]
    industries: list[str]
    use: np.ndarray  # U: commodities x industries
    make: np.ndarray  # V: industries x commodities
    industry_output: np.ndarray  # g
    commodity_output: np.ndarray  # q
    compensation: np.ndarray  # C, per industry
    final_demand: np.ndarray | None  # net, per commodity; None when the table has no F columns
    final_uses: np.ndarray | None  # commodities x parts: domestic final uses (no trade) per Part


def import_bea(
    use_csv: Path,
    make_csv: Path,
    hourly_compensation: float = DEFAULT_HOURLY_COMPENSATION,
    *,
    commodity_names: Path | None = None,
) -> tuple[Economy, list[str]]:
    """The economy described by a BEA use table and make table, and the import's warnings.

    Product names come from the use table's name column if it has one, else from
    ``commodity_names`` (a BEA ``*_CommodityCodeName_*.csv``), else from such a file lying
    beside the use table when there is exactly one for its level; otherwise names are left out.
    Raises :class:`BeaTableError` on bad input.
    """
    if not (math.isfinite(hourly_compensation) and hourly_compensation > 0):
        raise BeaTableError(
            f"hourly compensation must be a positive number of USD, got {hourly_compensation}"
        )
    accounts = read_bea(use_csv, make_csv, commodity_names=commodity_names)
    commodities = accounts.commodities
    warnings: list[str] = []
    inverse_g = _inverse(
        accounts.industry_output, accounts.industries, "industry", "its inputs are ignored",
        warnings,
    )
    inverse_q = _inverse(
        accounts.commodity_output, commodities, "commodity", "it gets no inputs and no labour",
        warnings,
    )
    b = accounts.use * inverse_g  # B = U diag(g)^-1
    d = accounts.make * inverse_q  # D = V diag(q)^-1
    a = rounded_product(b, d)
    for i, c in zip(*np.nonzero(a < 0), strict=True):
        warnings.append(
            f"negative direct requirement of {commodities[i]} per unit of {commodities[c]} "
            f"({a[i, c]:.6g}) set to 0"
        )
    a[a < 0] = 0.0
    labour = (1e6 / hourly_compensation) * rounded_product(accounts.compensation * inverse_g, d)
    for c in np.flatnonzero(labour < 0):
        warnings.append(f"negative labour of {commodities[c]} ({labour[c]:.6g} hours) set to 0")
    labour[labour < 0] = 0.0

    demand = accounts.final_demand
    if demand is None:
        warnings.append(
            f"{accounts.use_csv}: no final-demand columns (F...): the economy has no needs"
        )
        demand = np.zeros(len(commodities))
    negative = demand < 0
    if negative.any():
        warnings.append(
            f"{int(negative.sum())} commodities have negative net final demand (together "
            f"{demand[negative].sum():.6g} {UNIT}); they get no needs"
        )
    economy = _economy(commodities, accounts.names, a, labour, _needs(demand, accounts.final_uses))
    return _with_info(economy, accounts, hourly_compensation), warnings


def _needs(demand: np.ndarray, final_uses: np.ndarray | None) -> Needs:
    """Each commodity's positive net final demand, split among the parts of the economy in
    proportion to its domestic final uses (its positive ones; all consumption when it has none,
    as for a commodity only exported): one row per commodity and part."""
    wanted = np.flatnonzero(demand > 0)
    uses = np.zeros((len(demand), len(Part))) if final_uses is None else np.maximum(final_uses, 0.0)
    uses[uses.sum(axis=1) == 0, Part.CONSUMPTION] = 1.0
    weights = uses[wanted] / uses[wanted].sum(axis=1, keepdims=True)
    rows, parts = np.nonzero(weights > 0)
    return Needs(products=wanted[rows].astype(np.int64),
                 quantities=(demand[wanted][rows] * weights[rows, parts]).astype(np.float64),
                 priorities=np.ones(len(rows), np.int64), parts=parts.astype(np.int8))


def read_bea(
    use_csv: Path, make_csv: Path, *, commodity_names: Path | None = None
) -> BeaAccounts:
    """Read and cross-check a BEA use and make table; raise :class:`BeaTableError` if unusable."""
    use = _read_table(Path(use_csv))
    make = _read_table(Path(make_csv))
    level, compensation_row = _level(use, make)
    industries, all_commodities = _make_codes(make)
    use_industries, final_demand, use_commodities = _use_codes(use)
    _check_same(use, make, "commodities", use_commodities, all_commodities, "rows", "columns")
    _check_same(use, make, "industries", use_industries, industries, "columns", "rows")
    commodities = [c for c in use_commodities if c not in EXCLUDED_COMMODITIES]
    if not commodities:
        raise BeaTableError(
            f"{use.path}: no commodities besides scrap, used goods and adjustments"
        )
    cells = make.block(industries, all_commodities)
    return BeaAccounts(
        use_csv=use.path,
        make_csv=make.path,
        level=level,
        commodities=commodities,
        names=_names(use, commodity_names, level, commodities),
        industries=industries,
        use=use.block(commodities, industries),
        make=make.block(industries, commodities),
        industry_output=cells.sum(axis=1),
        commodity_output=cells.sum(axis=0)[[all_commodities.index(c) for c in commodities]],
        compensation=use.block([compensation_row], industries)[0],
        final_demand=use.block(commodities, final_demand).sum(axis=1) if final_demand else None,
        final_uses=_final_uses(use.block(commodities, final_demand), final_demand) if final_demand else None,
    )


def part_of_final_use(code: str) -> Part | None:
    """The part of the economy a BEA final-demand column serves (None for exports and imports):
    personal consumption (F01) is consumption; private fixed investment (F02), inventories (F03)
    and government gross investment (F06, F07, F10 other than C) investment; government
    consumption expenditures (F06C, F07C, F10C) the public services."""
    kind = code[1:3]
    if kind in ("04", "05"):
        return None
    if kind == "01":
        return Part.CONSUMPTION
    if kind in ("02", "03"):
        return Part.INVESTMENT
    return Part.PUBLIC_SERVICES if code[3:4] == "C" else Part.INVESTMENT


def _final_uses(block: np.ndarray, columns: list[str]) -> np.ndarray:
    """Each commodity's domestic final uses summed per part (commodities x parts)."""
    uses = np.zeros((block.shape[0], len(Part)))
    for j, code in enumerate(columns):
        part = part_of_final_use(code)
        if part is not None:
            uses[:, part] += block[:, j]
    return uses


def _read_table(path: Path) -> _Table:
    """A BEA table: first column row codes, header row column codes, numbers elsewhere."""
    lines = _csv_lines(path)
    if len(lines) < 2 or len(lines[0]) < 2:
        raise BeaTableError(f"{path}: not a BEA make or use table (no header and data rows)")
    header = [cell.strip() for cell in lines[0]]
    body = lines[1:]
    width = len(header)
    for number, line in enumerate(body, start=2):
        if len(line) > width and any(cell.strip() for cell in line[width:]):
            raise BeaTableError(f"{path}:{number}: more cells than the header has columns")
    cells = [[cell.strip() for cell in line[:width]] + [""] * (width - len(line)) for line in body]

    name_column = _name_column(header, cells)
    data_columns = [j for j in range(1, width) if j != name_column]
    values = np.zeros((len(cells), len(data_columns)))
    for r, line in enumerate(cells):
        for k, j in enumerate(data_columns):
            values[r, k] = _number(line[j], path, r + 2, header[j] or f"column {j + 1}")
    rows = [line[0] for line in cells]
    columns = [header[j] for j in data_columns]
    for j, column in zip(data_columns, columns, strict=True):
        if not column:
            raise BeaTableError(f"{path}:1: column {j + 1} has no header")
    for number, code in enumerate(rows, start=2):
        if not code:
            raise BeaTableError(f"{path}:{number}: row has no code in its first column")
    _check_unique(path, rows, "row")
    _check_unique(path, [c for c in columns if not _TOTAL.match(c)], "column")
    names = {line[0]: line[name_column] for line in cells} if name_column is not None else {}
    return _Table(path, rows, columns, values, names)


def _csv_lines(path: Path) -> list[list[str]]:
    """The non-blank lines of a CSV file, UTF-8 (or, failing that, Windows-1252 as Excel saves)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BeaTableError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BeaTableError(f"{path}: is a folder, not a CSV file") from None
    except OSError as error:
        raise BeaTableError(f"{path}: cannot be read ({error.strerror})") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        try:
            return [row for row in csv.reader(io.StringIO(text, newline=""))
                    if any(cell.strip() for cell in row)]
        except csv.Error as error:
            raise BeaTableError(f"{path}: not a readable CSV file ({error})") from None
    raise BeaTableError(f"{path}: not a CSV text file")


def _name_column(header: list[str], cells: list[list[str]]) -> int | None:
    """The column after the codes if it holds names or descriptions (text, no numbers)."""
    filled = [line[1] for line in cells if line[1] not in _ZERO_MARKS]
    return 1 if filled and not any(_is_number(cell) for cell in filled) else None


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


def _number(cell: str, path: Path, row: int, column: str) -> float:
    if cell in _ZERO_MARKS:
        return 0.0
    try:
        value = float(cell.replace(",", ""))
    except ValueError:
        raise BeaTableError(f"{path}:{row}:{column}: not a number: {cell!r}") from None
    if not math.isfinite(value):
        raise BeaTableError(f"{path}:{row}:{column}: not a finite number: {cell!r}")
    return value


def _check_unique(path: Path, codes: list[str], what: str) -> None:
    seen: set[str] = set()
    twice: list[str] = []
    for code in codes:
        if code in seen:
            twice.append(code)
        else:
            seen.add(code)
    if twice:
        raise BeaTableError(f"{path}: {what} codes appear more than once: {_some(twice)}")


def _level(use: _Table, make: _Table) -> tuple[str, str]:
    """``detail`` or ``summary``, and the use table's compensation row."""
    if any(_VALUE_ADDED.match(code) for code in make.rows):
        raise BeaTableError(
            f"{make.path}: not a make table: it has value-added rows (is it a use table?)"
        )
    found = [code for code in COMPENSATION_ROWS if code in use.rows]
    if not found:
        raise BeaTableError(
            f"{use.path}: not a use table: no compensation of employees row "
            "(V00100 in the detail table, V001 in the summary table)"
        )
    if len(found) > 1:
        raise BeaTableError(f"{use.path}: has both V00100 and V001 rows")
    return COMPENSATION_ROWS[found[0]], found[0]


def _make_codes(make: _Table) -> tuple[list[str], list[str]]:
    """The make table's industries (rows) and commodities (columns), totals left out."""
    industries = [code for code in make.rows if not _TOTAL.match(code)]
    commodities = [code for code in make.columns if not _TOTAL.match(code)]
    if not industries or not commodities:
        raise BeaTableError(f"{make.path}: not a make table: no industry rows or commodity columns")
    return industries, commodities


def _use_codes(use: _Table) -> tuple[list[str], list[str], list[str]]:
    """The use table's industry columns, final-demand columns and commodity rows."""
    columns = [code for code in use.columns if not _TOTAL.match(code)]
    final_demand = [code for code in columns if _FINAL_DEMAND.match(code)]
    industries = [code for code in columns if not _FINAL_DEMAND.match(code)]
    commodities = [
        code for code in use.rows if not (_TOTAL.match(code) or _VALUE_ADDED.match(code))
    ]
    return industries, final_demand, commodities


def _check_same(
    use: _Table, make: _Table, what: str, in_use: list[str], in_make: list[str],
    use_side: str, make_side: str,
) -> None:
    only_use = [code for code in in_use if code not in set(in_make)]
    only_make = [code for code in in_make if code not in set(in_use)]
    if only_use or only_make:
        parts = []
        if only_use:
            parts.append(f"only in the use table's {use_side}: {_some(only_use)}")
        if only_make:
            parts.append(f"only in the make table's {make_side}: {_some(only_make)}")
        raise BeaTableError(
            f"{use.path} and {make.path} do not describe the same {what}: " + "; ".join(parts)
        )


def _some(codes: list[str], most: int = 8) -> str:
    shown = ", ".join(codes[:most])
    return shown + (f" and {len(codes) - most} more" if len(codes) > most else "")


def _inverse(
    totals: np.ndarray, codes: list[str], what: str, consequence: str, warnings: list[str]
) -> np.ndarray:
    """1 / totals, with 0 (and a warning) where a total is not positive."""
    inverse = np.zeros_like(totals)
    positive = totals > 0
    inverse[positive] = 1.0 / totals[positive]
    for k in np.flatnonzero(~positive):
        warnings.append(
            f"{what} {codes[k]} has output {totals[k]:.6g} in the make table: {consequence}"
        )
    return inverse


def _names(
    use: _Table, commodity_names: Path | None, level: str, commodities: list[str]
) -> list[str | None]:
    if use.names:
        return [use.names.get(code) or None for code in commodities]
    if commodity_names is None:
        beside = sorted(use.path.parent.glob(f"{level.capitalize()}_CommodityCodeName*.csv"))
        if len(beside) != 1:
            return [None] * len(commodities)
        commodity_names = beside[0]
    found = _read_names(Path(commodity_names))
    return [found.get(code) for code in commodities]


def _read_names(path: Path) -> dict[str, str]:
    """Code -> name from a BEA code-name list (columns ``*Code*`` and ``*Name*``)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            lines = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise BeaTableError(f"{path}: cannot read commodity names ({error})") from None
    header = [cell.strip().lower() for cell in lines[0]] if lines else []
    code_at = next((j for j, cell in enumerate(header) if "code" in cell), None)
    name_at = next((j for j, cell in enumerate(header) if "name" in cell), None)
    if code_at is None or name_at is None:
        raise BeaTableError(f"{path}: not a code-name list (no Code and Name columns)")
    return {
        line[code_at].strip(): line[name_at].strip()
        for line in lines[1:]
        if len(line) > max(code_at, name_at) and line[code_at].strip()
    }


def _economy(
    commodities: list[str], names: list[str | None], a: np.ndarray, labour: np.ndarray,
    needs: Needs,
) -> Economy:
    n = len(commodities)
    kinds = np.array(
        [Kind.GOOD if code[:1] in "123" else Kind.SERVICE for code in commodities] + [Kind.LABOUR],
        dtype=np.int8,
    )
    products = Products(
        ids=pa.array([*commodities, LABOUR_ID], pa.string()),
        kinds=kinds,
        names=pa.array([*names, "Labour"], pa.string()),
        units=pa.array([UNIT] * n + ["hours"], pa.string()),
    )
    techniques = Techniques(
        ids=pa.array(commodities, pa.string()),
        outputs=np.arange(n, dtype=np.int64),
        yields=np.ones(n),
        capacities=np.full(n, np.inf),
    )
    inputs = sp.csc_array(np.vstack([a, labour[np.newaxis, :]]))
    inputs.eliminate_zeros()
    inputs.sort_indices()
    return Economy(products, techniques, inputs, np.full(n + 1, np.inf), needs)


def _with_info(economy: Economy, accounts: BeaAccounts, hourly_compensation: float) -> Economy:
    use_name, make_name, level = accounts.use_csv.name, accounts.make_csv.name, accounts.level
    year = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", use_name)
    period = year.group(0) if year else None
    if hourly_compensation == DEFAULT_HOURLY_COMPENSATION:
        wage = f"{hourly_compensation:g} USD per hour worked, from the {HOURLY_COMPENSATION_SOURCE}"
    else:
        wage = f"{hourly_compensation:g} USD per hour worked (given at import)"
    useeior = (
        "; the CSV files were converted, values unchanged, from the data of the US "
        "Environmental Protection Agency's useeior package"
        if re.match(r"(Detail|Summary)_(Use|Make)_\d{4}_", use_name)
        else ""
    )
    description = (
        f"The US economy{' in ' + period if period else ''} from BEA's {level} make and use "
        f"tables: {len(economy.techniques)} commodities, one technique each, with commodity-by-"
        "commodity direct requirements A = B D (industry technology assumption; negative "
        "coefficients set to 0) in million USD per million USD of output. "
        "Scrap, used goods, noncomparable imports and the rest-of-the-world adjustment are left "
        "out. Labour in hours = compensation of employees (row "
        f"{'V00100' if level == 'detail' else 'V001'}) divided by an average hourly "
        f"compensation of {wage}. Needs: each commodity's final demand net of imports, where "
        "positive, divided among consumption, investment and public services in proportion to "
        "its domestic final uses. The model is closed: trade enters only through that net final "
        "demand."
    )
    hours = (
        f" Hours: the {HOURLY_COMPENSATION_SOURCE}."
        if hourly_compensation == DEFAULT_HOURLY_COMPENSATION
        else ""
    )
    source = (
        f"US Bureau of Economic Analysis (BEA), input-output accounts, {level} make and use "
        f"tables ({use_name}, {make_name}); a US government work in the public "
        f"domain{useeior}.{hours}"
    )
    info = EconomyInfo(
        name=f"United States {period or ''} (BEA {level} input-output tables)".replace("  ", " "),
        period=period,
        description=description,
        source=source,
    )
    return dataclasses.replace(economy, info=info)


def rounded_product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left @ right`` with every entry the correctly rounded sum of its terms (math.fsum), so
    an imported economy is the same to the last bit on every machine, whatever BLAS would have
    summed in which order. ``right`` is a table of market shares: each column has few nonzeros,
    so this takes a fraction of a second at BEA's detail level."""
    rows = left.reshape(-1, left.shape[-1])
    product = np.zeros((rows.shape[0], right.shape[1]))
    for column in range(right.shape[1]):
        present = np.flatnonzero(right[:, column])
        terms = (rows[:, present] * right[present, column]).tolist()
        product[:, column] = [math.fsum(row) for row in terms]
    return product.reshape(left.shape[:-1] + right.shape[1:])

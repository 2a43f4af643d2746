"""BEA's own hierarchy as product groups: each detail commodity in its summary commodity.

BEA publishes its input-output accounts at three levels (sector, summary, detail); a summary
commodity gathers the detail commodities whose codes begin with its NAICS prefixes. The summary
code is that prefix itself when it is all digits (``5411``, legal services, holds ``541100``);
the codes with letters stand for several prefixes, listed in :data:`PREFIXES` as BEA's tables
gather them (``311FT``, food and beverage and tobacco products, holds NAICS 311 and 312). A
detail commodity belongs to the summary commodity of its longest matching prefix, so ``5415``
(computer systems design) takes ``541511`` before ``5412OP`` (other professional services) could.
The test checks the result against BEA's own figures: each summary commodity's output in the
summary make table is the sum of its detail commodities' outputs in the detail make table.
"""

from __future__ import annotations

import csv
from pathlib import Path

# Summary codes with letters, and the detail-code prefixes each gathers (BEA 2017 summary level).
PREFIXES: dict[str, tuple[str, ...]] = {
    "111CA": ("111", "112"),  # farms: crops and animals
    "113FF": ("113", "114", "115"),  # forestry, fishing, and related activities
    "311FT": ("311", "312"),  # food and beverage and tobacco products
    "313TT": ("313", "314"),  # textile mills and textile product mills
    "315AL": ("315", "316"),  # apparel and leather
    "3361MV": ("3361", "3362", "3363"),  # motor vehicles, bodies and trailers, and parts
    "3364OT": ("3364", "3365", "3366", "3369"),  # other transportation equipment
    "4A0": ("444", "446", "447", "448", "451", "453", "454", "4B"),  # other retail
    "487OS": ("487", "488", "48A", "492"),  # other transportation and support activities
    "513": ("513", "515", "517"),  # broadcasting and telecommunications
    "514": ("518", "519"),  # data processing, internet publishing, other information services
    "521CI": ("521", "522", "52A"),  # Federal Reserve banks, credit intermediation
    "HS": ("531HS",),  # housing (owner-occupied and tenant-occupied)
    "ORE": ("531ORE",),  # other real estate
    "532RL": ("532", "533"),  # rental and leasing, lessors of intangible assets
    "5412OP": ("5412", "5413", "5414", "5416", "5417", "5418", "5419"),  # other professional services
    "711AS": ("711", "712"),  # performing arts, spectator sports, museums
    "GFGD": ("S00500",),  # federal general government (defense)
    "GFGN": ("S00600",),  # federal general government (nondefense)
    "GFE": ("491", "S00101", "S00102"),  # federal government enterprises (the postal service, ...)
    "GSLG": ("GSLG",),  # state and local general government (education, hospitals, other)
    "GSLE": ("S00201", "S00202", "S00203"),  # state and local government enterprises
}


def read_code_names(path: Path) -> dict[str, str]:
    """Code -> name from one of BEA's ``*_CodeName_2017.csv`` files (an index column, the code,
    the name), in file order."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))[1:]
    return {row[1].strip(): row[2].strip() for row in rows if len(row) >= 3 and row[1].strip()}


def summary_of(detail_codes: list[str], summary_codes: list[str]) -> dict[str, str]:
    """The summary commodity of each detail commodity that has one (scrap, used goods and
    noncomparable imports have none), by the longest matching prefix."""
    prefixes = sorted(((prefix, summary) for summary in summary_codes
                       for prefix in PREFIXES.get(summary, (summary,) if summary.isdigit() else ())),
                      key=lambda pair: -len(pair[0]))
    found = {}
    for code in detail_codes:
        match = next((summary for prefix, summary in prefixes if code.startswith(prefix)), None)
        if match is not None:
            found[code] = match
    return found


def summary_groups(detail_codes: list[str], summary_code_names: Path) -> list[str | None]:
    """Each detail commodity's group: the name of its summary commodity (None: in none)."""
    names = read_code_names(summary_code_names)
    summary = summary_of(detail_codes, list(names))
    return [names[summary[code]] if code in summary else None for code in detail_codes]

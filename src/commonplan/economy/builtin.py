"""The built-in economy shipped inside the package: the United States in 2017 (BEA detail tables).

The bundle lives in ``commonplan/data/us2017`` and is made by ``scripts/build_us2017.py``.
Beside the tables, ``reference.json`` holds a few totals of the source tables (see its
``meaning`` key) against which the demo checks the model.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

US2017 = files("commonplan") / "data" / "us2017"
REFERENCE = "reference.json"


def builtin_bundle_path() -> Path:
    """The folder of the built-in US 2017 bundle."""
    return Path(str(US2017))


def builtin_reference() -> dict[str, object]:
    """The source tables' own totals shipped with the built-in bundle (``reference.json``)."""
    reference: dict[str, object] = json.loads((US2017 / REFERENCE).read_text(encoding="utf-8"))
    return reference

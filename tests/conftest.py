"""Shared fixtures: small bundles written from CSV text, and ways to look at what was reported."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import settings

from commonplan.economy.bundle import read_bundle
from commonplan.economy.problems import BundleError, Problem

# The open books sign with keys derived from this secret in every test (no key file is made).
os.environ.setdefault("COMMONPLAN_LEDGER_SECRET", "c0" * 32)

# Hypothesis profiles.  In CI (CI set to anything) the "ci" profile runs every property on the same
# examples each time (derandomize: examples derived from each test's name, no example database),
# with no deadline (a slow machine does not fail a test by chance), so a result cannot depend on
# the draw.  Locally each run draws new examples and remembers failures in .hypothesis/.
#
# To reproduce a failure: a CI failure recurs with `CI=true pytest tests/path::test_name` (the same
# examples in the same order); any failure also prints a `@reproduce_failure(...)` decorator
# (print_blob) to paste above the test, and the falsifying example to copy into a plain test.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# A small valid economy: bread from wheat and baking labour, wheat from farm labour and land.
# Its labour values: wheat 1/2 = 0.5 hours a kg, bread 0.2 + 0.5 * 0.5 = 0.45 hours a loaf.
BAKERY: dict[str, str] = {
    "products.csv": "id,name,unit,kind,public\n"
                    "bread,Bread,loaf,good,false\n"
                    "wheat,Wheat,kg,good,\n"
                    "labour,Work,hour,labour,\n"
                    "land,Land,ha,resource,\n"
                    "park,Park,visit,service,true\n",
    "techniques.csv": "id,output,yield,capacity,producer\n"
                      "bake,bread,1,,Bakery\n"
                      "grow,wheat,2,100,Farm\n"
                      "tend,park,1,,Parks office\n",
    "inputs.csv": "technique,product,quantity\n"
                  "bake,wheat,0.5\n"
                  "bake,labour,0.2\n"
                  "grow,labour,1\n"
                  "grow,land,0.1\n"
                  "tend,labour,0.01\n",
    "resources.csv": "product,available\n"
                     "labour,1000\n"
                     "land,50\n",
    "needs.csv": "product,quantity,priority\n"
                 "bread,10,1\n"
                 "bread,5,2\n"
                 "park,100,1\n",
    "economy.toml": 'name = "Bakery"\nperiod = "2025"\n',
}

Tables = Mapping[str, str | bytes | None]


def write_tables(folder: Path, tables: Tables) -> Path:
    """Write each ``name: text`` as a file in ``folder`` (bytes as they are; None writes nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        if content is not None:
            (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def zipped(tables: Mapping[str, str]) -> bytes:
    """The tables as the bytes of a zip, at its root (an upload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in tables.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write_zip(path: Path, tables: Tables, *, folder: str = "") -> Path:
    """A zip of the tables, at its root or inside ``folder``."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in tables.items():
            if content is not None:
                archive.writestr(f"{folder}{name}", content)
    return path


@pytest.fixture
def make_bundle(tmp_path: Path) -> Callable[..., Path]:
    """A bundle folder: the bakery with some tables replaced (text), added, or removed (None)."""
    made = 0

    def make(tables: Tables | None = None, *, base: Tables = BAKERY) -> Path:
        nonlocal made
        made += 1
        return write_tables(tmp_path / f"bundle{made}", {**base, **(tables or {})})

    return make


def problems_of(path: Path | str) -> list[Problem]:
    """Every problem reading the bundle at ``path`` reports (failing when it reads fine)."""
    with pytest.raises(BundleError) as caught:
        read_bundle(path)
    return caught.value.problems


def lines_of(path: Path | str) -> list[str]:
    """The problems of the bundle at ``path`` as printed: ``FILE:ROW:COLUMN: message``."""
    return [str(problem) for problem in problems_of(path)]

"""Fixtures every folder shares: the hypothesis profiles, the test databases (tests.databases) and
small bundles written from CSV text (the builders are in tests.factories)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from tests.databases import database_url, engine
from tests.factories import BAKERY, Tables, write_tables

__all__ = ["database_url", "engine", "make_bundle"]

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


@pytest.fixture
def make_bundle(tmp_path: Path) -> Callable[..., Path]:
    """A bundle folder: the bakery with some tables replaced (text), added, or removed (None)."""
    made = 0

    def make(tables: Tables | None = None, *, base: Tables = BAKERY) -> Path:
        nonlocal made
        made += 1
        return write_tables(tmp_path / f"bundle{made}", {**base, **(tables or {})})

    return make


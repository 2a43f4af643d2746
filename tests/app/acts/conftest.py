"""The democratic acts on the real store (SQLite and PostgreSQL): an OpenBooks with a fixed
secret, a clock that ticks a second a reading and replayable random bytes, members inserted
directly (no password hashing), and a council with members (tests.factories builds them).

The migrations run once per worker and database: each SQLite test gets a copy of a migrated
file, each PostgreSQL test the worker's migrated schema emptied (a test here never shares its
data with another; the folder stays quick).
"""

from __future__ import annotations

from tests.databases import emptied_engine, migrated
from tests.factories import books, council, people, world

engine = emptied_engine  # the worker's migrated database, emptied (in place of tests/conftest's)

__all__ = ["books", "council", "engine", "migrated", "people", "world"]

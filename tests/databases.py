"""The databases tests run on: SQLite and the real PostgreSQL server (127.0.0.1:5432, database
``test``), each test in a schema of its own so that parallel workers never meet.

Two ways to get one, as fixtures that conftest files (or a test module needing the quick one)
import: ``database_url`` and ``engine``, a database migrated for the test alone; ``migrated`` and
``emptied_engine``, the worker's database migrated once and emptied for each test (quick, for
folders of many small tests such as the democratic acts).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, text

from commonplan.store.database import connect, open_database
from commonplan.store.models import Base, LedgerTip

POSTGRES = os.environ.get("COMMONPLAN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

Database = tuple[str, dict[str, Any]]  # a URL and the engine's options


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'commonplan.db'}", {}
        return
    schema = f"test_{uuid.uuid4().hex}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield POSTGRES, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: Database) -> Iterator[Engine]:
    url, options = database_url
    engine = open_database(url, **options)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """Per worker: a migrated SQLite file to copy, or a migrated PostgreSQL schema to empty."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("template") / "commonplan.db"
        open_database(f"sqlite:///{template}").dispose()
        yield "sqlite", template
        return
    schema = f"test_acts_{uuid.uuid4().hex}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # commits need not wait for the disk in tests (quicker under load; nothing else changes)
    options = {"connect_args": {"options": f"-csearch_path={schema} -csynchronous_commit=off"}}
    open_database(POSTGRES, **options).dispose()
    try:
        yield "postgresql", options
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def emptied_engine(migrated: tuple[str, Any], tmp_path: Path) -> Iterator[Engine]:
    """An engine on a migrated, empty database of its own (a module or conftest that wants it
    names it ``engine``, in place of the one migrated for the test)."""
    dialect, made = migrated
    if dialect == "sqlite":
        copy = tmp_path / "commonplan.db"
        shutil.copy(made, copy)
        engine = connect(f"sqlite:///{copy}")
    else:
        engine = connect(POSTGRES, **made)
        with engine.begin() as connection:  # small tables: DELETE is quicker than TRUNCATE
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            connection.execute(insert(LedgerTip).values(id=1, size=0, head={}))
    yield engine
    engine.dispose()

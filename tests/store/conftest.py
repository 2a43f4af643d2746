"""Every storage test runs against SQLite and against the real PostgreSQL server (127.0.0.1:5432,
database ``test``), each test in a schema of its own so that parallel workers never meet."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from commonplan.store.database import open_database

POSTGRES = os.environ.get("COMMONPLAN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[str, dict]]:
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
def engine(database_url) -> Iterator[Engine]:
    url, options = database_url
    engine = open_database(url, **options)
    yield engine
    engine.dispose()

"""Opening the database: SQLite (a file, in WAL mode) by default, PostgreSQL by URL; Alembic
migrations, shipped inside the package, are applied on opening."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///commonplan.db"
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x636F6D6D6F6E  # the advisory lock migrations take on PostgreSQL ("common")


def open_database(url: str = DEFAULT_URL, **options: Any) -> Engine:
    """An engine on ``url`` with every migration applied."""
    engine = connect(url, **options)
    migrate(engine)
    return engine


def connect(url: str = DEFAULT_URL, **options: Any) -> Engine:
    """An engine on ``url``, whose schema is migrated already (a job's process, say)."""
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def absolute(url: str) -> str:
    """``url`` with a relative SQLite path made absolute, so another process finds the same file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return url
    return parsed.set(database=str(Path(parsed.database).resolve())).render_as_string(hide_password=False)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    # No fsync at every commit, only at checkpoints: in WAL mode the file stays consistent on a
    # power cut (the last commits may roll back, never half of one; a crash of the process loses
    # nothing). An fsync cost each act 2 to 15 ms while holding the books' lock.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration (nothing to do when it is there already). On
    PostgreSQL, server processes starting at once migrate in turn: the first under a lock of the
    transaction (an advisory lock), the others then find nothing to do."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

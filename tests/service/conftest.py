"""The service's tests run on SQLite and PostgreSQL, as the store's do."""

from tests.store.conftest import database_url, engine

__all__ = ["database_url", "engine"]

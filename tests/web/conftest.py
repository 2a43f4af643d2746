"""The browser tests share one Chromium per module (tests.browsers); the page tests, an app on
each database whose books run on a clock the test moves (a module may define its own ``app``)."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonplan.server import create_app
from commonplan.store.books import OpenBooks
from tests.browsers import chromium
from tests.clocks import MovableClock
from tests.databases import Database

__all__ = ["app", "chromium"]


@pytest.fixture
def app(database_url: Database) -> Iterator[Any]:
    """The application on ``database_url``, its lifespan run (the job worker started and stopped)."""
    url, options = database_url
    application = create_app(url, books=OpenBooks(os.urandom(32), clock=MovableClock()), **options)
    with TestClient(application):
        yield application

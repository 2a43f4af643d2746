"""The operations room in a real browser (Chromium): a workplace's course is drawn as a line
chart, with the plan, what was made, the forecast and its interval, without a console error or
a CSP violation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from commonplan.server import create_app
from commonplan.store.books import OpenBooks
from tests.browsers import log_in, serving, watched
from tests.clocks import MovableClock
from tests.rest import short_bakery


@pytest.fixture
def app(tmp_path: Path) -> Any:
    """The app on SQLite; its lifespan (job worker, alert sweeper) run by the server serving it."""
    return create_app(f"sqlite:///{tmp_path / 'commonplan.db'}",
                      books=OpenBooks(os.urandom(32), clock=MovableClock()))


def test_a_workplaces_course_is_drawn_in_the_browser(app, chromium: Browser) -> None:
    troubles: list[str] = []
    with serving(app) as address:
        world = short_bakery(TestClient(app))  # through the served app's worker
        context = chromium.new_context(base_url=address)
        tab = watched(context.new_page(), troubles)
        tab.set_default_timeout(10_000)
        log_in(tab, "district-delegate1@example.org")
        tab.goto(f"/app/rounds/{world['round']}/operations")
        tab.get_by_role("link", name="Bakery").first.click()
        chart = tab.locator(".js-plotly-plot")
        expect(chart.locator("svg").first).to_be_visible()
        assert chart.locator(".scatterlayer .trace").count() == 5  # band low and high, plan, made, forecast
        expect(tab.get_by_text("below plan since").first).to_be_visible()
        context.close()
    assert not troubles, troubles

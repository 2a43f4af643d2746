"""A real browser on the app: Debian's Chromium driven by Playwright (one per module, as a fixture
for a conftest file to import), the app served by uvicorn on a free loopback port, and a member's
first steps in a tab."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from commonplan.server import create_app
from commonplan.store.books import OpenBooks
from tests.clocks import MovableClock
from tests.rest import PASSWORD

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded browser: the network is closed)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it "
                    "(apt-get install chromium); the browser tests need it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` on uvicorn in a background thread, on a free loopback port; its address."""
    port = free_port()
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    for _ in range(200):
        if served.started:
            break
        time.sleep(0.05)
    assert served.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


@contextmanager
def serving_with_clock(folder: Path) -> Iterator[tuple[str, Any]]:
    """The app on a new SQLite database in ``folder``, its books on a clock the test moves
    (tests.clocks.MovableClock: ``app.state.books.clock.advance(days)``): its address and the app."""
    books = OpenBooks(os.urandom(32), clock=MovableClock())
    app = create_app(f"sqlite:///{folder / 'commonplan.db'}", books=books)
    with serving(app) as address:
        yield address, app


def found(tab: Page, name: str, level: str, parent: str | None = None, public_name: str = "",
          fraction: str = "1/5") -> str:
    """Found a council from the councils' page; its page's address."""
    tab.goto("/app/councils")
    tab.locator("#council-name").fill(name)
    tab.locator("#council-level").select_option(level)
    tab.locator("#council-rate").fill("30")
    if parent:
        tab.locator("#council-parent").select_option(label=parent)
    tab.locator("#council-fraction").fill(fraction)
    tab.locator("#council-public-name").fill(public_name)
    tab.get_by_role("button", name="Found the council").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(name)
    return tab.url


def register_and_log_in(page: Page, email: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Register").first.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/app/economies$"))


def watched(page: Page, troubles: list[str], allowed: re.Pattern[str] | None = None) -> Page:
    """``page`` noting in ``troubles`` every console error or warning (CSP violations among them)
    and uncaught exception, but console messages matching ``allowed`` (a refusal asked on purpose)."""
    def noted(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and not (allowed and allowed.search(message.text)):
            troubles.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    page.on("console", noted)
    page.on("pageerror", lambda error: troubles.append(f"page error: {error}"))
    return page


def log_in(page: Page, email: str) -> None:
    """Log in a member who has an account already."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/app/economies$"))


def upload(page: Page, bundle: Path) -> None:
    """The bundle uploaded from the economies page, named ``bakery``."""
    page.get_by_label("Name").fill("bakery")
    page.get_by_label("Bundle").set_input_files(bundle)
    page.get_by_role("button", name="Upload").click()

"""The pages in a real browser: Playwright driving Debian's Chromium against the app served by
uvicorn on a free loopback port and a temporary SQLite file. A member registers, logs in,
uploads the bakery, starts a plan, watches the progress bar fill, sees the charts drawn, downloads
the CSV and logs out; a broken bundle shows its problems. No console error, no CSP violation."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from commonplan.server import create_app
from tests.browsers import register_and_log_in, serving, upload, watched
from tests.factories import BAKERY, write_zip

QUEUED_FOR = 1.0  # seconds each job waits before it runs, so the page watches it progress


def delayed(submit: Callable[[int], None]) -> Callable[[int], None]:
    """The worker's submit, each job held back QUEUED_FOR seconds (the bakery is planned in
    milliseconds: without it the page would never see a job in progress)."""

    def later(job_id: int) -> None:
        threading.Timer(QUEUED_FOR, submit, (job_id,)).start()

    return later


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on uvicorn in a background thread; its address."""
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'commonplan.db'}")
    app.state.worker.submit = delayed(app.state.worker.submit)
    with serving(app) as address:
        yield address


@pytest.fixture
def troubles() -> list[str]:
    """What went wrong in the tab: console errors and warnings (CSP violations among them) and
    uncaught exceptions."""
    return []


@pytest.fixture
def tab(chromium: Browser, server: str, troubles: list[str]) -> Iterator[Page]:
    """A fresh browser tab on the app, failing the test on any trouble left in ``troubles``."""
    context = chromium.new_context(base_url=server, accept_downloads=True)
    page = watched(context.new_page(), troubles)
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not troubles, troubles


def test_a_member_plans_the_bakery_and_watches_it_in_the_browser(tab: Page, tmp_path: Path) -> None:
    register_and_log_in(tab, "ada@example.org")
    expect(tab.get_by_role("banner")).to_contain_text("ada@example.org (member)")
    upload(tab, write_zip(tmp_path / "bakery.zip", BAKERY))
    expect(tab.get_by_role("heading", level=1)).to_have_text("bakery")
    tab.get_by_label("An optimal plan").check()
    tab.get_by_role("button", name="Start").click()

    bar = tab.locator("#job-progress-bar")
    expect(bar).to_have_attribute("data-state", "queued")  # the live region, polled by htmx
    expect(bar).to_have_attribute("value", "100", timeout=15_000)
    expect(bar).to_have_attribute("data-state", "done")
    charts = tab.locator(".js-plotly-plot")
    expect(charts.first.locator("svg").first).to_be_visible()
    assert charts.count() == tab.locator("[data-chart]").count() >= 3  # every chart with bars
    expect(tab.get_by_text("Priority 1 is met in full.")).to_be_visible()
    tab.screenshot(path="/tmp/job_page.png", full_page=True)

    with tab.expect_download() as downloading:
        tab.get_by_role("link", name="Download CSV").click()
    assert Path(downloading.value.path()).read_text().startswith("quantity,id,value\n")

    tab.get_by_role("button", name="Log out").click()
    expect(tab.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    tab.goto("/app/economies")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_broken_bundle_shows_its_problems_in_a_table(tab: Page, troubles: list[str],
                                                       tmp_path: Path) -> None:
    register_and_log_in(tab, "bob@example.org")
    broken = {**BAKERY, "inputs.csv": "technique,product,quantity\nbake,flour,x\n"}
    upload(tab, write_zip(tmp_path / "broken.zip", broken))
    alert = tab.get_by_role("alert")
    expect(alert).to_contain_text("the bundle breaks")
    rows = alert.locator("table.problems tbody tr")
    expect(rows.filter(has_text="unknown product")).to_contain_text("inputs.csv")
    assert rows.count() >= 2
    # the page answers 422, as it should; Chromium notes that status of the page itself, no more
    assert [trouble for trouble in troubles if "status of 422" not in trouble
            or not trouble.endswith("/app/economies)")] == []
    troubles.clear()


def test_the_interactive_api_docs_work_offline(tab: Page) -> None:
    tab.goto("/docs")
    operations = tab.locator(".opblock-summary-operation-id")
    expect(operations.filter(has_text="start_job")).to_be_visible()
    assert operations.count() >= 12

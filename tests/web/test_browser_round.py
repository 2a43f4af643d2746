"""A planning round in a real browser (Playwright driving Debian's Chromium, the app on uvicorn in
a thread): a district of three delegates opens a round on the bakery economy from its page, attaches
its priorities and shares ballots, computes two plan variants from the round's page, moves on at the
variants' deadline to the plan ballot the round opens itself, adopts the variant for the vote, and
sees the adopted plan frozen on the round's page; the plan meets first the need voted first. No
console error, no CSP violation."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browsers import log_in, serving_with_clock, upload, watched
from tests.factories import BAKERY, write_zip
from tests.rest import ballot, close, federation, ok, vote, wait_for

SCARCE = {**BAKERY, "resources.csv": "product,available\nlabour,5.5\nland,50\n"}  # 5.5 hours in all
EXPECTED = re.compile(r"the server responded with a status of 409")  # a step not done, asked on purpose


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    with serving_with_clock(tmp_path_factory.mktemp("round")) as served:
        yield served


@pytest.fixture
def tab(chromium: Browser, served: tuple[str, Any]) -> Iterator[Page]:
    troubles: list[str] = []
    context = chromium.new_context(base_url=served[0])
    page = watched(context.new_page(), troubles, EXPECTED)
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not troubles, troubles


def test_a_district_runs_a_round_from_its_pages_and_adopts_the_plan_it_voted(tab, served, tmp_path):
    address, app = served
    api = httpx.Client(base_url=address, timeout=30)
    district, delegates = federation(api, 3)
    log_in(tab, "district-delegate0@example.org")
    upload(tab, write_zip(tmp_path / "bakery.zip", SCARCE))
    tab.goto(f"/app/councils/{district}")
    tab.get_by_label("Period").fill("2027")
    for step, days in (("needs", "1"), ("votes", "1"), ("variants", "1")):
        tab.locator(f"#round-days-{step}").fill(days)
    tab.get_by_role("button", name="Open the round").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Planning round for 2027")
    expect(tab.locator("#now")).to_contain_text("Who must act: consumer councils and shops")
    tab.get_by_role("button", name="Move on to: Priorities and shares voted").click()
    expect(tab.locator("#now")).to_contain_text("a closed priorities ballot")

    priorities = ballot(api, delegates[0], district, "priorities", {"products": ["bread", "park"]})
    vote(api, priorities, delegates, {"park": 1, "bread": 2})
    close(api, delegates[0], priorities)
    shares = ballot(api, delegates[1], district, "shares", {})
    vote(api, shares, delegates, {"consumption": 1.0, "investment": 0.0, "public services": 0.0})
    close(api, delegates[1], shares)
    round_page = tab.url
    for ballot_id in (priorities, shares):
        tab.goto(round_page)
        tab.get_by_label("Attach a ballot").select_option(str(ballot_id))
        tab.get_by_role("button", name="Attach to the round").click()
    expect(tab.locator("#ballots")).to_contain_text("Priorities")
    tab.get_by_role("button", name="Move on to: Plan variants computed").click()

    jobs = []
    for with_priorities in (True, False):
        tab.goto(round_page)
        if not with_priorities:
            tab.get_by_label("with the voted priorities").uncheck()
        tab.get_by_role("button", name="Compute the variant").click()
        expect(tab.locator("#job-progress-bar")).to_have_attribute("data-state", "done", timeout=30_000)
        jobs.append(int(tab.url.rsplit("/", 1)[1]))
    tab.goto(round_page)
    expect(tab.locator("#round-variants-compared .js-plotly-plot").first).to_be_visible()  # drawn by name
    tab.get_by_role("button", name="Move on to: Plan adopted").click()
    expect(tab.locator("main")).to_contain_text("plan variants may be added until the step's deadline")
    app.state.books.clock.advance(3.5)
    tab.goto(round_page)
    tab.get_by_role("button", name="Move on to: Plan adopted").click()
    expect(tab.locator("#now")).to_contain_text("Now: Plan adopted")

    round_id = round_page.rsplit("/", 1)[1]
    plan_ballot = ok(api.get(f"/rounds/{round_id}", headers=delegates[0]), 200)["ballots"]["plan"]
    tab.goto(f"/app/ballots/{plan_ballot}")
    expect(tab.locator("#variant-summary")).to_contain_text(f"Plan of job {jobs[0]}")  # all may open it
    vote(api, plan_ballot, delegates, [jobs[0]])
    close(api, delegates[2], plan_ballot)
    tab.goto(round_page)
    tab.get_by_role("button", name="Move on to: Targets published").click()
    expect(tab.locator("#variants")).to_contain_text(f"Adopted: plan {jobs[0]}, frozen by its SHA-256")

    voted = ok(api.get(f"/jobs/{jobs[0]}/result", headers=delegates[0]), 200)["fulfilment"]
    tables = ok(api.get(f"/jobs/{jobs[1]}/result", headers=delegates[0]), 200)["fulfilment"]
    assert voted["1"] == pytest.approx(1.0) and voted["2"] == pytest.approx(4.5 / 6.75)  # park first
    assert tables["1"] == pytest.approx(1.0) and tables["2"] == pytest.approx(0.0, abs=1e-7)
    assert wait_for(api, delegates[0], jobs[0])["state"] == "done"

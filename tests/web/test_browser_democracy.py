"""The democratic layer in a real browser (Playwright driving Debian's Chromium, the app on
uvicorn in a thread, a temporary SQLite file): three members found a workplace council under a
district federation, elect their delegate from the pages, recall them by petition and ballot, meet
the pay rule's refusal, and verify the open books. No console error, no CSP violation."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from commonplan.server import create_app
from tests.browsers import found, register_and_log_in, serving, upload
from tests.factories import BAKERY, write_zip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("democracy") / "commonplan.db"
    with serving(create_app(f"sqlite:///{database}")) as address:
        yield address


EXPECTED = re.compile(r"the server responded with a status of (409|422)")  # the refusals' own pages


@pytest.fixture
def members(chromium: Browser, server: str) -> Iterator[dict[str, Page]]:
    """A tab for each of Ada, Bob and Cleo, each in a browser context of its own (its own cookies);
    fails on any console error or warning (CSP violations among them) or uncaught exception,
    except the statuses of the refusal pages this test asks for."""
    troubles: list[str] = []
    contexts: list[BrowserContext] = []
    tabs = {}
    for name in ("ada", "bob", "cleo"):
        context = chromium.new_context(base_url=server)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)

        def noted(message: ConsoleMessage, name: str = name) -> None:
            if message.type in ("error", "warning") and not EXPECTED.search(message.text):
                troubles.append(f"{name}: console {message.type}: {message.text} ({message.location})")

        tab.on("console", noted)
        tab.on("pageerror", lambda error, name=name: troubles.append(f"{name}: page error: {error}"))
        tabs[name] = tab
    yield tabs
    for context in contexts:
        context.close()
    assert not troubles, troubles


def vote(tab: Page, ballot: str, choice: str) -> None:
    tab.goto(ballot)
    tab.get_by_label(choice).check()
    tab.get_by_role("button", name="Vote").click()
    expect(tab.locator("#you-voted")).to_contain_text("You voted")


def test_three_members_elect_recall_meet_the_pay_rule_and_verify_the_books(members: dict[str, Page]) -> None:
    ada, bob, cleo = members["ada"], members["bob"], members["cleo"]
    for name, tab in members.items():
        register_and_log_in(tab, f"{name}@example.org")
    found(ada, "Riverside", "district")
    found(ada, "Bakery", "workplace", parent="Riverside (district)", public_name="Ada", fraction="2/3")
    council = ada.url
    for tab, name in ((bob, "Bob"), (cleo, "Cleo")):
        tab.goto("/app/councils")
        tab.get_by_label("Your public name in Bakery").fill(name)
        tab.get_by_role("button", name="Join Bakery").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Bakery")

    ada.goto(council)
    ada.get_by_text("Create an office").click()
    ada.locator("#office-title").fill("Delegate")
    ada.get_by_role("button", name="Create the office").click()
    expect(ada.locator("table.offices")).to_contain_text("Delegate")

    ada.get_by_text("An election").click()
    for name in ("Ada", "Bob", "Cleo"):
        ada.locator("#open-election").get_by_label(name).check()
    ada.get_by_role("button", name="Open the election").click()
    expect(ada.get_by_role("heading", level=1)).to_have_text("Who is our delegate?")
    election = ada.url
    for tab in (ada, bob, cleo):
        vote(tab, election, "Bob")
    ada.get_by_role("button", name="Close the ballot").click()
    expect(ada.locator("#elected")).to_contain_text("Bob")
    expect(ada.locator("#published")).to_have_text("3 anonymous ballots")

    ada.goto(council)
    ada.get_by_role("button", name="Recall the Delegate").click()
    expect(ada.locator(".signatures")).to_have_text("1 of 2")
    cleo.goto(council)
    cleo.get_by_role("button", name="Sign the recall of the Delegate").click()
    expect(cleo.get_by_role("heading", level=1)).to_contain_text("Recall")  # the recall ballot opened
    recall = cleo.url
    ada.goto(recall)
    ada.get_by_role("button", name="Close the ballot").click()  # nobody has voted: it stays open
    expect(ada.get_by_role("alert")).to_contain_text("stays open until its closing time")
    for tab in (ada, cleo):
        vote(tab, recall, "Remove")
    vote(bob, recall, "Keep")
    ada.get_by_role("button", name="Close the ballot").click()  # everyone has voted
    expect(ada.locator("#recall-result")).to_contain_text("Recalled: 2 to remove, 1 to keep")
    ada.goto(council)
    expect(ada.locator(".ballots-open")).to_contain_text("By-election: Delegate")
    expect(ada.locator("table.offices")).to_contain_text("vacant")

    ada.get_by_label("Pay per hour of the Delegate").fill("31.5")
    ada.get_by_role("button", name="Put the pay of the Delegate to a vote").click()
    expect(ada.get_by_role("alert")).to_contain_text("above the council's reference rate for skilled work")

    ada.get_by_role("navigation", name="Main").get_by_role("link", name="Open books").click()
    expect(ada.get_by_role("heading", level=1)).to_have_text("The open books")
    size = ada.locator("#head-size").inner_text()
    expect(ada.locator("#books-head")).to_contain_text(size)  # the head on the page, in the footer too
    ada.get_by_role("button", name="Verify the whole record").click()  # htmx: the verdict swapped in
    expect(ada.locator("#verdict-ok")).to_contain_text("The record is intact")
    expect(ada.locator("table.entries")).to_contain_text("refusal")  # the pay refused, on the record


def planned(tab: Page, bundle: Path) -> str:
    """The number of a finished plan of ``bundle``, uploaded and computed from the pages."""
    tab.goto("/app/economies")
    upload(tab, bundle)
    tab.get_by_label("An optimal plan").check()
    tab.get_by_role("button", name="Start").click()
    expect(tab.locator("#job-progress-bar")).to_have_attribute("data-state", "done", timeout=15_000)
    return tab.url.rsplit("/", 1)[1]


def test_members_compare_the_plans_they_are_asked_to_adopt_by_product_name_and_open_each(
        members: dict[str, Page], tmp_path: Path) -> None:
    dora, eli = members["ada"], members["bob"]  # new members: the module's server remembers Ada and Bob
    register_and_log_in(dora, "dora@example.org")
    register_and_log_in(eli, "eli@example.org")
    more_bread = {**BAKERY, "needs.csv": "product,quantity,priority\nbread,40,1\npark,100,2\n"}
    plans = [planned(dora, write_zip(tmp_path / f"{number}.zip", tables))
             for number, tables in enumerate((BAKERY, more_bread))]
    found(dora, "Mill", "workplace", public_name="Dora")
    council = dora.url
    eli.goto("/app/councils")
    eli.get_by_label("Your public name in Mill").fill("Eli")
    eli.get_by_role("button", name="Join Mill").click()
    dora.goto(council)
    dora.get_by_text("Adopt a plan").click()
    dora.locator("#plan-jobs").fill(", ".join(plans))
    dora.get_by_role("button", name="Open the plan ballot").click()
    expect(dora.get_by_role("heading", level=1)).to_have_text("Which plan do we adopt?")

    eli.goto(dora.url)
    summary = eli.locator("#variant-summary")
    expect(summary).to_contain_text(f"Plan of job {plans[0]}")
    expect(summary).to_contain_text("tier 1: 100.0%")
    differences = eli.locator("#variant-differences")
    expect(differences).to_contain_text("Bread (loaf)")  # names, not ids
    expect(differences).to_contain_text("Work (hour)")
    charts = eli.locator("#variants .js-plotly-plot")  # the plans side by side, drawn without an error
    expect(charts.first.locator("svg").first).to_be_visible()
    expect(charts).to_have_count(eli.locator("#variants [data-chart]").count())
    assert charts.count() >= 3
    fulfilment = eli.locator("figure[aria-labelledby='chart-compared-fulfilment-caption']")
    expect(fulfilment.locator(".legendtext").first).to_have_text(f"Plan of job {plans[0]}")  # grouped
    eli.screenshot(path="/tmp/ballot_page.png", full_page=True)
    summary.get_by_role("link", name=f"Plan of job {plans[1]}").click()  # Eli may open what he votes on
    expect(eli.locator("#job-progress-bar")).to_have_attribute("data-state", "done")
    expect(eli.get_by_role("link", name="Download JSON")).to_be_visible()

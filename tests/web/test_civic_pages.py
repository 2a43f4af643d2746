"""The pages of the democratic layer on SQLite and PostgreSQL (FastAPI's TestClient): councils
founded and joined, offices and their pay, elections, recall petitions and ballots of every kind
voted from their forms, posts drawn by lot, and the open books' explorer read without an account.
Every refusal is a page naming its reason with its 4xx status; every form wants its CSRF token;
every page shows the current head of the open books."""

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from commonplan.store.models import LedgerEntry, LedgerTip
from tests.factories import BAKERY, GROUPED_BAKERY
from tests.pages import PASSWORD, browser, finished_job, post, signed_in, token_in, token_of, uploaded


def later(app) -> None:
    """The server's clock moved past a ballot's default closing time."""
    app.state.books.clock.advance()


@pytest.fixture
def ada(app) -> TestClient:
    return signed_in(browser(app), "ada@example.org")


@pytest.fixture
def bob(app) -> TestClient:
    return signed_in(browser(app), "bob@example.org")


def made(answer) -> int:
    """The number of what a form made, from its 303 to the new page."""
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("#")[0].rsplit("/", 1)[1])


def found(client: TestClient, name: str, level: str, parent: int | None = None, public_name: str = "",
          **more: str) -> int:
    data = {"name": name, "level": level, "reference_rate": "30", "public_name": public_name, **more}
    return made(post(client, "/app/councils", data | ({"parent": str(parent)} if parent else {}),
                     "/app/councils"))


def refusal_in(page: str) -> str:
    found_alert = re.search(r'<p role="alert" class="alert"[^>]*>(.*?)</p>', page, re.S)
    assert found_alert, "the page shows no refusal"
    return html.unescape(found_alert.group(1))


def pseudonym_of(client: TestClient, council: int) -> str:
    return re.search(r"<dt>You</dt><dd><code class=\"pseudonym\">([^<]+)</code>",
                     client.get(f"/app/councils/{council}").text).group(1)


def books_size(app) -> int:
    with app.state.sessions() as session:
        return session.scalar(select(LedgerTip.size))


@pytest.fixture
def bakery(ada, bob) -> dict:
    """A workplace council of Ada and Bob under a district federation, with a delegate's seat."""
    district = found(ada, "Riverside", "district")
    council = found(ada, "Bakery", "workplace", district, "Ada", recall_fraction="1/1")
    assert post(bob, f"/app/councils/{council}/members", {"public_name": "Bob"}, "/app/councils"
                ).status_code == 303
    office = post(ada, f"/app/councils/{council}/offices", {"title": "Delegate", "kind": "delegate"},
                  f"/app/councils/{council}")
    assert office.status_code == 303
    return {"district": district, "council": council, "ada": pseudonym_of(ada, council),
            "bob": pseudonym_of(bob, council)}


def office_of(client: TestClient, council: int, title: str = "Delegate") -> int:
    page = client.get(f"/app/councils/{council}").text
    rows = re.findall(r'<tr id="office-(\d+)">\s*<td>([^<]+)', page)
    return next(int(number) for number, name in rows if name.strip() == title)


def elect(ada: TestClient, bob: TestClient, bakery: dict, winner: str) -> int:
    council = bakery["council"]
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "election", "question": "Who is our delegate?", "office": str(office_of(ada, council)),
        "candidates": [bakery["ada"], bakery["bob"]]}, f"/app/councils/{council}"))
    for client in (ada, bob):
        assert post(client, f"/app/ballots/{ballot}/votes", {"choice": bakery[winner]},
                    f"/app/ballots/{ballot}").status_code == 303
    assert post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}").status_code == 303
    return ballot


def test_a_council_page_shows_its_members_by_public_name_and_its_offices(ada, bob, bakery):
    page = ada.get(f"/app/councils/{bakery['council']}")
    assert page.status_code == 200
    text = page.text
    assert "Ada" in text and "Bob" in text and bakery["ada"] in text and bakery["bob"] in text
    assert "Delegate" in text and "vacant" in text and "Recall the Delegate" not in text  # nobody to recall
    assert 'action="/app/councils/{}/ballots"'.format(bakery["council"]) in text
    listing = bob.get("/app/councils").text
    assert "Riverside" in listing and "Bakery" in listing and "Join Bakery" not in listing  # a member
    federation = ada.get(f"/app/councils/{bakery['district']}").text
    assert "Join this council" not in federation and "delegates its councils send" in federation


def test_an_election_is_voted_from_the_page_once_per_member_and_its_result_shown(app, ada, bob, bakery):
    ballot = elect(ada, bob, bakery, "bob")
    page = ada.get(f"/app/ballots/{ballot}").text
    assert re.search(r'id="elected"><strong>Elected:</strong> <span class="who-name">Bob</span>', page)
    assert "2 anonymous ballots</span> published" in page and 'id="seed"' in page
    council = ada.get(f"/app/councils/{bakery['council']}").text
    assert "Recall the Delegate" in council  # the seat is held now


def test_a_ballot_opened_with_a_closing_time_shows_it_and_its_opener_cannot_close_it_early(ada, bakery):
    council = bakery["council"]
    month = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "shares", "question": "Shares?", "closes_at": month}, f"/app/councils/{council}"))
    assert f"{month}:00+00:00" in ada.get(f"/app/ballots/{ballot}").text
    early = post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}")
    assert early.status_code == 409 and "closing time" in refusal_in(early.text)
    bad = post(ada, f"/app/councils/{council}/ballots", {"kind": "shares", "question": "Shares?",
                                                         "closes_at": "soon"}, f"/app/councils/{council}")
    assert bad.status_code == 422 and "not a date and time" in refusal_in(bad.text)


def test_a_second_vote_and_a_vote_on_a_closed_ballot_are_refused_with_their_reason(app, ada, bob, bakery):
    council = bakery["council"]
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "election", "question": "Delegate?", "office": str(office_of(ada, council)),
        "candidates": [bakery["ada"]]}, f"/app/councils/{council}"))
    assert post(ada, f"/app/ballots/{ballot}/votes", {"choice": bakery["ada"]}, f"/app/ballots/{ballot}"
                ).status_code == 303
    page = ada.get(f"/app/ballots/{ballot}").text
    assert 'id="you-voted"' in page and 'name="choice"' not in page
    token = token_of(ada, f"/app/ballots/{ballot}")
    again = ada.post(f"/app/ballots/{ballot}/votes", data={"choice": bakery["ada"], "csrf_token": token})
    assert again.status_code == 409 and "has already voted" in refusal_in(again.text)
    early = post(bob, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}")
    assert early.status_code == 409 and "every member has voted" in refusal_in(early.text)
    early = post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}")  # nor its opener
    assert early.status_code == 409 and "1 of 2 have" in refusal_in(early.text)
    later(app)
    assert post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}").status_code == 303
    late = bob.post(f"/app/ballots/{ballot}/votes", data={"choice": bakery["ada"], "csrf_token": token_of(
        bob, f"/app/ballots/{ballot}")})
    assert late.status_code == 409 and "is closed" in refusal_in(late.text)


def test_the_recall_button_signs_the_petition_until_the_recall_ballot_opens_then_a_by_election(
        ada, bob, bakery):
    elect(ada, bob, bakery, "bob")
    council, office = bakery["council"], office_of(ada, bakery["council"])
    assert post(ada, f"/app/offices/{office}/recall", {}, f"/app/councils/{council}").status_code == 303
    page = bob.get(f"/app/councils/{council}").text
    assert re.search(r'<span class="signatures">1 of 2</span>', page)
    assert "Sign the recall of the Delegate" in page
    twice = post(ada, f"/app/offices/{office}/recall", {}, f"/app/councils/{council}")
    assert twice.status_code == 409 and "signed" in refusal_in(twice.text)
    opened = post(bob, f"/app/offices/{office}/recall", {}, f"/app/councils/{council}")
    recall = made(opened)
    ballot = bob.get(f"/app/ballots/{recall}").text
    assert 'value="remove"' in ballot and 'value="keep"' in ballot and "Recall" in ballot
    for client in (ada, bob):
        assert post(client, f"/app/ballots/{recall}/votes", {"choice": "remove"}, f"/app/ballots/{recall}"
                    ).status_code == 303
    assert post(ada, f"/app/ballots/{recall}/close", {}, f"/app/ballots/{recall}").status_code == 303
    assert "<strong>Recalled:</strong> 2 to remove, 0 to keep" in ada.get(f"/app/ballots/{recall}").text
    after = ada.get(f"/app/councils/{council}").text
    assert "By-election: Delegate" in after and "vacant" in after


def test_pay_is_proposed_on_the_page_and_set_only_by_the_councils_pay_ballot(app, ada, bob, bakery):
    council, office = bakery["council"], office_of(ada, bakery["council"])
    before = books_size(app)
    answer = post(ada, f"/app/offices/{office}/pay", {"rate": "31.5"}, f"/app/councils/{council}")
    assert answer.status_code == 422
    assert "above the council's reference rate for skilled work" in refusal_in(answer.text)
    assert f'href="/app/councils/{council}">Back' in answer.text and "Traceback" not in answer.text
    assert books_size(app) == before + 1  # only the refusal is on the books
    proposal = made(post(ada, f"/app/offices/{office}/pay", {"rate": "30"}, f"/app/councils/{council}"))
    page = ada.get(f"/app/ballots/{proposal}").text
    assert "Proposed pay" in page and 'value="yes"' in page and 'value="no"' in page
    assert "<td>0.0</td>" in ada.get(f"/app/councils/{council}").text  # a proposal changes nothing
    for client in (ada, bob):
        assert post(client, f"/app/ballots/{proposal}/votes", {"choice": "yes"}, f"/app/ballots/{proposal}"
                    ).status_code == 303
    assert post(bob, f"/app/ballots/{proposal}/close", {}, f"/app/ballots/{proposal}").status_code == 303
    assert "<strong>Carried:</strong> 2 yes, 0 no" in ada.get(f"/app/ballots/{proposal}").text
    assert "<td>30.0</td>" in ada.get(f"/app/councils/{council}").text


@pytest.mark.parametrize(("path", "data", "status", "reason"), [
    ("/app/councils", {"name": "X", "level": "village", "reference_rate": "30"}, 422, "not a level"),
    ("/app/councils", {"name": "X", "level": "workplace", "reference_rate": "30", "parent": "999"}, 404,
     "there is no council 999"),
    ("/app/councils/{council}/members", {}, 409, "already a member"),
    ("/app/councils/{district}/members", {}, 403, "nobody joins it directly"),
    ("/app/councils/{council}/ballots", {"kind": "election", "question": "Q", "office": "{office}"}, 422,
     "candidates"),
    ("/app/councils/{council}/ballots", {"kind": "recall", "question": "Q"}, 403, "petition"),
    ("/app/offices/{office}/recall", {}, 409, "no holder to recall"),
    ("/app/offices/{office}/volunteers", {}, 403, "filled by election"),
])
def test_every_refusal_is_a_page_with_its_reason_and_status(ada, bakery, path, data, status, reason):
    office = office_of(ada, bakery["council"])
    values = {**bakery, "office": office}
    sent = {key: value.format(**values) for key, value in data.items()}
    answer = post(ada, path.format(**values), sent, "/app/councils")
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html") and reason in refusal_in(answer.text)


def test_ballots_of_every_kind_take_a_vote_from_their_own_form(app, ada, bob, bakery):
    council = bakery["council"]
    page = f"/app/councils/{council}"

    def vote(ballot: int, client: TestClient, data: dict) -> int:
        return post(client, f"/app/ballots/{ballot}/votes", data, f"/app/ballots/{ballot}").status_code

    shares = made(post(ada, f"/app/councils/{council}/ballots", {"kind": "shares", "question": "Shares?"},
                       page))
    form = ada.get(f"/app/ballots/{shares}").text
    assert 'name="consumption"' in form and 'name="public_services"' in form
    assert vote(shares, ada, {"consumption": "0.5", "investment": "0.3", "public_services": "0.3"}) == 422
    assert vote(shares, ada, {"consumption": "0.6", "investment": "0.3", "public_services": "0.1"}) == 303
    priorities = made(post(ada, f"/app/councils/{council}/ballots",
                           {"kind": "priorities", "question": "Needs?", "products": "bread, park"}, page))
    assert vote(priorities, ada, {"product": ["bread", "park"], "tier": ["1", ""]}) == 303
    budget = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "budget", "question": "Projects?", "budget": "10", "project": ["oven", "garden", ""],
        "cost": ["6", "5", ""], "completion": "add-one"}, page))
    assert "oven (costs 6)" in ada.get(f"/app/ballots/{budget}").text
    assert re.search(r'id="ballot-completion">Add-one:', ada.get(f"/app/ballots/{budget}").text)
    assert vote(budget, ada, {"choice": ["oven"]}) == 303 and vote(budget, bob, {"choice": ["oven"]}) == 303
    later(app)  # bob did not vote in every ballot: they close at their closing time
    for ballot in (shares, priorities, budget):
        assert post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}").status_code == 303
    assert "0.600" in ada.get(f"/app/ballots/{shares}").text
    assert re.search(r"<th scope=\"row\">bread</th><td>1</td>", ada.get(f"/app/ballots/{priorities}").text)
    assert "<strong>Funded:</strong> oven" in ada.get(f"/app/ballots/{budget}").text
    assert "by equal shares, completed by add-one)" in ada.get(f"/app/ballots/{budget}").text

    plan = finished_job(ada, uploaded(ada), "plan")
    adopt = made(post(ada, f"/app/councils/{council}/ballots",
                      {"kind": "plan", "question": "Which plan?", "plans": str(plan)}, page))
    assert vote(adopt, ada, {"choice": [str(plan)]}) == 303
    later(app)
    assert post(ada, f"/app/ballots/{adopt}/close", {}, f"/app/ballots/{adopt}").status_code == 303
    assert f'the plan of <a href="/app/jobs/{plan}">job {plan}</a>' in ada.get(f"/app/ballots/{adopt}").text


def test_an_election_for_two_seats_is_ranked_and_counted_by_stv_with_its_stages(ada, bob, bakery):
    council = bakery["council"]
    page = f"/app/councils/{council}"
    post(ada, f"/app/councils/{council}/offices", {"title": "Second delegate", "kind": "delegate"}, page)
    offices = [str(office_of(ada, council)), str(office_of(ada, council, "Second delegate"))]
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "election", "question": "Two delegates?", "office": offices,
        "candidates": [bakery["ada"], bakery["bob"]]}, page))
    form = ada.get(f"/app/ballots/{ballot}").text
    assert "single transferable vote" in form and form.count('name="rank"') == 2
    candidates = re.findall(r'name="ranked" value="([^"]+)"', form)
    tied = ada.post(f"/app/ballots/{ballot}/votes", data={
        "ranked": candidates, "rank": ["1", "1"], "csrf_token": token_in(form)})
    assert tied.status_code == 422 and "are both ranked 1" in refusal_in(tied.text)
    for client in (ada, bob):
        assert post(client, f"/app/ballots/{ballot}/votes", {"ranked": candidates, "rank": ["2", "1"]},
                    f"/app/ballots/{ballot}").status_code == 303
    post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}")
    result = ada.get(f"/app/ballots/{ballot}").text
    assert "The count, stage by stage" in result and "<strong>Elected:</strong>" in result


def test_posts_are_volunteered_for_and_drawn_by_lot_without_quotas(ada, bob, bakery):
    council = bakery["council"]
    page = f"/app/councils/{council}"
    post(ada, f"/app/councils/{council}/offices", {"title": "Treasurer", "kind": "post"}, page)
    treasurer = office_of(ada, council, "Treasurer")
    assert post(ada, f"/app/offices/{treasurer}/volunteers", {"features": "shift: early"}, page
                ).status_code == 303
    assert post(bob, f"/app/offices/{treasurer}/volunteers", {}, page).status_code == 303
    assert "Treasurer: 2 volunteer(s)" in ada.get(page).text
    drawn = post(ada, f"/app/councils/{council}/draws", {"posts": str(treasurer), "quotas": ""}, page)
    assert drawn.status_code == 303
    row = re.search(rf'<tr id="office-{treasurer}">(.*?)</tr>', ada.get(page).text, re.S).group(1)
    assert "vacant" not in row and ("Ada" in row or "Bob" in row)


def test_the_open_books_are_readable_without_an_account_with_proofs_and_the_verdict(app, ada, bakery):
    anonymous = browser(app)
    size = books_size(app)
    explorer = anonymous.get("/open-books")
    assert explorer.status_code == 200 and f'id="head-size">{size} entries' in explorer.text
    assert "council founded" in explorer.text and "signed by the server for member:" in explorer.text
    assert "&#34;name&#34;: &#34;Bakery&#34;" in explorer.text or '"name": "Bakery"' in explorer.text
    entry = anonymous.get("/open-books/entries/1")
    assert entry.status_code == 200 and 'id="leaf-hash"' in entry.text and "RFC 9162" in entry.text
    proof = anonymous.get("/ledger/entries/1").json()
    assert all(h in entry.text for h in proof["proof"]) and proof["root"] in entry.text
    assert anonymous.get(f"/open-books/entries/{size}").status_code == 404
    consistency = anonymous.get("/open-books?old_size=3")
    expected = anonymous.get(f"/ledger/proofs/consistency?old_size=3&new_size={size}").json()
    assert all(h in consistency.text for h in expected["proof"]) and expected["old_root"] in consistency.text
    assert "cannot be older" in anonymous.get(f"/open-books?old_size={size + 5}").text
    whole = anonymous.get("/open-books/verify")
    assert whole.status_code == 200 and 'id="verdict-ok"' in whole.text and f"{size} entries" in whole.text
    fragment = anonymous.get("/open-books/verify", headers={"HX-Request": "true"})
    assert fragment.text.strip().startswith('<p role="status"') and "<html" not in fragment.text
    assert anonymous.get("/open-books?start=0").text.count('href="/open-books/entries/') == min(size, 20)


def test_the_verdict_names_the_first_entry_tampered_with(app, ada, bakery):
    with app.state.sessions() as session, session.begin():
        leaf = session.scalar(select(LedgerEntry.leaf).where(LedgerEntry.idx == 2))
        session.execute(update(LedgerEntry).where(LedgerEntry.idx == 2)
                        .values(leaf=leaf.replace("Riverside", "Riverbank")))
    verdict = browser(app).get("/open-books/verify", headers={"HX-Request": "true"}).text
    assert 'id="verdict-bad"' in verdict and 'href="/open-books/entries/2"' in verdict
    assert "entry 2" in html.unescape(verdict)


def test_every_page_shows_the_current_head_of_the_open_books(app, ada, bakery):
    size = books_size(app)
    with app.state.sessions() as session:
        root = session.scalar(select(LedgerTip.head))["root"]
    pages = [(ada, "/app/councils"), (ada, f"/app/councils/{bakery['council']}"), (ada, "/app/economies"),
             (ada, "/app/councils/999"), (browser(app), "/"), (browser(app), "/login"),
             (browser(app), "/open-books"), (browser(app), "/open-books/entries/0")]
    for client, path in pages:
        page = client.get(path).text
        footer = re.search(r'<p class="books-head" id="books-head">(.*?)</p>', page, re.S)
        assert footer, path
        shown = footer.group(1)
        assert f"{size} entries" in shown and root[:16] in shown and 'href="/open-books"' in shown, path


def test_every_new_form_wants_its_csrf_token(app, ada, bakery):
    council, office = bakery["council"], office_of(ada, bakery["council"])
    stranger = token_of(browser(app))
    forms = [("/app/councils", {"name": "X", "level": "workplace", "reference_rate": "30"}),
             (f"/app/councils/{bakery['district']}/members", {}),
             (f"/app/councils/{council}/offices", {"title": "T", "kind": "post"}),
             (f"/app/offices/{office}/pay", {"rate": "1"}),
             (f"/app/offices/{office}/recall", {}),
             (f"/app/offices/{office}/volunteers", {}),
             (f"/app/councils/{council}/draws", {"posts": str(office)}),
             (f"/app/councils/{council}/ballots", {"kind": "shares", "question": "Q"}),
             ("/app/ballots/1/votes", {"choice": "x"}),
             ("/app/ballots/1/close", {})]
    before = books_size(app)
    for path, data in forms:
        for token in (None, "", "wrong", stranger):
            sent = data if token is None else {**data, "csrf_token": token}
            answer = ada.post(path, data=sent, follow_redirects=False)
            assert answer.status_code == 403 and "Form refused" in answer.text, (path, token)
    assert books_size(app) == before  # nothing was done


def test_the_signed_out_are_sent_to_the_login_page_from_council_and_ballot_pages(app, ada, bakery):
    anonymous = browser(app)
    for path in ("/app/councils", f"/app/councils/{bakery['council']}", "/app/ballots/1"):
        answer = anonymous.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
    assert ada.get("/app/ballots/999").status_code == 404


def test_a_plan_ballot_shows_each_variant_by_product_name_and_its_members_open_every_plan(
        app, ada, bob, bakery):
    council = bakery["council"]
    more_bread = {**BAKERY, "needs.csv": "product,quantity,priority\nbread,40,1\npark,100,2\n"}
    plans = [finished_job(ada, uploaded(ada, tables), "plan") for tables in (BAKERY, more_bread)]
    carol = signed_in(browser(app), "carol@example.org")
    assert carol.get(f"/app/jobs/{plans[0]}").status_code == 404
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "plan", "question": "Which plan?", "plans": f"{plans[0]}, {plans[1]}"},
        f"/app/councils/{council}"))
    page = bob.get(f"/app/ballots/{ballot}").text
    summary = re.search(r'<table class="numbers" id="variant-summary">(.*?)</table>', page, re.S).group(1)
    assert all(f'id="variant-{plan}"' in summary for plan in plans) and "tier 1: 100.0%" in summary
    differences = re.search(r'id="variant-differences">(.*?)</table>', page, re.S).group(1)
    assert "<th scope=\"row\">Bread (loaf)</th>" in differences and "Work (hour)" in differences
    assert ">bread<" not in differences  # names for people, not ids
    for plan in plans:  # Bob may open each plan he is asked to adopt, its result and its economy
        job_page = bob.get(f"/app/jobs/{plan}")
        assert job_page.status_code == 200 and "Download JSON" in bob.get(f"/app/jobs/{plan}/progress").text
        economy = re.search(r'href="/app/economies/(\d+)"', job_page.text).group(1)
        assert bob.get(f"/app/economies/{economy}").status_code == 200
        assert bob.get(f"/app/jobs/{plan}/result.json").status_code == 200
    outside = carol.get(f"/app/ballots/{ballot}").text
    assert 'id="unreadable-plans"' in outside and "Bread (loaf)" not in outside
    assert carol.get(f"/app/jobs/{plans[0]}").status_code == 404


def test_a_plan_ballot_charts_its_variants_side_by_side_by_name(app, ada, bob, bakery):
    council = bakery["council"]
    tight = {**BAKERY, "resources.csv": "product,available\nlabour,1000\nland,0.2\n"}  # land binds
    plans = [finished_job(ada, uploaded(ada, tables), "plan") for tables in (BAKERY, tight)]
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "plan", "question": "Which plan?", "plans": f"{plans[0]}, {plans[1]}"},
        f"/app/councils/{council}"))
    page = bob.get(f"/app/ballots/{ballot}").text
    charts = {key: json.loads(html.unescape(text)) for key, text in re.findall(
        r'<script type="application/json" id="(chart-[a-z-]+)-data">(.*?)</script>', page, re.S)}
    assert set(charts) == {"chart-compared-labour", "chart-compared-fulfilment", "chart-compared-binding",
                           "chart-compared-differences"}
    names = [f"Plan of job {plan}" for plan in plans]
    assert charts["chart-compared-labour"]["labels"] == names
    fulfilment = charts["chart-compared-fulfilment"]
    assert fulfilment["labels"] == ["Tier 1", "Tier 2"] and [s["name"] for s in fulfilment["series"]] == names
    assert fulfilment["series"][1]["values"] == [pytest.approx(80), pytest.approx(0, abs=1e-6)]
    binds = charts["chart-compared-binding"]
    assert binds["labels"] == ["Land (ha)"] and [s["values"] for s in binds["series"]] == [
        [None], [pytest.approx(8)]]  # land binds in the second plan only, at a price of 8
    assert "Bread (loaf)" in charts["chart-compared-differences"]["labels"]
    assert not {label for chart in charts.values() for label in chart["labels"]} & {"bread", "land", "park"}
    summary = re.search(r'id="variant-summary">(.*?)</table>', page, re.S).group(1)
    assert "Land: shadow price 8" in summary  # what binds, with its price
    assert '<script src="/static/charts.js" defer></script>' in page
    api = TestClient(app)
    token = api.post("/tokens", json={"email": "bob@example.org", "password": PASSWORD}).json()["token"]
    view = api.get(f"/ballots/{ballot}", headers={"Authorization": f"Bearer {token}"}).json()
    assert view["variants"]["variants"][1]["binding"]["resources"] == [
        {"product": "land", "name": "Land", "unit": "ha", "price": pytest.approx(8)}]  # ids, exact


def test_the_apis_ballot_view_holds_each_variants_summary_with_exact_ids(app, ada, bakery):
    council = bakery["council"]
    plan = finished_job(ada, uploaded(ada), "plan")
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "plan", "question": "Which plan?", "plans": str(plan)}, f"/app/councils/{council}"))
    api = TestClient(app)
    token = api.post("/tokens", json={"email": "ada@example.org", "password": PASSWORD}).json()["token"]
    view = api.get(f"/ballots/{ballot}", headers={"Authorization": f"Bearer {token}"}).json()
    (variant,) = view["variants"]["variants"]
    assert variant["job"] == plan and variant["fulfilment"] == {"1": pytest.approx(1), "2": pytest.approx(1)}
    result = api.get(f"/jobs/{plan}/result", headers={"Authorization": f"Bearer {token}"}).json()
    assert variant["labour_hours"] == result["labour_hours"] and view["variants"]["unreadable"] == []
    assert variant["binding"] == {"resources": [], "capacities": []} and variant["parts"] == {}


def test_a_ballot_on_priorities_by_group_shows_names_and_quantities_and_counts_tiers_per_group(app, ada, bob,
                                                                                              bakery):
    council = bakery["council"]
    page = f"/app/councils/{council}"
    economy = uploaded(ada, GROUPED_BAKERY)
    assert f'<option value="{economy}">bakery (economy {economy})</option>' in ada.get(page).text
    listed = ada.get("/app/economy-groups", params={"economy": str(economy)}).text
    assert 'value="Food"> Food: 2 products in several units needed' in listed
    assert 'value="Parks and gardens"> Parks and gardens: 100 visit needed' in listed
    assert "Food" not in ada.get("/app/economy-groups", params={"economy": ""}).text
    assert bob.get("/app/economy-groups", params={"economy": str(economy)}).status_code == 404  # not bob's

    assert post(ada, f"/app/councils/{council}/ballots", {  # one by one, no economy chosen
        "kind": "priorities", "question": "Needs?", "by": "products", "economy": "", "products": "bread"},
        page).status_code == 303
    unknown = post(ada, f"/app/councils/{council}/ballots", {
        "kind": "priorities", "question": "Needs?", "by": "groups", "economy": str(economy),
        "group": ["Toys"]}, page)
    assert unknown.status_code == 422 and "'Toys' is not a group" in refusal_in(unknown.text)
    ballot = made(post(ada, f"/app/councils/{council}/ballots", {
        "kind": "priorities", "question": "Needs?", "by": "groups", "economy": str(economy)}, page))
    form = ada.get(f"/app/ballots/{ballot}").text
    assert "Parks and gardens <span class=\"hint\">(100 visit needed, 1 product)</span>" in form
    assert "Food <span class=\"hint\">(2 products)</span>" in form and "wheat" not in form
    for client, tiers in ((ada, ["2", "1"]), (bob, ["3", ""])):
        voted = post(client, f"/app/ballots/{ballot}/votes", {"product": ["Food", "Parks and gardens"],
                                                              "tier": tiers}, f"/app/ballots/{ballot}")
        assert voted.status_code == 303
    assert post(ada, f"/app/ballots/{ballot}/close", {}, f"/app/ballots/{ballot}").status_code == 303
    result = ada.get(f"/app/ballots/{ballot}").text
    assert re.search(r'<th scope="row">Food</th><td>2</td><td>2 products</td>', result)
    assert re.search(r'<th scope="row">Parks and gardens</th><td>1</td><td>100 visit</td>', result)

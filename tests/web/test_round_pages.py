"""The pages of planning rounds on SQLite and PostgreSQL: a federation's page lists its rounds and
opens one; the round's page shows where it stands, what is next and who must act, and its members
move it on from there; a step not done is a refusal page naming what is missing."""

import io
import time
import zipfile

from fastapi.testclient import TestClient

from tests.factories import BAKERY
from tests.pages import browser, logged_in, post, signed_in, text_of, token_of, uploaded
from tests.rest import federation


def test_a_federation_opens_a_round_and_its_page_says_where_it_stands(app):
    district, _delegates = federation(TestClient(app), 2)
    delegate = logged_in(app, "district-delegate0@example.org")
    economy = uploaded(delegate, BAKERY)
    council_page = text_of(delegate.get(f"/app/councils/{district}").text)
    assert "Planning rounds" in council_page and "No planning round yet." in council_page
    assert "Open a planning round" in council_page
    opened = post(delegate, f"/app/councils/{district}/rounds",
                  {"economy": str(economy), "period": "2027", "votes": "3"}, f"/app/councils/{district}")
    assert opened.status_code == 303
    round_path = opened.headers["location"]
    page = text_of(delegate.get(round_path).text)
    assert "Planning round for 2027" in page and "Now: Needs gathered" in page
    assert "Who must act: consumer councils and shops" in page
    assert "Move on to: Priorities and shares voted" in page
    moved = post(delegate, f"{round_path}/advance", {}, round_path)
    assert moved.status_code == 303
    page = text_of(delegate.get(round_path).text)
    assert "Now: Priorities and shares voted" in page and "a closed priorities ballot" in page
    refused = post(delegate, f"{round_path}/advance", {}, round_path)
    assert refused.status_code == 409 and "a closed priorities ballot" in text_of(refused.text)
    council_page = text_of(delegate.get(f"/app/councils/{district}").text)
    assert "2027" in council_page and "Priorities and shares voted" in council_page

    stranger = signed_in(browser(app), "stranger@example.org")
    seen = text_of(stranger.get(round_path).text)
    assert "Now: Priorities and shares voted" in seen and "Move on to" not in seen
    refused = post(stranger, f"{round_path}/advance", {}, round_path)
    assert refused.status_code == 403


def test_a_round_on_a_workplace_council_or_an_unreadable_economy_is_refused(app):
    district, _delegates = federation(TestClient(app), 1)
    delegate = logged_in(app, "district-delegate0@example.org")
    other = signed_in(browser(app), "other@example.org")
    theirs = uploaded(other, BAKERY)
    refused = post(delegate, f"/app/councils/{district}/rounds", {"economy": str(theirs), "period": "2027"},
                   f"/app/councils/{district}")
    assert refused.status_code == 404
    mine = uploaded(delegate, BAKERY)
    refused = post(delegate, "/app/councils/2/rounds", {"economy": str(mine), "period": "2027"},
                   f"/app/councils/{district}")
    assert refused.status_code == 403 and "federation" in text_of(refused.text)


def test_a_consumer_council_sends_records_and_the_round_shows_what_was_learned_by_name(app):
    district, _delegates = federation(TestClient(app), 1)
    delegate = logged_in(app, "district-delegate0@example.org")
    economy = uploaded(delegate, BAKERY)
    opened = post(delegate, f"/app/councils/{district}/rounds", {"economy": str(economy), "period": "2027"},
                  f"/app/councils/{district}")
    round_path = opened.headers["location"]
    shopper = signed_in(browser(app), "shopper@example.org")
    consumers = post(shopper, "/app/councils", {"name": "Corner consumers", "level": "consumer",
                                                "reference_rate": "30", "parent": str(district)},
                     "/app/councils")
    council = consumers.headers["location"].rsplit("/", 1)[1]
    page = shopper.get(round_path).text
    assert "Send your council's records" in page and "Corner consumers" in page
    days = [f"2026-01-{day:02d}" for day in range(1, 29)]
    files = {"purchases": "date,store,product,quantity\n" + "".join(
                 f"{d},corner,bread,{4 if n % 4 == 3 else 10}\n" for n, d in enumerate(days)),
             "stock": "date,store,product,on_hand\n" + "".join(
                 f"{d},corner,bread,{0 if n % 4 == 3 else 5}\n" for n, d in enumerate(days))}
    for kind, content in files.items():
        form = {"council": council, "kind": kind, "csrf_token": token_of(shopper, round_path)}
        sent = shopper.post(f"{round_path}/records", data=form, follow_redirects=False,
                            files={"file": (f"{kind}.csv", content.encode(), "text/csv")})
        assert sent.status_code == 303, sent.text
    bad = shopper.post(f"{round_path}/records", data={"council": council, "kind": "stock",
                                                      "csrf_token": token_of(shopper, round_path)},
                       files={"file": ("stock.csv", b"date,store,product\n2026-01-01,a,bread\n", "text/csv")})
    assert bad.status_code == 422 and "on_hand" in text_of(bad.text)
    assert "Learn the needs" not in shopper.get(round_path).text  # the federation's members learn them
    learned = post(delegate, f"{round_path}/needs", {}, round_path)
    assert learned.status_code == 303 and "/app/jobs/" in learned.headers["location"]
    for _ in range(200):
        page = text_of(delegate.get(round_path).text)
        if "Most often short" in page:
            break
        time.sleep(0.05)
    assert "Most often short Product days with an empty shelf Bread 7" in page
    assert "Hidden by empty shelves" in page and "purchases.csv" in page


def test_the_built_in_economy_is_added_from_the_economies_page_ready_to_plan(app):
    ada = signed_in(browser(app), "ada@example.org")
    added = post(ada, "/app/economies/builtin", {}, "/app/economies")
    assert added.status_code == 303
    page = text_of(ada.get(added.headers["location"]).text)
    assert "United States 2017 (built-in, with its labour force)" in page
    economy = added.headers["location"].rsplit("/", 1)[1]
    bundle = ada.get(f"/app/economies/{economy}/bundle.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        resources = archive.read("resources.csv").decode()
    assert resources.startswith('"product","available"') and '"labour"' in resources  # a labour force

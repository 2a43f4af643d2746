"""Every input of the API and the pages is bounded and typed (service.limits), alike on SQLite and
PostgreSQL: a hostile value is refused with the field named, before anything is written (no row,
no entry of the open books); malformed JSON is 400; lists page with X-Total-Count and Link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from commonplan.service.limits import JSON_BYTES, JSON_DEPTH, JSON_ITEMS, JSON_STRING, MAX_BODY, MAX_ID
from commonplan.store.models import Base
from commonplan.web import civic_pages
from tests.pages import browser, post, signed_in
from tests.rest import democracy_client, ok, people

BIG = MAX_ID + 1


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


@pytest.fixture
def world(client: TestClient) -> dict[str, Any]:
    """A member, their council with an office (a post) and an open ballot on shares."""
    [me] = people(client, 1)
    council = ok(client.post("/councils", headers=me, json={"name": "Bakery", "level": "workplace",
                                                            "reference_rate": 30}))["id"]
    office = ok(client.post(f"/councils/{council}/offices", headers=me,
                            json={"title": "Clerk", "kind": "post"}))["id"]
    ballot = ok(client.post(f"/councils/{council}/ballots", headers=me, json={
        "kind": "shares", "question": "Shares?", "options": {"method": "median"}}))["id"]
    return {"me": me, "council": council, "office": office, "ballot": ballot}


def written(client: TestClient) -> dict[str, int]:
    """The rows of every table, and so the size of the open books too."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables}


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


COUNCIL = {"name": "Mill", "level": "workplace", "reference_rate": 30}
BALLOT = {"kind": "shares", "question": "Shares?", "options": {"method": "median"}}
# (method, path, JSON body, field named): each one hostile value among valid ones
HOSTILE: list[tuple[str, str, dict[str, Any], str]] = [
    ("post", "/councils", COUNCIL | {"reference_rate": True}, "reference_rate"),
    ("post", "/councils", COUNCIL | {"reference_rate": "5"}, "reference_rate"),
    ("post", "/councils", COUNCIL | {"reference_rate": "1e308"}, "reference_rate"),
    ("post", "/councils", COUNCIL | {"reference_rate": 1e308}, "reference_rate"),
    ("post", "/councils", COUNCIL | {"reference_rate": "NaN"}, "reference_rate"),
    ("post", "/councils", COUNCIL | {"name": "n" * 300}, "name"),
    ("post", "/councils", COUNCIL | {"name": "Mill\u0000"}, "name"),
    ("post", "/councils", COUNCIL | {"public_name": "\u0000"}, "public_name"),
    ("post", "/councils", COUNCIL | {"level": "w" * 300}, "level"),
    ("post", "/councils", COUNCIL | {"parent": BIG}, "parent"),
    ("post", "/councils", COUNCIL | {"parent": True}, "parent"),
    ("post", "/councils/{council}/offices", {"title": "C", "kind": "post", "term_limit": True}, "term_limit"),
    ("post", "/councils/{council}/offices", {"title": "C\u0000", "kind": "post"}, "title"),
    ("put", "/offices/{office}/pay", {"rate": True}, "rate"),
    ("post", "/offices/{office}/payments", {"hours": "1", "amount": 1}, "hours"),
    ("post", "/councils/{council}/members", {"public_name": "p" * 201}, "public_name"),
    ("post", "/councils/{council}/ballots", BALLOT | {"question": "q" * 1_000_000}, "question"),
    ("post", "/councils/{council}/ballots", BALLOT | {"question": "Shares\u0000?"}, "question"),
    ("post", "/councils/{council}/ballots", BALLOT | {"office": BIG}, "office"),
    ("post", "/councils/{council}/ballots", BALLOT | {"options": {"x": nested(JSON_DEPTH)}}, "options"),
    ("post", "/councils/{council}/ballots", BALLOT | {"options": {"x": [0] * (JSON_ITEMS + 1)}}, "options"),
    ("post", "/councils/{council}/ballots", BALLOT | {"options": {"x": "a" * (JSON_STRING + 1)}}, "options"),
    ("post", "/councils/{council}/ballots",
     BALLOT | {"options": {str(n): "a" * JSON_STRING for n in range(JSON_BYTES // JSON_STRING)}}, "options"),
    ("post", "/councils/{council}/ballots", BALLOT | {"options": {"method": "median\u0000"}}, "options"),
    ("post", "/ballots/{ballot}/votes", {"content": nested(JSON_DEPTH + 1)}, "content"),
    ("post", "/ballots/{ballot}/votes", {"content": {"consumption\u0000": 1}}, "content"),
    ("post", "/ballots/{ballot}/votes", {"content": ["x"] * (JSON_ITEMS + 1)}, "content"),
    ("post", "/ballots/{ballot}/votes", {"content": 2**60}, "content"),
    ("post", "/offices/{office}/volunteers", {"features": {f"f{n}": "x" for n in range(101)}}, "features"),
    ("post", "/offices/{office}/volunteers", {"features": {"age": "x" * 201}}, "features.age"),
    ("post", "/councils/{council}/draws", {"offices": [BIG]}, "offices.0"),
    ("post", "/councils/{council}/draws", {"offices": ["{office}"]}, "offices.0"),
    ("post", "/councils/{council}/draws", {"offices": [1], "quotas": [{"f": nested(JSON_DEPTH)}]}, "quotas"),
    ("post", "/economies/1/jobs", {"kind": "plan", "periods": True}, "periods"),
    ("post", "/economies/1/jobs", {"kind": "plan", "priorities_ballot": BIG}, "priorities_ballot"),
    ("post", "/economies/1/jobs", {"kind": "plan", "shares_ballot": -1}, "shares_ballot"),
]


def test_every_hostile_value_is_a_422_naming_its_field_and_nothing_is_written(client, world):
    before = written(client)
    for method, path, body, field in HOSTILE:
        answer = client.request(method.upper(), path.format(**world), json=body, headers=world["me"])
        assert answer.status_code == 422, (path, field, answer.text[:300])
        refusal = (answer.json()["error"], answer.json()["field"])
        assert refusal == ("invalid_request", field), (path, answer.text)
        assert written(client) == before, (path, field)


def test_a_nan_or_an_infinity_in_the_json_is_refused_naming_its_field(client, world):
    before = written(client)
    for path, raw, field in (("/councils", b'{"name": "M", "level": "workplace", "reference_rate": NaN}',
                              "reference_rate"),
                             (f"/ballots/{world['ballot']}/votes", b'{"content": {"consumption": Infinity}}',
                              "content")):
        answer = client.post(path, content=raw, headers={**world["me"], "content-type": "application/json"})
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text
    assert written(client) == before


@pytest.mark.parametrize("email, password", [
    ("a" * 243 + "@example.org", "correct horse battery"),  # 255 octets
    ("a" * 65 + "@example.org", "correct horse battery"),  # 65 before the @
    ("ada@example.org", "p" * 1025),
    ("ada\u0000@example.org", "correct horse battery"),
    (True, "correct horse battery"),
])
def test_an_account_past_rfc_5321_or_the_password_bound_is_refused_naming_the_field(client, email, password):
    field = "password" if password != "correct horse battery" else "email"
    before = written(client)
    for path in ("/members", "/tokens"):
        answer = client.post(path, json={"email": email, "password": password})
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text
    assert written(client) == before


def test_the_longest_address_rfc_5321_allows_is_accepted(client):
    email = "a" * 64 + "@" + "b" * 185 + ".org"  # 254 octets, 64 before the @
    assert ok(client.post("/members", json={"email": email, "password": "correct horse battery"}))["email"]


@pytest.mark.parametrize("path, field", [
    ("/councils?offset=-1", "offset"), (f"/councils?offset={BIG}", "offset"), ("/councils?limit=0", "limit"),
    ("/councils?limit=101", "limit"), ("/councils?limit=true", "limit"), (f"/jobs/{BIG}", "job_id"),
    (f"/ledger/entries?start={BIG}", "start"), (f"/ballots/{BIG}", "ballot_id"),
])
def test_a_number_beyond_what_a_column_holds_is_a_422_naming_it(client, world, path, field):
    answer = client.get(path, headers=world["me"])
    refusal = (answer.status_code, answer.json()["error"], answer.json()["field"])
    assert refusal == (422, "invalid_request", field)


def test_malformed_json_is_a_400_in_the_error_shape_and_writes_nothing(client, world):
    before = written(client)
    headers = {**world["me"], "content-type": "application/json"}
    for raw in (b'{"name": ', b"{'name': 'x'}", b"[" * 100_000 + b"]" * 100_000):
        answer = client.post("/councils", content=raw, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (400, "bad_request"), answer.text
        assert answer.json()["detail"]
    assert written(client) == before


def test_a_body_past_the_limit_is_a_413_in_the_error_shape(client, world):
    answer = client.post(f"/ballots/{world['ballot']}/votes", json={"content": "x" * MAX_BODY},
                         headers=world["me"])
    assert (answer.status_code, answer.json()["error"]) == (413, "too_large"), answer.text


def pages_of(client: TestClient, path: str, headers: dict[str, str]) -> list[Any]:
    """Every row of a list, following its Link: rel="next" to the end."""
    rows: list[Any] = []
    url: str | None = path
    while url is not None:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        rows += answer.json()
        assert int(answer.headers["X-Total-Count"]) >= len(rows)
        found = re.search(r'<([^>]+)>; rel="next"', answer.headers.get("Link", ""))
        url = found.group(1) if found else None
    return rows


def test_the_councils_page_through_their_link_headers_to_the_last_page(client, world):
    for number in range(6):
        ok(client.post("/councils", headers=world["me"], json=COUNCIL | {"name": f"Mill {number}"}))
    everything = ok(client.get("/councils", headers=world["me"]), 200)
    assert len(everything) == 7 and pages_of(client, "/councils?limit=3", world["me"]) == everything
    last = client.get("/councils?offset=6&limit=3", headers=world["me"])
    assert [c["id"] for c in last.json()] == [everything[-1]["id"]]
    assert 'rel="next"' not in last.headers["Link"]
    assert "offset=3" in last.headers["Link"] and last.headers["X-Total-Count"] == "7"
    past = client.get("/councils?offset=50&limit=3", headers=world["me"])
    assert past.json() == [] and past.headers["X-Total-Count"] == "7" and 'rel="prev"' in past.headers["Link"]


def test_the_open_books_page_by_start_and_say_their_size(client, world):
    size = client.get("/ledger/head").json()["size"]
    entries = pages_of(client, "/ledger/entries?limit=2", {})
    assert [entry["index"] for entry in entries] == list(range(size))
    assert client.get("/ledger/entries").headers["X-Total-Count"] == str(size)


@pytest.fixture
def app(database_url):
    url, options = database_url
    from commonplan.server import create_app

    application = create_app(url, **options)
    with TestClient(application):
        yield application


def test_an_over_long_or_malformed_form_field_is_a_page_naming_it_and_nothing_is_written(app):
    ada = signed_in(browser(app), "ada@example.org")
    before = written(ada)
    for data, field in (({"name": "n" * 300}, "name"), ({"name": "Mill\u0000"}, "name"),
                        ({"name": "Mill", "public_name": "\u0000"}, "public_name"),
                        ({"name": "Mill", "parent": str(BIG)}, "parent"),
                        ({"name": "Mill", "reference_rate": "1e308"}, "reference_rate"),
                        ({"name": "Mill", "recall_fraction": "1/5" * 10}, "recall_fraction")):
        form = {"level": "workplace", "reference_rate": "30", **data}
        answer = post(ada, "/app/councils", form, "/app/councils")
        assert answer.status_code == 422 and "text/html" in answer.headers["content-type"], field
        assert field in answer.text
    assert written(ada) == before


def test_a_form_that_builds_an_unbounded_value_is_refused_before_it_is_stored(app):
    ada = signed_in(browser(app), "ada@example.org")
    council = int(post(ada, "/app/councils", {"name": "Mill", "level": "workplace", "reference_rate": "30"},
                       "/app/councils").headers["location"].rsplit("/", 1)[1])
    page = f"/app/councils/{council}"
    before = written(ada)
    cases = (("/app/councils/{c}/ballots", {"kind": "priorities", "question": "Q",
                                             "products": ",".join(["p" * 300] * 3)}, "options"),
             ("/app/councils/{c}/ballots", {"kind": "plan", "question": "Q", "plans": str(BIG)}, "plan"),
             ("/app/councils/{c}/ballots", {"kind": "plan", "question": "Q" * 501}, "question"),
             ("/app/councils/{c}/draws", {"posts": "1", "quotas": "age old ² 2"}, "quota line 1"))
    for path, data, named in cases:
        answer = post(ada, path.format(c=council), data, page)
        assert answer.status_code == 422, (named, answer.text[:500])
        assert named in answer.text
    assert written(ada) == before


def test_the_web_lists_page_with_next_and_previous_links(app, monkeypatch):
    monkeypatch.setattr(civic_pages, "WEB_PAGE", 2)
    ada = signed_in(browser(app), "ada@example.org")
    for number in range(5):
        post(ada, "/app/councils", {"name": f"Mill {number}", "level": "workplace", "reference_rate": "30"},
             "/app/councils")
    first = ada.get("/app/councils").text
    assert "Mill 0" in first and "Mill 2" not in first and 'href="/app/councils?offset=2"' in first
    last = ada.get("/app/councils?offset=4").text
    assert "Mill 4" in last and "Mill 3" not in last and 'rel="next"' not in last
    assert 'href="/app/councils?offset=2"' in last and "5 to 5 of 5" in last
    past = ada.get("/app/councils?offset=40")
    assert past.status_code == 200 and "past the end" in past.text and "No councils yet" not in past.text

"""A determined member plays against the safeguards through the REST API, on SQLite and
PostgreSQL: deciding a recall alone, setting pay alone, voting twice at the same instant,
closing another council's ballot, smuggling a large text into the open books. Each attempt is
refused with its reason, and nothing it aimed at changes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.rest import democracy_client, found, join, later, ok, people, pseudonym, size, vote


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


@pytest.fixture
def bakery(client) -> dict[str, Any]:
    """A council of five under a district, whose delegate (member 1) was elected by all."""
    members = people(client, 5)
    district = found(client, members[0], name="District", level="district")
    council = found(client, members[0], name="Bakery", parent=district)
    join(client, council, members[1:])
    names = [pseudonym(client, headers, council) for headers in members]
    seat = ok(client.post(f"/councils/{council}/offices", headers=members[0],
                          json={"title": "Delegate", "kind": "delegate"}))["id"]
    election = ok(client.post(f"/councils/{council}/ballots", headers=members[0], json={
        "kind": "election", "question": "Who?", "options": {"candidates": names[1:3]}, "office": seat}))["id"]
    vote(client, election, members, [names[1]])
    ok(client.post(f"/ballots/{election}/close", headers=members[2]), 200)
    return {"members": members, "names": names, "council": council, "seat": seat}


def holder(client, bakery) -> str | None:
    view = ok(client.get(f"/councils/{bakery['council']}", headers=bakery["members"][0]), 200)
    return next(o["holder"] for o in view["offices"] if o["id"] == bakery["seat"])


def test_one_member_cannot_recall_a_delegate_by_signing_voting_and_closing_alone(client, bakery):
    members, plotter = bakery["members"], bakery["members"][4]
    petition = ok(client.post(f"/offices/{bakery['seat']}/recall", headers=plotter))
    assert petition["state"] == "balloting"  # a fifth of five: one signature opens the ballot
    recall = petition["ballot"]
    vote(client, recall, [plotter], "remove")
    for closer in members:  # the signer, the opener of nothing, anyone: too early
        answer = client.post(f"/ballots/{recall}/close", headers=closer)
        assert (answer.status_code, answer.json()["error"]) == (409, "ballot_open")
    assert holder(client, bakery) == bakery["names"][1]
    later(client)  # at the closing time, one vote of five is below the quorum of three
    closed = ok(client.post(f"/ballots/{recall}/close", headers=plotter), 200)
    assert closed["result"]["carried"] is False and "quorum of 3" in closed["result"]["why"]
    assert holder(client, bakery) == bakery["names"][1]  # the delegate stays


def test_one_member_cannot_fill_a_seat_by_closing_a_by_election_nobody_voted_in(client, bakery):
    members = bakery["members"]
    recall = ok(client.post(f"/offices/{bakery['seat']}/recall", headers=members[4]))["ballot"]
    vote(client, recall, members, "remove")
    ok(client.post(f"/ballots/{recall}/close", headers=members[4]), 200)
    view = ok(client.get(f"/councils/{bakery['council']}", headers=members[0]), 200)
    by_election = next(b for b in view["ballots"] if b["kind"] == "election" and b["state"] == "open")
    answer = client.post(f"/ballots/{by_election['id']}/close", headers=members[4])
    assert (answer.status_code, answer.json()["error"]) == (409, "ballot_open")
    later(client)
    closed = ok(client.post(f"/ballots/{by_election['id']}/close", headers=members[4]), 200)
    assert closed["result"]["elected"] == [] and holder(client, bakery) is None  # no seat by lottery


def test_one_member_cannot_set_pay_alone(client, bakery):
    members, seat = bakery["members"], bakery["seat"]
    greedy = members[1]  # the delegate, who would like a raise
    proposal = ok(client.put(f"/offices/{seat}/pay", json={"rate": 30}, headers=greedy), 202)
    vote(client, proposal["id"], [greedy], "yes")
    answer = client.post(f"/ballots/{proposal['id']}/close", headers=greedy)
    assert (answer.status_code, answer.json()["error"]) == (409, "ballot_open")
    sneaked = client.post(f"/councils/{bakery['council']}/ballots", headers=greedy, json={
        "kind": "pay", "question": "A raise?", "options": {"office": seat, "rate": 30, "quorum": "1/1000"}})
    assert ok(sneaked)["options"]["quorum"] == "1/2"  # the council's quorum, not the opener's
    created = client.post(f"/councils/{bakery['council']}/offices", headers=greedy,
                          json={"title": "Sinecure", "kind": "post", "pay_rate": 30})
    assert (created.status_code, created.json()["error"]) == (403, "pay_by_ballot")
    paid = client.post(f"/offices/{seat}/payments", json={"hours": 1, "amount": 30}, headers=greedy)
    assert (paid.status_code, paid.json()["error"]) == (422, "pay_above_rule")  # the voted rate is 0
    later(client)  # at the closing time, one yes of five is below the quorum of three
    for ballot in (proposal["id"], ok(sneaked)["id"]):
        closed = ok(client.post(f"/ballots/{ballot}/close", headers=greedy), 200)
        assert closed["result"]["carried"] is False and "quorum of 3" in closed["result"]["why"]
    view = ok(client.get(f"/councils/{bakery['council']}", headers=members[0]), 200)
    assert {o["title"]: o["pay_rate"] for o in view["offices"]} == {"Delegate": 0}


def test_two_votes_at_the_same_instant_count_once(client, bakery):
    members = bakery["members"]
    shares = ok(client.post(f"/councils/{bakery['council']}/ballots", headers=members[0], json={
        "kind": "shares", "question": "Shares?"}))["id"]
    body = {"content": {"consumption": 0.5, "investment": 0.25, "public services": 0.25}}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post(f"/ballots/{shares}/votes", json=body,
                                                      headers=members[3]).status_code, range(8)))
    assert sorted(answers) == [201] + [409] * 7
    assert ok(client.get(f"/ballots/{shares}", headers=members[0]), 200)["voted"] == 1


def test_a_member_cannot_close_or_vote_in_another_councils_ballot(client, bakery):
    outsider = people(client, 1, "outsider")[0]
    mill = found(client, outsider, name="Mill")
    theirs = ok(client.post(f"/councils/{mill}/ballots", headers=outsider, json={
        "kind": "shares", "question": "Shares?"}))["id"]
    before = size(client)
    for path, body in ((f"/ballots/{theirs}/close", None),
                       (f"/ballots/{theirs}/votes", {"content": {"consumption": 1, "investment": 0,
                                                                 "public services": 0}})):
        answer = client.post(path, json=body, headers=bakery["members"][0])
        assert (answer.status_code, answer.json()["error"]) == (403, "not_a_member")
    assert size(client) == before
    assert ok(client.get(f"/ballots/{theirs}", headers=outsider), 200)["state"] == "open"


@pytest.mark.parametrize("field", ["question", "public_name"])
def test_a_large_text_never_reaches_the_open_books(client, bakery, field):
    before = size(client)
    large = "x" * 1_000_000
    if field == "question":
        answer = client.post(f"/councils/{bakery['council']}/ballots", headers=bakery["members"][0],
                             json={"kind": "shares", "question": large})
    else:
        answer = client.post("/councils", headers=bakery["members"][0],
                             json={"name": "Big", "level": "workplace", "reference_rate": 1,
                                   "public_name": large})
    assert answer.status_code == 422 and answer.json()["field"] == field
    assert size(client) == before


def test_an_outsider_cannot_put_names_to_a_councils_pseudonyms(client, bakery):
    outsider = people(client, 1, "outsider")[0]
    seen = ok(client.get(f"/councils/{bakery['council']}", headers=outsider), 200)["members"]
    assert [m["member"] for m in seen] == bakery["names"] and {m["public_name"] for m in seen} == {""}
    inside = ok(client.get(f"/councils/{bakery['council']}", headers=bakery["members"][2]), 200)["members"]
    assert [m["public_name"] for m in inside][1:] == ["M0", "M1", "M2", "M3"]  # what they chose to show

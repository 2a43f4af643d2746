"""The whole democratic cycle through the REST API, on SQLite: two workplace councils under a
district federation elect their delegates (one by approval, two by the single transferable
vote), the district votes the shares of work and the priorities of the bakery economy's needs,
a plan variant is computed for the voted priorities and adopted by a plan ballot, a delegate is
recalled and replaced by the runner-up, a pay above the rule is refused and recorded, a post is
filled by lot and the draw replayed; the open books then verify and hold every act."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonplan.democracy.rotation import PanelDistribution, draw_panel
from commonplan.server import create_app
from commonplan.store.accounts import set_role
from commonplan.store.books import OpenBooks
from commonplan.store.models import Job
from tests.rest import (
    ballot,
    close,
    found,
    join,
    office,
    ok,
    people,
    pseudonym,
    quick_passwords,
    upload,
    vote,
    wait_for,
)

SHARES = ({"consumption": 0.6, "investment": 0.2, "public services": 0.2},
          {"consumption": 0.5, "investment": 0.3, "public services": 0.2},
          {"consumption": 0.7, "investment": 0.1, "public services": 0.2})


@pytest.fixture
def client(tmp_path, monkeypatch):
    quick_passwords(monkeypatch)
    app = create_app(f"sqlite:///{tmp_path / 'commonplan.db'}", books=OpenBooks(os.urandom(32)))
    with TestClient(app) as client:
        yield client


def entries(client: TestClient) -> list[dict[str, Any]]:
    read: list[dict[str, Any]] = []
    while page := ok(client.get("/ledger/entries", params={"start": len(read)}), 200):
        read += page
    return read


def members_of(client: TestClient, headers: dict[str, str], council: int) -> set[str]:
    return {m["member"] for m in ok(client.get(f"/councils/{council}", headers=headers), 200)["members"]}


def plan(client: TestClient, headers: dict[str, str], economy: int, **options: Any) -> dict[str, Any]:
    started = ok(client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": "plan", **options}),
                 202)
    job = wait_for(client, headers, started["id"])
    assert job["state"] == "done", job
    return job


def test_the_democratic_cycle_from_councils_to_an_adopted_plan_recorded_in_the_open_books(client):
    bakers, farmers = people(client, 5, "baker"), people(client, 5, "farmer")
    economy = ok(upload(client, bakers[0]))
    district = found(client, bakers[0], name="District", level="district")
    bakery = found(client, bakers[0], name="Bakery", parent=district, recall_fill="runner-up",
                   recall_fraction="2/5")
    farm = found(client, farmers[0], name="Farm", parent=district)
    join(client, bakery, bakers[1:])
    join(client, farm, farmers[1:])
    baker = [pseudonym(client, headers, bakery) for headers in bakers]
    farmer = [pseudonym(client, headers, farm) for headers in farmers]

    # the bakery elects its delegate by approval: baker 1, with baker 2 the runner-up
    seat = office(client, bakers[0], bakery, "Bakery's delegate to the district")
    election = ballot(client, bakers[0], bakery, "election", {"candidates": baker[1:4]}, seat)
    for headers, approved in zip(bakers, ([1, 2], [1], [2], [1, 2], [1, 3]), strict=True):
        vote(client, election, [headers], [baker[number] for number in approved])
    assert close(client, bakers[0], election)["result"]["elected"] == [baker[1]]

    # the farm elects two delegates at once by the single transferable vote
    seats = [office(client, farmers[0], farm, f"Farm's delegate {number}") for number in (1, 2)]
    stv = ballot(client, farmers[0], farm, "election", {"candidates": farmer[1:4], "offices": seats},
                 seats[0])
    rankings = ([1, 2], [1, 3], [2, 1], [2, 3], [3, 2])
    for headers, ranking in zip(farmers, rankings, strict=True):
        vote(client, stv, [headers], [farmer[number] for number in ranking])
    counted = close(client, farmers[0], stv)
    assert counted["seats"] == 2 and counted["result"]["method"] == "stv"
    farm_delegates = counted["result"]["elected"]
    assert len(farm_delegates) == 2 and set(farm_delegates) <= set(farmer[1:4])
    view = ok(client.get(f"/councils/{farm}", headers=farmers[0]), 200)
    holders = {office["id"]: office["holder"] for office in view["offices"]}
    assert [holders[number] for number in seats] == farm_delegates

    # the delegates sit in the district
    delegates = [bakers[1]] + [farmers[farmer.index(name)] for name in farm_delegates]
    assert members_of(client, bakers[0], district) == {baker[1], *farm_delegates}

    # the district votes the shares of work, and the priorities of the bakery's needs
    shares = ballot(client, delegates[0], district, "shares", {})
    for headers, proposal in zip(delegates, SHARES, strict=True):
        vote(client, shares, [headers], proposal)
    voted_shares = close(client, delegates[1], shares)["result"]["shares"]  # all voted: anyone closes
    assert voted_shares == pytest.approx({"consumption": 0.6, "investment": 0.2, "public services": 0.2})
    priorities = ballot(client, delegates[0], district, "priorities",
                        {"products": ["bread", "park"], "economy": economy["id"]})
    for headers, tiers in zip(delegates, ({"bread": 2, "park": 1}, {"bread": 2, "park": 1}, {"bread": 1}),
                              strict=True):
        vote(client, priorities, [headers], tiers)
    assert close(client, delegates[0], priorities)["result"]["tiers"] == {"bread": 2, "park": 1}

    # a plan variant for the voted priorities, another for the needs table's; the first adopted
    # by the district: a delegate (given the delegate role) computes them, and its members read them
    with client.app.state.sessions() as db, db.begin():
        for email in ["baker1@example.org", *(f"farmer{farmer.index(name)}@example.org"
                                              for name in farm_delegates)]:
            set_role(db, email, "delegate")
    voted_plan = plan(client, delegates[0], economy["id"], priorities_ballot=priorities)
    table_plan = plan(client, delegates[0], economy["id"])
    # the voted shares reach a variant too; a result naming a product the economy does not make
    # is refused before any job starts
    shared = plan(client, delegates[0], economy["id"], priorities_ballot=priorities, shares_ballot=shares)
    parts = ok(client.get(f"/jobs/{shared['id']}/result", headers=delegates[0]), 200)["variant"]["parts"]
    assert {part: figures["share"] for part, figures in parts.items()} == pytest.approx(voted_shares)
    with client.app.state.sessions() as db:
        options = db.get(Job, shared["id"]).options
    assert (options["shares_ballot"], options["tiers"]) == (shares, {"bread": 2, "park": 1})
    cake = ballot(client, delegates[0], district, "priorities", {"products": ["cake"]})
    vote(client, cake, delegates, {"cake": 1})
    close(client, delegates[0], cake)
    jobs_before = len(ok(client.get("/jobs", headers=delegates[0]), 200))
    refused = client.post(f"/economies/{economy['id']}/jobs", headers=delegates[0],
                          json={"kind": "plan", "priorities_ballot": cake})
    assert refused.status_code == 422 and refused.json()["field"] == "priorities_ballot"
    assert "'cake'" in refused.json()["detail"]
    assert len(ok(client.get("/jobs", headers=delegates[0]), 200)) == jobs_before
    refused = client.post(f"/economies/{economy['id']}/jobs", headers=delegates[0],
                          json={"kind": "values", "shares_ballot": shares})
    assert refused.status_code == 422 and refused.json()["field"] == "shares_ballot"
    choice = ballot(client, delegates[0], district, "plan", {"plans": [voted_plan["id"], table_plan["id"]]})
    vote(client, choice, delegates[:2], [voted_plan["id"]])
    vote(client, choice, delegates[2:], [voted_plan["id"], table_plan["id"]])
    assert close(client, delegates[0], choice)["result"]["adopted"] == voted_plan["id"]
    adopted = entries(client)[-1]
    assert (adopted["kind"], adopted["actor"]) == ("plan adopted", f"council:{district}")
    assert (adopted["act"]["job"], adopted["act"]["bundle_sha256"]) == (
        voted_plan["id"], economy["bundle_sha256"])
    assert (adopted["act"]["options"]["priorities_ballot"], adopted["act"]["options"]["tiers"]) == (
        priorities, {"bread": 2, "park": 1})  # the variant computed for the voted priorities
    with client.app.state.sessions() as db:  # the content hash is the stored result's
        stored = db.get(Job, voted_plan["id"]).result
    assert adopted["act"]["plan_sha256"] == hashlib.sha256(
        json.dumps(stored, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    # the bakery recalls its delegate; the runner-up takes the seat, and the district seat
    petition = ok(client.post(f"/offices/{seat}/recall", headers=bakers[3]))
    assert (petition["signatures"], petition["threshold"], petition["state"]) == (1, 2, "open")
    petition = ok(client.post(f"/petitions/{petition['id']}/signatures", headers=bakers[4]))
    assert petition["state"] == "balloting"
    vote(client, petition["ballot"], [bakers[0], *bakers[2:]], "remove")
    vote(client, petition["ballot"], bakers[1:2], "keep")
    recall = close(client, bakers[3], petition["ballot"])  # all five voted: it may close now
    assert recall["opened_by"] == f"council:{bakery}"
    assert {k: recall["result"][k] for k in ("remove", "keep", "carried", "quorum")} == {
        "remove": 4, "keep": 1, "carried": True, "quorum": 3}
    seat_now = ok(client.get(f"/councils/{bakery}", headers=bakers[0]), 200)["offices"][0]
    assert seat_now["holder"] == baker[2]
    assert members_of(client, bakers[0], district) == {baker[2], *farm_delegates}
    refused = client.post(f"/ballots/{shares}/votes", json={"content": SHARES[0]}, headers=bakers[1])
    assert (refused.status_code, refused.json()["error"]) == (403, "not_a_member")  # no longer a delegate

    # a pay above the rule is refused, and the refusal recorded
    size = ok(client.get("/ledger/head"), 200)["size"]
    refused = client.put(f"/offices/{seat}/pay", json={"rate": 45}, headers=bakers[2])
    assert (refused.status_code, refused.json()["error"]) == (422, "pay_above_rule")
    assert [(e["kind"], e["act"]["code"], e["act"]["rate"]) for e in entries(client)[size:]] == [
        ("refusal", "pay_above_rule", 45)]
    proposal = ok(client.put(f"/offices/{seat}/pay", json={"rate": 25}, headers=bakers[2]), 202)
    vote(client, proposal["id"], bakers[:3], "yes")
    vote(client, proposal["id"], bakers[3:], "no")
    assert close(client, bakers[1], proposal["id"])["result"]["carried"]
    assert ok(client.get(f"/councils/{bakery}", headers=bakers[0]), 200)["offices"][0]["pay_rate"] == 25

    # a post filled by lot among its volunteers, and the draw replayed from what was published
    post = office(client, bakers[0], bakery, "Treasurer", kind="post")
    for headers, shift in zip(bakers[2:], ("early", "late", "early"), strict=True):
        ok(client.post(f"/offices/{post}/volunteers", json={"features": {"shift": shift}}, headers=headers))
    draw = ok(client.post(f"/councils/{bakery}/draws", headers=bakers[0], json={
        "offices": [post], "quotas": [{"feature": "shift", "value": "late", "min": 0, "max": 0}]}))
    assert draw["panel"] == list(draw_panel(PanelDistribution.from_json(draw["distribution"]), draw["seed"]))
    assert draw["panel"][0] in (baker[2], baker[4])
    view = ok(client.get(f"/councils/{bakery}", headers=bakers[0]), 200)
    assert view["offices"][-1]["holder"] == draw["panel"][0]

    # the open books: whole, and holding every act
    verdict = ok(client.get("/ledger/verify"), 200)
    books = entries(client)
    assert verdict["ok"] and verdict["first_bad"] is None and verdict["size"] == len(books), verdict
    assert [entry["index"] for entry in books] == list(range(len(books)))
    kinds = Counter(entry["kind"] for entry in books)
    assert kinds["council founded"] == 3 and kinds["joined council"] == 8
    assert kinds["office created"] == 4 and kinds["pay set"] == 1 and kinds["refusal"] == 1
    opened = [e["act"]["ballot"] for e in books if e["kind"] == "ballot opened"]
    closed = [e["act"]["ballot"] for e in books if e["kind"] == "ballot closed"]
    assert opened == closed == [election, stv, shares, priorities, cake, choice, petition["ballot"],
                                proposal["id"]]
    assert kinds["voted"] == 5 + 5 + 3 + 3 + 3 + 3 + 5 + 5
    assert kinds["election"] == 1 + 2 + 1 and kinds["recall"] == 1 and kinds["plan adopted"] == 1
    assert kinds["petition opened"] == 1 and kinds["petition signed"] == 2
    assert kinds["volunteered"] == 3 and kinds["lottery drawn"] == 1
    closes = {e["act"]["ballot"]: e["act"] for e in books if e["kind"] == "ballot closed"}
    assert sorted(map(json.dumps, closes[shares]["ballots"])) == sorted(map(json.dumps, SHARES))
    assert closes[stv]["seed"] == counted["seed"] and closes[stv]["result"] == counted["result"]

"""The democratic layer over REST on SQLite and PostgreSQL: councils, members, offices, pay,
ballots, recall petitions and draws by lot; each refusal with its status and code, and never
half-applied (a refused act leaves the open books as they were, but for the recorded refusal of
a pay above the rule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonplan.democracy.rotation import PanelDistribution, draw_panel
from tests.rest import (
    Headers,
    ballot,
    close,
    democracy_client,
    found,
    join,
    later,
    office,
    ok,
    people,
    pseudonym,
    sign_in,
    size,
    vote,
)


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


def kinds(client: TestClient) -> list[str]:
    """The kinds of every entry of the open books, in order."""
    found: list[str] = []
    while page := client.get("/ledger/entries", params={"start": len(found)}).json():
        found += [entry["kind"] for entry in page]
    return found


def refused(client: TestClient, answer: Any, status: int, code: str, before: int, recorded: int = 0) -> None:
    """``answer`` is the refusal ``code`` with ``status``, and the books grew by ``recorded``."""
    assert (answer.status_code, answer.json()["error"]) == (status, code), answer.text
    assert answer.json()["detail"]
    assert size(client) == before + recorded, answer.text


@pytest.fixture
def town(client) -> dict[str, Any]:
    """A district federation and a bakery under it (founded by the first of five members, whom
    the four others join), with a delegate's seat to the district and an administrative post."""
    members = people(client, 5)
    district = found(client, members[0], name="District", level="district")
    bakery = found(client, members[0], name="Bakery", parent=district, recall_fraction="1/2")
    join(client, bakery, members[1:])
    delegate = office(client, members[0], bakery, "Delegate to the district")
    post = office(client, members[0], bakery, "Treasurer", kind="post", term_limit=2)
    names = [pseudonym(client, headers, bakery) for headers in members]
    outsider = sign_in(client, "outsider@example.org")
    return {"members": members, "names": names, "district": district, "bakery": bakery,
            "delegate": delegate, "post": post, "outsider": outsider}


def elect(client: TestClient, town: dict[str, Any], winner: int = 1) -> int:
    """The bakery elects member ``winner`` its delegate by approval; the ballot's number."""
    members, names = town["members"], town["names"]
    number = ballot(client, members[0], town["bakery"], "election",
                    {"candidates": names[1:4]}, town["delegate"])
    vote(client, number, members, [names[winner]])
    close(client, members[2], number)  # everyone has voted: any member may close
    return number


def test_a_member_founds_a_council_others_join_and_anyone_signed_in_reads_it(client, town):
    members, bakery = town["members"], town["bakery"]
    listed = ok(client.get("/councils", headers=town["outsider"]), 200)
    assert [(c["name"], c["level"], c["parent"]) for c in listed] == [
        ("District", "district", None), ("Bakery", "workplace", town["district"])]
    view = ok(client.get(f"/councils/{bakery}", headers=members[3]), 200)
    assert [m["member"] for m in view["members"]] == town["names"]
    assert [m["public_name"] for m in view["members"]] == ["", "M0", "M1", "M2", "M3"]
    assert (view["you"], view["recall_fraction"], view["recall_fill"]) == (
        town["names"][3], "1/2", "by-election")
    assert [(o["title"], o["kind"], o["holder"]) for o in view["offices"]] == [
        ("Delegate to the district", "delegate", None), ("Treasurer", "post", None)]
    district = ok(client.get(f"/councils/{town['district']}", headers=members[0]), 200)
    assert district["members"] == [] and [c["id"] for c in district["councils_below"]] == [bakery]
    assert kinds(client).count("joined council") == 4


def test_joining_twice_joining_a_federation_and_unknown_councils_are_refused(client, town):
    members, before = town["members"], size(client)
    refused(client, client.post(f"/councils/{town['bakery']}/members", json={}, headers=members[1]),
            409, "already_member", before)
    refused(client, client.post(f"/councils/{town['district']}/members", json={}, headers=members[1]),
            403, "not_eligible", before)
    refused(client, client.post("/councils/999/members", json={}, headers=members[1]),
            404, "not_found", before)
    refused(client, client.get("/councils/999", headers=members[1]), 404, "not_found", before)
    refused(client, client.post("/councils", json={"name": "X", "level": "galaxy", "reference_rate": 1},
                                headers=members[1]), 422, "invalid_council", before)
    refused(client, client.post("/councils", json={"name": "X", "level": "workplace", "reference_rate": 1,
                                                   "parent": 999}, headers=members[1]),
            404, "not_found", before)
    refused(client, client.post("/councils", json={"name": "X", "level": "district", "reference_rate": 1,
                                                   "parent": town["bakery"]}, headers=members[1]),
            422, "invalid_council", before)
    refused(client, client.post("/councils", json={"name": "X", "level": "workplace", "reference_rate": 1,
                                                   "recall_fraction": "2/1"}, headers=members[1]),
            422, "invalid_council", before)
    refused(client, client.post("/councils", json={"name": "X", "level": "workplace", "reference_rate": 0},
                                headers=members[1]), 422, "invalid_pay", before)
    refused(client, client.post("/councils", json={"name": "", "level": "workplace", "reference_rate": 1},
                                headers=members[1]), 422, "invalid_request", before)


def test_offices_are_created_unpaid_by_members(client, town):
    members, bakery, before = town["members"], town["bakery"], size(client)
    created = ok(client.post(f"/councils/{bakery}/offices", headers=members[2],
                             json={"title": "Secretary", "kind": "post"}))
    assert created == {"id": created["id"], "council": bakery, "title": "Secretary", "kind": "post",
                       "holder": None, "pay_rate": 0, "term_limit": None}
    before = size(client)
    refused(client, client.post(f"/councils/{bakery}/offices", headers=members[2],
                                json={"title": "Director", "kind": "post", "pay_rate": 20}),
            403, "pay_by_ballot", before)
    refused(client, client.post(f"/councils/{bakery}/offices", headers=town["outsider"],
                                json={"title": "Mine", "kind": "post"}), 403, "not_a_member", before)
    refused(client, client.post(f"/councils/{town['district']}/offices", headers=members[0],
                                json={"title": "Mine", "kind": "post"}), 403, "not_a_member", before)
    other = found(client, members[3], name="Mill")
    before = size(client)
    refused(client, client.post(f"/councils/{other}/offices", headers=members[3],
                                json={"title": "Delegate", "kind": "delegate"}),
            422, "invalid_council", before)
    refused(client, client.post(f"/councils/{bakery}/offices", headers=members[2],
                                json={"title": "Chief", "kind": "boss"}), 422, "invalid_request", before)
    refused(client, client.post("/councils/999/offices", headers=members[2],
                                json={"title": "Chief", "kind": "post"}), 404, "not_found", before)


def voted_pay(client: TestClient, town: dict[str, Any], office_id: int, rate: float) -> dict[str, Any]:
    """Member 1 proposes ``rate`` for the office; all vote yes; the ballot closes."""
    proposal = ok(client.put(f"/offices/{office_id}/pay", json={"rate": rate}, headers=town["members"][1]),
                  202)
    vote(client, proposal["id"], town["members"], "yes")
    return close(client, town["members"][0], proposal["id"])


def test_pay_is_set_by_a_pay_ballot_of_the_council_not_by_one_member(client, town):
    members, post, bakery = town["members"], town["post"], town["bakery"]
    proposal = ok(client.put(f"/offices/{post}/pay", json={"rate": 25}, headers=members[1]), 202)
    assert (proposal["kind"], proposal["options"], proposal["opened_by"]) == (
        "pay", {"office": post, "rate": 25, "quorum": "1/2"}, town["names"][1])
    vote(client, proposal["id"], members[1:2], "yes")
    assert ok(client.get(f"/councils/{bakery}", headers=members[1]), 200)["offices"][1]["pay_rate"] == 0
    before = size(client)
    refused(client, client.post(f"/ballots/{proposal['id']}/close", headers=members[1]),
            409, "ballot_open", before)  # one member proposed, voted and asks to close: refused
    vote(client, proposal["id"], [members[0], members[2]], "yes")
    vote(client, proposal["id"], [members[3]], "no")
    closed = close(client, members[3], proposal["id"], on_time=True)
    assert closed["result"] == {"yes": 3, "no": 1, "carried": True, "quorum": 3, "electorate": 5,
                                "why": "the pay is set: 3 voted for, 1 against", "office": post, "rate": 25}
    assert ok(client.get(f"/councils/{bakery}", headers=members[1]), 200)["offices"][1]["pay_rate"] == 25
    pay_set = client.get("/ledger/entries", params={"start": size(client) - 1}).json()[0]
    assert (pay_set["kind"], pay_set["actor"], pay_set["act"]["rate"]) == ("pay set", f"council:{bakery}", 25)


def test_a_pay_above_the_rule_is_refused_and_the_refusal_itself_is_recorded(client, town):
    members, post = town["members"], town["post"]
    before = size(client)
    refused(client, client.put(f"/offices/{post}/pay", json={"rate": 31}, headers=members[1]),
            422, "pay_above_rule", before, recorded=1)
    refusal = client.get("/ledger/entries", params={"start": before}).json()
    assert [(e["kind"], e["actor"], e["act"]["code"], e["act"]["rate"]) for e in refusal] == [
        ("refusal", town["names"][1], "pay_above_rule", 31)]
    before = size(client)
    refused(client, client.post(f"/councils/{town['bakery']}/ballots", headers=members[1], json={
        "kind": "pay", "question": "Pay?", "options": {"office": post, "rate": 90}}),
            422, "pay_above_rule", before, recorded=1)
    assert kinds(client)[-1] == "refusal"
    before = size(client)
    refused(client, client.put(f"/offices/{post}/pay", json={"rate": 1}, headers=town["outsider"]),
            403, "not_a_member", before)
    refused(client, client.put("/offices/999/pay", json={"rate": 1}, headers=members[1]),
            404, "not_found", before)
    refused(client, client.put(f"/offices/{post}/pay", json={"rate": -1}, headers=members[1]),
            422, "invalid_request", before)


def test_an_election_fills_the_delegates_seat_who_then_sits_in_the_federation(client, town):
    members, names, bakery = town["members"], town["names"], town["bakery"]
    number = ballot(client, members[0], bakery, "election", {"candidates": names[1:4]}, town["delegate"])
    opened = ok(client.get(f"/ballots/{number}", headers=members[1]), 200)
    assert (opened["state"], opened["options"]["candidates"], opened["seats"], opened["voted"]) == (
        "open", names[1:4], 1, 0)
    assert "result" not in opened and "seed" not in opened
    vote(client, number, members[:3], [names[1], names[2]])
    before = size(client)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": [names[3]]}, headers=members[1]),
            409, "already_voted", before)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": [names[1]]},
                                headers=town["outsider"]), 403, "not_a_member", before)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": [names[0]]}, headers=members[3]),
            422, "invalid_ballot", before)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": names[1]}, headers=members[3]),
            422, "invalid_ballot", before)
    refused(client, client.post(f"/ballots/{number}/close", headers=members[3]), 409, "ballot_open", before)
    refused(client, client.post(f"/ballots/{number}/close", headers=town["outsider"]),
            403, "not_a_member", before)
    vote(client, number, members[3:], [names[1]])
    seen = ok(client.get(f"/ballots/{number}", headers=members[3]), 200)
    assert (seen["voted"], seen["you_voted"]) == (5, True)
    closed = close(client, members[0], number)  # everyone has voted: any member may close
    assert closed["result"]["elected"] == [names[1]] and closed["seed"]
    assert closed["result"]["counts"] == {names[1]: 5, names[2]: 3, names[3]: 0}
    before = size(client)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": []}, headers=members[4]),
            409, "ballot_closed", before)
    refused(client, client.post(f"/ballots/{number}/close", headers=members[0]), 409, "ballot_closed", before)
    bakery_view = ok(client.get(f"/councils/{bakery}", headers=members[0]), 200)
    assert bakery_view["offices"][0]["holder"] == names[1]
    district = ok(client.get(f"/councils/{town['district']}", headers=members[0]), 200)
    assert [m["member"] for m in district["members"]] == [names[1]]
    assert kinds(client)[-2:] == ["ballot closed", "election"]


def test_a_vote_after_the_close_is_refused_as_the_ballot_is_closed(client, town):
    members = town["members"]
    number = ballot(client, members[0], town["bakery"], "election", {"candidates": town["names"][1:3]},
                    town["delegate"])
    close(client, members[0], number, on_time=True)
    before = size(client)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": []}, headers=members[1]),
            409, "ballot_closed", before)


def test_a_ballot_with_bad_options_or_in_the_wrong_place_is_refused(client, town):
    members, names, bakery, before = town["members"], town["names"], town["bakery"], size(client)

    def opening(council: int, headers: Headers = members[0], **body: Any) -> Any:
        return client.post(f"/councils/{council}/ballots", headers=headers,
                           json={"question": "Who?", **body})

    refused(client, opening(bakery, kind="election", options={"candidates": names[1:]}),
            422, "invalid_ballot", before)
    refused(client, opening(bakery, kind="election", options={"candidates": ["member:nobody"]},
                            office=town["delegate"]), 403, "not_a_member", before)
    refused(client, opening(bakery, kind="election", options={"candidates": []}, office=town["delegate"]),
            422, "invalid_ballot", before)
    refused(client, opening(bakery, kind="election", options={"candidates": names[1:]}, office=999),
            404, "not_found", before)
    refused(client, opening(bakery, town["outsider"], kind="shares"), 403, "not_a_member", before)
    refused(client, opening(999, kind="shares"), 404, "not_found", before)
    refused(client, opening(bakery, kind="recall", options={}), 422, "invalid_request", before)
    refused(client, opening(bakery, kind="plan", options={"plans": [1]}), 422, "invalid_ballot", before)
    refused(client, opening(bakery, kind="plan", options={"plans": "all"}), 422, "invalid_ballot", before)
    refused(client, opening(bakery, kind="budget", options={"projects": {"oven": -3}, "budget": 5}),
            422, "invalid_ballot", before)
    refused(client, opening(bakery, kind="shares", question=""), 422, "invalid_request", before)
    mill = found(client, members[1], name="Mill", parent=town["district"])
    seat = office(client, members[1], mill, "Delegate")
    before = size(client)
    refused(client, opening(bakery, kind="election", options={"candidates": names[1:]}, office=seat),
            404, "not_found_in_council", before)
    for missing in ("/ballots/999", "/ballots/999/close"):
        call = client.get if missing == "/ballots/999" else client.post
        refused(client, call(missing, headers=members[0]), 404, "not_found", before)
    refused(client, client.post("/ballots/999/votes", json={"content": []}, headers=members[0]),
            404, "not_found", before)


@pytest.mark.parametrize(("kind", "options", "good", "bad", "result"), [
    ("shares", {}, {"consumption": 0.6, "investment": 0.2, "public services": 0.2},
     {"consumption": 0.6, "investment": 0.6, "public services": 0.2},
     {"shares": {"consumption": 0.6, "investment": 0.2, "public services": 0.2}, "method": "median",
      "ballots": 2}),
    ("priorities", {"products": ["bread", "park"]}, {"bread": 1, "park": 2}, {"bread": 0},
     {"tiers": {"bread": 1, "park": 2}, "ballots": 2}),
    ("budget", {"projects": {"oven": 3, "bench": 2}, "budget": 4}, ["oven"], ["kiln"], None),
])
def test_each_kind_of_ballot_takes_its_own_content_and_refuses_any_other(client, town, kind, options, good,
                                                                        bad, result):
    members = town["members"]
    number = ballot(client, members[0], town["bakery"], kind, options)
    before = size(client)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": bad}, headers=members[1]),
            422, "invalid_ballot", before)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": None}, headers=members[1]),
            422, "invalid_ballot", before)
    vote(client, number, members[1:3], good)
    closed = close(client, members[0], number, on_time=True)
    if result is not None:
        assert closed["result"] == result
    else:
        assert "oven" in str(closed["result"])
    entry = client.get("/ledger/entries", params={"start": size(client) - 1}).json()[0]
    assert (entry["kind"], entry["act"]["ballots"], entry["act"]["voted"]) == (
        "ballot closed", [good, good], 2)


def test_a_recall_petition_gathers_signatures_opens_a_recall_ballot_and_removes_the_delegate(client, town):
    members, names, seat = town["members"], town["names"], town["delegate"]
    before = size(client)
    refused(client, client.post(f"/offices/{seat}/recall", headers=members[2]), 409, "not_a_delegate", before)
    elect(client, town)
    petition = ok(client.post(f"/offices/{seat}/recall", headers=members[2]))
    assert (petition["holder"], petition["state"], petition["signatures"], petition["threshold"]) == (
        names[1], "open", 1, 3)
    before = size(client)
    refused(client, client.post(f"/petitions/{petition['id']}/signatures", headers=members[2]),
            409, "already_signed", before)
    refused(client, client.post(f"/offices/{seat}/recall", headers=members[2]), 409, "already_signed", before)
    refused(client, client.post(f"/petitions/{petition['id']}/signatures", headers=town["outsider"]),
            403, "not_a_member", before)
    refused(client, client.post(f"/offices/{seat}/recall", headers=town["outsider"]), 403, "not_a_member",
            before)
    refused(client, client.post("/petitions/999/signatures", headers=members[2]), 404, "not_found", before)
    refused(client, client.get("/petitions/999", headers=members[2]), 404, "not_found", before)
    refused(client, client.post("/offices/999/recall", headers=members[2]), 404, "not_found", before)
    assert ok(client.post(f"/offices/{seat}/recall", headers=members[3]))["signatures"] == 2  # signs that one
    balloting = ok(client.post(f"/petitions/{petition['id']}/signatures", headers=members[4]))
    assert (balloting["state"], balloting["signatures"]) == ("balloting", 3)
    assert ok(client.get(f"/petitions/{petition['id']}", headers=members[0]), 200) == balloting
    before = size(client)
    refused(client, client.post(f"/petitions/{petition['id']}/signatures", headers=members[0]),
            409, "ballot_closed", before)
    recall = ok(client.get(f"/ballots/{balloting['ballot']}", headers=members[0]), 200)
    assert (recall["kind"], recall["options"], recall["office"], recall["opened_by"]) == (
        "recall", {"holder": names[1], "office": seat, "quorum": "1/2"}, seat, f"council:{town['bakery']}")
    opened_entry = next(e for e in client.get("/ledger/entries", params={"start": before - 2}).json()
                        if e["kind"] == "ballot opened")
    assert opened_entry["actor"] == recall["opened_by"] == opened_entry["act"]["opened_by"]
    refused(client, client.post(f"/ballots/{recall['id']}/votes", json={"content": "maybe"},
                                headers=members[0]), 422, "invalid_ballot", before)
    vote(client, recall["id"], members[:3], "remove")
    vote(client, recall["id"], members[3:4], "keep")
    closed = close(client, members[2], recall["id"], on_time=True)
    assert closed["result"] == {"remove": 3, "keep": 1, "carried": True, "voted": 4, "quorum": 3,
                                "electorate": 5, "why": "recalled: 3 voted to remove, 1 to keep, "
                                                        "4 of 5 members took part"}
    view = ok(client.get(f"/councils/{town['bakery']}", headers=members[0]), 200)
    assert view["offices"][0]["holder"] is None and view["petitions"] == []
    by_election = view["ballots"][0]
    assert (by_election["kind"], by_election["state"], by_election["office"]) == ("election", "open", seat)
    opened = ok(client.get(f"/ballots/{by_election['id']}", headers=members[0]), 200)
    assert opened["options"]["candidates"] == [names[2], names[3]]
    assert opened["opened_by"] == f"council:{town['bakery']}"  # the rule opened it, not a member
    assert ok(client.get(f"/councils/{town['district']}", headers=members[0]), 200)["members"] == []
    assert kinds(client)[-3:] == ["ballot closed", "recall", "ballot opened"]


def test_a_post_is_filled_by_lot_among_its_volunteers_and_the_draw_replays(client, town):
    members, post, before = town["members"], town["post"], size(client)
    for number, headers in enumerate(members[1:], 1):
        answer = client.post(f"/offices/{post}/volunteers", headers=headers,
                             json={"features": {"shift": "early" if number % 2 else "late"}})
        body = ok(answer)  # with the salt that opens the commitment to the features (test_privacy.py)
        assert body == {"office": post, "volunteer": town["names"][number],
                        "features_nonce": body["features_nonce"], "features_salt": body["features_salt"]}
    before = size(client)
    refused(client, client.post(f"/offices/{post}/volunteers", json={}, headers=members[1]),
            409, "already_signed", before)
    refused(client, client.post(f"/offices/{town['delegate']}/volunteers", json={}, headers=members[1]),
            403, "not_eligible", before)
    refused(client, client.post(f"/offices/{post}/volunteers", json={}, headers=town["outsider"]),
            403, "not_a_member", before)
    refused(client, client.post("/offices/999/volunteers", json={}, headers=members[1]),
            404, "not_found", before)
    body = {"offices": [post], "quotas": [{"feature": "shift", "value": "early", "min": 1, "max": 1}]}
    refused(client, client.post(f"/councils/{town['bakery']}/draws", json=body, headers=town["outsider"]),
            403, "not_a_member", before)
    refused(client, client.post("/councils/999/draws", json=body, headers=members[1]),
            404, "not_found", before)
    refused(client, client.post(f"/councils/{town['bakery']}/draws", headers=members[1],
                                json={"offices": [post], "quotas": [{"feature": "shift"}]}),
            422, "invalid_ballot", before)
    refused(client, client.post(f"/councils/{town['bakery']}/draws", json={"offices": [999]},
                                headers=members[1]), 404, "not_found", before)
    draw = ok(client.post(f"/councils/{town['bakery']}/draws", json=body, headers=members[1]))
    assert draw["panel"] == list(draw_panel(PanelDistribution.from_json(draw["distribution"]), draw["seed"]))
    assert draw["panel"][0] in (town["names"][1], town["names"][3])  # the quota: an early shift
    view = ok(client.get(f"/councils/{town['bakery']}", headers=members[0]), 200)
    assert view["offices"][1]["holder"] == draw["panel"][0]
    entry = client.get("/ledger/entries", params={"start": size(client) - 1}).json()[0]
    assert (entry["kind"], entry["act"]["seed"], entry["act"]["distribution"]) == (
        "lottery drawn", draw["seed"], draw["distribution"])


def test_the_holder_of_an_office_is_paid_for_hours_within_the_rule(client, town):
    members, seat = town["members"], town["delegate"]
    before = size(client)
    refused(client, client.post(f"/offices/{seat}/payments", json={"hours": 2, "amount": 40},
                                headers=members[0]), 409, "not_a_delegate", before)
    elect(client, town)
    before = size(client)
    refused(client, client.post(f"/offices/{seat}/payments", json={"hours": 2, "amount": 60},
                                headers=members[0]), 422, "pay_above_rule", before, recorded=1)  # unpaid yet
    voted_pay(client, town, seat, 30)
    paid = ok(client.post(f"/offices/{seat}/payments", json={"hours": 2, "amount": 60}, headers=members[0]))
    assert (paid["holder"], paid["hours"], paid["amount"], paid["reference_rate"]) == (
        town["names"][1], 2, 60, 30)
    assert kinds(client)[-1] == "paid"
    before = size(client)
    refused(client, client.post(f"/offices/{seat}/payments", json={"hours": 2, "amount": 60.5},
                                headers=members[0]), 422, "pay_above_rule", before, recorded=1)
    refused(client, client.post(f"/offices/{seat}/payments", json={"hours": 1e-300, "amount": 1e9},
                                headers=members[0]), 422, "pay_above_rule", before + 1, recorded=1)
    before = size(client)
    refused(client, client.post(f"/offices/{seat}/payments", json={"hours": 1, "amount": 1},
                                headers=town["outsider"]), 403, "not_a_member", before)
    refused(client, client.post("/offices/999/payments", json={"hours": 1, "amount": 1}, headers=members[0]),
            404, "not_found", before)
    refused(client, client.post(f"/offices/{seat}/payments", json={"hours": 0, "amount": 1},
                                headers=members[0]), 422, "invalid_request", before)


def test_an_election_for_several_seats_fills_each_by_the_single_transferable_vote(client, town):
    members, names, bakery = town["members"], town["names"], town["bakery"]
    second = office(client, members[0], bakery, "Second delegate")
    seats = [town["delegate"], second]
    before = size(client)
    for offices in ([second], [town["delegate"], town["delegate"]], [town["delegate"], 999]):
        answer = client.post(f"/councils/{bakery}/ballots", headers=members[0], json={
            "kind": "election", "question": "Who?", "options": {"candidates": names, "offices": offices},
            "office": town["delegate"]})
        expected = (404, "not_found") if 999 in offices else (422, "invalid_ballot")
        refused(client, answer, *expected, before)
    number = ballot(client, members[0], bakery, "election", {"candidates": names[1:4], "offices": seats},
                    town["delegate"])
    before = size(client)
    refused(client, client.post(f"/ballots/{number}/votes", json={"content": []}, headers=members[0]),
            422, "invalid_ballot", before)
    for headers, ranking in zip(members, ([1, 2], [1, 3], [2, 1], [2, 3], [1, 2]), strict=True):
        vote(client, number, [headers], [names[n] for n in ranking])
    closed = close(client, members[0], number)
    assert (closed["seats"], closed["result"]["method"], closed["result"]["elected"]) == (
        2, "stv", [names[1], names[2]])
    view = ok(client.get(f"/councils/{bakery}", headers=members[0]), 200)
    assert [o["holder"] for o in view["offices"] if o["id"] in seats] == [names[1], names[2]]
    district = ok(client.get(f"/councils/{town['district']}", headers=members[0]), 200)
    assert {m["member"] for m in district["members"]} == {names[1], names[2]}


def test_a_ballot_closes_at_its_closing_time_and_never_earlier_unless_all_have_voted(client, town):
    members, bakery = town["members"], town["bakery"]
    default = ok(client.post(f"/councils/{bakery}/ballots", headers=members[0], json={
        "kind": "shares", "question": "Shares?"}))
    opened_at, closes_at = (datetime.fromisoformat(default[key]) for key in ("opened_at", "closes_at"))
    assert closes_at - opened_at == timedelta(days=7)
    week = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    opened = ok(client.post(f"/councils/{bakery}/ballots", headers=members[0], json={
        "kind": "shares", "question": "Shares?", "closes_at": week}))
    early = client.post(f"/ballots/{opened['id']}/close", headers=members[0])  # not even its opener
    assert (early.status_code, early.json()["error"]) == (409, "ballot_open")
    assert "closing time" in early.json()["detail"]
    later(client, days=8)
    assert client.post(f"/ballots/{opened['id']}/close", headers=members[1]).status_code == 409
    later(client, days=1.01)
    assert ok(client.post(f"/ballots/{opened['id']}/close", headers=members[1]), 200)["state"] == "closed"
    for closes_at, error in (((datetime.now(UTC) + timedelta(days=3)).isoformat(), "invalid_ballot"),
                             ("2030-01-01T12:00:00", "invalid_request")):  # too soon; no time zone
        late = client.post(f"/councils/{bakery}/ballots", headers=members[0], json={
            "kind": "shares", "question": "Shares?", "closes_at": closes_at})
        assert (late.status_code, late.json()["error"]) == (422, error)


def test_a_draw_names_posts_of_the_council_it_is_made_for(client, town):
    answer = client.post(f"/councils/{town['district']}/draws", headers=town["members"][0],
                         json={"offices": [town["post"]]})
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found_in_council")

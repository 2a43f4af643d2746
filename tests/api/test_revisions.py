"""Revisions of the rest of a round's execution by the API (docs/execution.md, Revision): who may
ask, one at a time, a revision that lowers a voted tier goes to the federation's vote and is
applied only if adopted, one that does not is applied at once, and a revision whose reports
changed since it was computed is never applied."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.rest import (
    Headers,
    close,
    decided,
    democracy_client,
    ok,
    periods,
    report_weeks,
    round_in_execution,
    sign_in,
    targets,
    vote,
    wait_for,
    week,
)


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


def entries(client: TestClient, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while page := client.get("/ledger/entries", params={"start": len(found)}).json():
        found += page
    return [entry for entry in found if entry["kind"] == kind]


def ask(client: TestClient, world: dict[str, Any], headers: Headers | None = None, status: int = 202) -> Any:
    return ok(client.post(f"/rounds/{world['round']}/revisions", headers=headers or world["delegates"][0]),
              status)


# -- what a determined member must not do -------------------------------------------------------


def test_a_member_outside_the_federation_cannot_ask_for_a_revision(client):
    world = round_in_execution(client)
    report_weeks(client, world, 1)
    stranger = sign_in(client, "stranger@example.org")
    assert ask(client, world, stranger, 403)["error"] == "not_a_member"
    assert ok(client.get(f"/rounds/{world['round']}/revisions", headers=stranger), 200) == []


def test_two_asking_at_once_start_one_revision(client):
    world = round_in_execution(client)
    report_weeks(client, world, 1, bread=0.5)
    answers: list[Any] = []

    def send(headers: Headers) -> None:
        answers.append(client.post(f"/rounds/{world['round']}/revisions", headers=headers))

    threads = [threading.Thread(target=send, args=(headers,)) for headers in (*world["delegates"],) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [202, 403, 403, 403]
    decided(client, world["delegates"][0], world, 1)
    listed = ok(client.get(f"/rounds/{world['round']}/revisions", headers=world["delegates"][0]), 200)
    assert [revision["number"] for revision in listed] == [1]


def test_nothing_is_revised_before_a_period_has_ended(client):
    world = round_in_execution(client)
    assert ask(client, world, status=409)["error"] == "not_ready"


def test_one_revision_at_a_time_and_a_shortfall_goes_to_the_vote_before_it_is_applied(client):
    world = round_in_execution(client)
    baker, farmer = world["delegates"]
    before = targets(client, world, "Bakery")
    report_weeks(client, world, 2, bread=0.5)  # the Bakery makes half its bread
    first = ask(client, world)
    assert first["state"] == "computing" and first["number"] == 1
    again = ask(client, world, farmer, 403)  # asking twice at once
    assert again["error"] == "not_eligible"
    voting = decided(client, baker, world, 1)
    assert voting["state"] == "voting" and voting["ballot"]
    comparison = voting["comparison"]
    assert comparison["lowers"] and "1" in comparison["lowered"]
    assert comparison["fulfilment_after"]["1"] < comparison["fulfilment_before"]["1"]
    assert comparison["fulfilment_after"]["1"] < comparison["fulfilment_promised"]["1"]
    bread = next(change for change in comparison["changes"] if change["product"] == "bread")
    assert bread["name"] == "Bread"
    assert any("capacity of bake at Bakery lowered" in why for why in bread["why"])
    assert targets(client, world, "Bakery")["outputs"] == before["outputs"]  # not applied without a vote
    assert ask(client, world, farmer, 403)["error"] == "not_eligible"  # still one open: the vote
    vote(client, voting["ballot"], [baker, farmer], [voting["job"]])
    close(client, baker, voting["ballot"])
    applied = ok(client.get(f"/rounds/{world['round']}/revisions/1", headers=baker), 200)
    assert applied["state"] == "applied"
    after = targets(client, world, "Bakery")
    assert after["outputs"][0]["quantity"] < before["outputs"][0]["quantity"]
    [entry] = entries(client, "revision applied")
    assert entry["act"]["ballot"] == voting["ballot"]
    assert entry["act"]["old_targets_sha256"] == applied["old_targets_sha256"]
    assert applied["old_targets_sha256"] != applied["new_targets_sha256"]
    assert [e["kind"] for e in entries(client, "revision put to the vote")] == ["revision put to the vote"]
    assert entries(client, "revision requested")[0]["act"]["revision"] == 1


def put_to_the_vote(client: TestClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A round in execution whose Bakery made half its bread two weeks running, and the revision
    then asked for, put to the vote: the world, the Bakery's targets before, the revision."""
    world = round_in_execution(client)
    before = targets(client, world, "Bakery")
    report_weeks(client, world, 2, bread=0.5)
    ask(client, world)
    return world, before, decided(client, world["delegates"][0], world, 1)


def test_a_revision_rejected_by_the_vote_leaves_the_targets_standing(client):
    world, before, voting = put_to_the_vote(client)
    baker, farmer = world["delegates"]
    vote(client, voting["ballot"], [baker, farmer], [voting["plan_job"]])
    close(client, baker, voting["ballot"])
    assert ok(client.get(f"/rounds/{world['round']}/revisions/1", headers=baker), 200)["state"] == "rejected"
    assert targets(client, world, "Bakery") == before
    assert entries(client, "revision rejected")


def test_a_revision_whose_reports_changed_since_it_was_computed_is_never_applied(client):
    world, before, voting = put_to_the_vote(client)
    baker, farmer = world["delegates"]
    n = periods(client, world)
    corrected = {"council": world["bakery"], "period": week(world, 0),
                 "outputs": [{"product": "bread", "quantity": before["outputs"][0]["quantity"] / n}],
                 "labour": [{"product": "labour", "quantity": 1.0}]}
    ok(client.post(f"/rounds/{world['round']}/reports", headers=baker, json=corrected), 201)  # a correction
    vote(client, voting["ballot"], [baker, farmer], [voting["job"]])
    close(client, baker, voting["ballot"])
    stale = ok(client.get(f"/rounds/{world['round']}/revisions/1", headers=baker), 200)
    assert stale["state"] == "stale"
    assert targets(client, world, "Bakery")["outputs"] == before["outputs"]
    assert "corrected" in entries(client, "revision stale")[0]["act"]["why"]


def test_reports_on_plan_give_a_revision_applied_at_once_that_changes_nothing(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    before = targets(client, world, "Bakery")
    report_weeks(client, world, 2)
    ask(client, world)
    applied = decided(client, baker, world, 1)
    assert applied["state"] == "applied" and applied["ballot"] is None
    assert not applied["comparison"]["lowers"]
    for tier, value in applied["comparison"]["fulfilment_before"].items():
        assert applied["comparison"]["fulfilment_after"][tier] == pytest.approx(value, abs=1e-5)
    after = targets(client, world, "Bakery")
    assert after["outputs"][0]["quantity"] == pytest.approx(before["outputs"][0]["quantity"], rel=1e-6)
    [entry] = entries(client, "revision applied")
    assert entry["act"]["vote"].startswith("none")
    assert [e["act"]["revision"] for e in entries(client, "revision computed")] == [1]
    download = client.get(f"/jobs/{applied['job']}/result.csv", headers=baker)
    assert download.status_code == 200 and "activity,bake," in download.text
    second = ask(client, world)  # the next asks of the revision applied
    assert second["number"] == 2 and second["plan_job"] == applied["job"]


def test_the_economy_learned_from_the_reports_says_what_changed_and_starts_the_next_round(client):
    world = round_in_execution(client)
    baker, farmer = world["delegates"]
    report_weeks(client, world, 2, bread=0.5)
    stranger = sign_in(client, "stranger@example.org")
    path = f"/rounds/{world['round']}/learned-economy"
    assert ok(client.post(path, headers=stranger), 403)["error"] == "not_a_member"
    assert ok(client.get(path, headers=baker), 404)["error"] == "not_found"
    asked = ok(client.post(path, headers=farmer), 202)
    assert wait_for(client, farmer, asked["job"])["state"] == "done"
    learned = ok(client.get(path, headers=baker), 200)
    assert learned["economy"] and f"round {world['round']}" in learned["source"]
    named = {(change["technique"], change["name"]) for change in learned["changes"]}
    assert ("bake", "capacity") in named and ("bake", "Wheat") in named
    assert learned["changed"] == len(learned["changes"])
    assert entries(client, "economy learning requested")[0]["act"]["job"] == asked["job"]
    following = ok(client.post(f"/councils/{world['district']}/rounds", headers=baker, json={
        "economy": learned["economy"], "period": "2027"}))
    assert following["economy"] == learned["economy"]


def test_a_members_own_plan_ballot_adopting_a_revision_does_not_apply_it(client):
    world, before, voting = put_to_the_vote(client)
    baker, farmer = world["delegates"]
    body = {"kind": "plan", "question": "Apply it?", "options": {"plans": [voting["job"]]}, "office": None}
    own = ok(client.post(f"/councils/{world['district']}/ballots", headers=baker, json=body))["id"]
    vote(client, own, [baker, farmer], [voting["job"]])
    close(client, baker, own)
    assert ok(client.get(f"/rounds/{world['round']}/revisions/1", headers=baker), 200)["state"] == "voting"
    assert targets(client, world, "Bakery")["outputs"] == before["outputs"]
    assert not entries(client, "revision applied")


def test_after_a_revision_the_watch_measures_the_rest_against_the_revised_rate(client):
    """The weeks before the revision count with what was reported; the watch starts afresh on the
    rest: the Bakery, on plan until the Farm's harvest failed and now cut to what the grain
    allows, is on its revised rate, its forecast exactly its target, and raises nothing."""
    world = round_in_execution(client)
    baker, farmer = world["delegates"]
    planned = targets(client, world, "Bakery")
    report_weeks(client, world, 2, grain=0.5)  # the Farm makes half its grain; the Bakery bakes on
    ask(client, world)
    voting = decided(client, baker, world, 1)
    vote(client, voting["ballot"], [baker, farmer], [voting["job"]])
    close(client, baker, voting["ballot"])
    raised = ok(client.get(f"/rounds/{world['round']}/alerts", headers=baker), 200)
    revised, n = targets(client, world, "Bakery"), periods(client, world)
    [bread] = ok(client.get(f"/rounds/{world['round']}/reports/forecast", params={"producer": "Bakery"},
                            headers=baker), 200)
    assert bread["target"] == revised["outputs"][0]["quantity"]  # what was made to date and the rest
    assert bread["reported"] == pytest.approx(2 * planned["outputs"][0]["quantity"] / n)
    rate = (bread["target"] - bread["reported"]) / (n - 2)
    assert rate < 0.99 * planned["outputs"][0]["quantity"] / n  # less grain: less bread for the rest
    for number in range(2, 6):
        body = {"council": world["bakery"], "period": week(world, number),
                "outputs": [{"product": "bread", "quantity": rate}],
                "labour": [{"product": item["product"], "quantity": item["quantity"] / n}
                           for item in revised["labour"]]}
        ok(client.post(f"/rounds/{world['round']}/reports", headers=baker, json=body), 201)
        client.app.state.books.clock.advance(7)
    [bread] = ok(client.get(f"/rounds/{world['round']}/reports/forecast", params={"producer": "Bakery"},
                            headers=baker), 200)
    assert bread["level"] == pytest.approx(rate, rel=1e-9)  # on the revised rate since: nothing learned
    assert bread["fulfilment"] == pytest.approx(1.0, rel=1e-9) and bread["low"] < 1 < bread["high"]
    assert bread["periods_reported"] == 6 and not bread["alarms"]
    assert ok(client.get(f"/rounds/{world['round']}/alerts", headers=baker), 200) == raised

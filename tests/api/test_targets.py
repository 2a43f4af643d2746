"""Targets over REST on SQLite and PostgreSQL: once a round adopts its plan, every workplace
receives its targets (what to make, the inputs it will receive and from whom, the labour it may
use) by producer and as its council's own, in JSON and CSV with exact figures; a workplace
disputes a target it cannot meet and the federation answers. First what a determined member
must not do: speak for another council, dispute twice, flood the books, take another's name.

Targets are public to every signed-in member, as the open books are: any member may read what
any workplace is asked to make (docs/democracy.md, Targets)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonplan.app.acts import disputes
from tests.factories import BAKERY
from tests.rest import (
    Headers,
    democracy_client,
    federation,
    moved_on,
    ok,
    round_at_targets,
    sign_in,
    upload,
    wait_for,
    workplaces,
)


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


def dispute(client: TestClient, headers: Headers, round_id: int, council: int, status: int = 201,
            kind: str = "input", target: str = "wheat", reason: str = "the mill is down") -> Any:
    return ok(client.post(f"/rounds/{round_id}/disputes", headers=headers, json={
        "council": council, "kind": kind, "target": target, "reason": reason}), status)


# -- what a determined member must not do ---------------------------------------------------------


def test_a_member_disputes_only_for_a_council_of_theirs_and_only_its_own_targets(client):
    world = round_at_targets(client)
    baker, farmer = world["delegates"]
    refused = dispute(client, farmer, world["round"], world["bakery"], 403)  # the Farm's member
    assert refused["error"] == "not_a_member"
    refused = dispute(client, baker, world["round"], world["bakery"], 404, kind="output", target="grow")
    assert "'Bakery' has no output target 'grow'" in refused["detail"]  # the Farm's, not the Bakery's
    refused = dispute(client, baker, world["round"], world["bakery"], 422, kind="capacity")
    assert refused["field"] == "kind"
    stranger = sign_in(client, "stranger@example.org")
    assert dispute(client, stranger, world["round"], world["bakery"], 403)["error"] == "not_a_member"


def test_a_target_is_disputed_once_until_the_federation_answers(client):
    world = round_at_targets(client)
    baker, farmer = world["delegates"]
    first = dispute(client, baker, world["round"], world["bakery"])
    assert (first["target"], first["target_name"]) == ("wheat", "Wheat")  # the id, and the name people read
    again = dispute(client, baker, world["round"], world["bakery"], 409, reason="still down")
    assert again["error"] == "already_disputed"
    outsider = sign_in(client, "outsider@example.org")
    refused = client.post(f"/disputes/{first['id']}/answer", json={"answer": "no"}, headers=outsider)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_a_member")
    answered = ok(client.post(f"/disputes/{first['id']}/answer", headers=farmer,
                              json={"answer": "the Farm sends it by road"}), 200)
    assert (answered["open"], answered["answer"]) == (False, "the Farm sends it by road")
    twice = client.post(f"/disputes/{first['id']}/answer", json={"answer": "again"}, headers=farmer)
    assert (twice.status_code, twice.json()["error"]) == (409, "ended")
    dispute(client, baker, world["round"], world["bakery"], reason="the road is closed")  # open again


def test_a_council_holds_a_bounded_number_of_open_disputes_with_bounded_reasons(client, monkeypatch):
    world = round_at_targets(client)
    baker = world["delegates"][0]
    for reason in ("", " " * 10, "x" * (disputes.MAX_REASON + 1)):
        refused = dispute(client, baker, world["round"], world["bakery"], 422, reason=reason)
        assert refused["field"].endswith("reason"), refused
    monkeypatch.setattr(disputes, "MAX_OPEN", 2)
    dispute(client, baker, world["round"], world["bakery"])
    dispute(client, baker, world["round"], world["bakery"], kind="labour", target="labour")
    refused = dispute(client, baker, world["round"], world["bakery"], 403, kind="output", target="bake")
    assert "2 open disputes" in refused["detail"]
    shown = ok(client.get(f"/rounds/{world['round']}", headers=baker), 200)
    assert shown["open_disputes"] == 2
    assert [(d["council_name"], d["kind"], d["target"], d["reason"]) for d in shown["disputes"]] == [
        ("Workplace 0", "input", "wheat", "the mill is down"),
        ("Workplace 0", "labour", "labour", "the mill is down")]


def test_a_council_is_one_producer_and_only_its_members_say_which(client):
    world = round_at_targets(client)
    baker, farmer = world["delegates"]
    refused = client.put(f"/councils/{world['bakery']}/producer", json={"producer": "Farm"}, headers=farmer)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_a_member")
    refused = client.put(f"/councils/{world['bakery']}/producer", json={"producer": "Farm"}, headers=baker)
    assert (refused.status_code, refused.json()["error"]) == (409, "producer_taken")
    squatter = sign_in(client, "squatter@example.org")
    refused = client.post("/councils", headers=squatter, json={
        "name": "Not the bakery", "level": "workplace", "reference_rate": 30, "producer": " Bakery "})
    assert refused.status_code == 409  # the name is stripped before it is compared
    refused = client.post("/councils", headers=squatter, json={
        "name": "A district", "level": "district", "reference_rate": 30, "producer": "Parks office"})
    assert (refused.status_code, refused.json()["error"]) == (403, "not_eligible")
    outside = ok(client.post("/councils", headers=squatter, json={
        "name": "Parks", "level": "workplace", "reference_rate": 30, "producer": "Parks office"}))
    refused = dispute(client, squatter, world["round"], outside["id"], 403, kind="labour", target="labour")
    assert "not under the round's federation" in refused["detail"]  # a council outside the district


def test_targets_are_published_only_once_the_plan_is_adopted_and_disputed_only_then(client):
    district, delegates = federation(client, 1)
    economy = ok(upload(client, delegates[0], BAKERY))["id"]
    round_id = ok(client.post(f"/councils/{district}/rounds", headers=delegates[0],
                              json={"economy": economy, "period": "2026"}))["id"]
    for path in (f"/rounds/{round_id}/targets", f"/rounds/{round_id}/targets/Bakery",
                 f"/rounds/{round_id}/targets.csv"):
        refused = client.get(path, headers=delegates[0])
        assert (refused.status_code, refused.json()["error"]) == (409, "not_ready"), path
    council = workplaces(client, delegates[0])["Workplace 0"]
    refused = client.get(f"/councils/{council}/targets", headers=delegates[0])
    assert (refused.status_code, refused.json()["error"]) == (403, "not_eligible")  # no producer named
    ok(client.put(f"/councils/{council}/producer", json={"producer": "Bakery"}, headers=delegates[0]), 200)
    assert client.get(f"/councils/{council}/targets", headers=delegates[0]).status_code == 404
    refused = dispute(client, delegates[0], round_id, council, 403)
    assert "while the round publishes or carries them out" in refused["detail"]


# -- the targets themselves ------------------------------------------------------------------------


def test_every_workplace_receives_what_to_make_its_inputs_from_whom_and_its_labour(client):
    world = round_at_targets(client)
    baker = world["delegates"][0]
    own = ok(client.get(f"/councils/{world['bakery']}/targets", headers=baker), 200)
    # 15 loaves (10 + 5), each 0.5 kg of wheat from the Farm and 0.2 hours of work
    assert (own["round"], own["producer"]) == (world["round"], "Bakery")
    assert own["plan_sha256"] == world["plan_sha256"]
    assert own["council"] == {"id": world["bakery"], "name": "Workplace 0"}
    assert own["outputs"] == [{"technique": "bake", "product": "bread", "name": "Bread", "unit": "loaf",
                               "activity": pytest.approx(15), "quantity": pytest.approx(15)}]
    [wheat] = own["inputs"]
    assert (wheat["name"], wheat["unit"], wheat["quantity"]) == ("Wheat", "kg", pytest.approx(7.5))
    assert wheat["from"] == [{"producer": "Farm", "quantity": pytest.approx(7.5)}]
    assert own["labour"] == [{"product": "labour", "name": "Work", "unit": "hour",
                              "quantity": pytest.approx(3)}]
    assert own["labour_hours"] == pytest.approx(3) and own["resources"] == []
    stranger = sign_in(client, "reader@example.org")  # targets are public, as the books are
    farm = ok(client.get(f"/rounds/{world['round']}/targets/Farm", headers=stranger), 200)
    assert farm["resources"] == [{"product": "land", "name": "Land", "unit": "ha",
                                  "quantity": pytest.approx(0.375)}]
    assert client.get(f"/rounds/{world['round']}/targets/Farm").status_code == 401
    missing = client.get(f"/rounds/{world['round']}/targets/Mill", headers=stranger)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")

    first = client.get(f"/rounds/{world['round']}/targets", params={"limit": 2}, headers=stranger)
    assert [t["producer"] for t in ok(first, 200)] == ["Bakery", "Farm"]
    assert first.headers["X-Total-Count"] == "3" and 'rel="next"' in first.headers["Link"]
    rest = ok(client.get(f"/rounds/{world['round']}/targets", params={"offset": 2}, headers=stranger), 200)
    assert [t["producer"] for t in rest] == ["Parks office"] and rest[0]["council"] is None

    books: list[dict[str, Any]] = []
    while page := ok(client.get("/ledger/entries", params={"start": len(books)}), 200):
        books += page
    [queued] = [entry["act"] for entry in books if entry["kind"] == "targets queued"]
    assert (queued["round"], queued["plan_sha256"]) == (world["round"], world["plan_sha256"])
    assert not [entry for entry in books if entry["kind"] == "targets published"]
    in_execution = moved_on(client, world["delegates"][0], world["round"])  # the targets now bind
    assert in_execution["step"] == "execution"
    books = ok(client.get("/ledger/entries", params={"start": len(books)}), 200)
    [published] = [entry["act"] for entry in books if entry["kind"] == "targets published"]
    assert (published["round"], published["job"]) == (world["round"], queued["job"])
    assert published["workplaces"] == 3
    assert published["plan_sha256"] == world["plan_sha256"] and len(published["targets_sha256"]) == 64


def test_targets_download_as_csv_with_exact_figures(client):
    world = round_at_targets(client)
    baker = world["delegates"][0]
    every = client.get(f"/rounds/{world['round']}/targets.csv", headers=baker)
    assert every.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(every.text)))
    own = ok(client.get(f"/rounds/{world['round']}/targets/Bakery", headers=baker), 200)
    bread = next(row for row in rows if row["producer"] == "Bakery" and row["section"] == "output")
    assert float(bread["quantity"]) == own["outputs"][0]["quantity"]  # exact: the same float
    wheat = next(row for row in rows if row["producer"] == "Bakery" and row["section"] == "input")
    assert (wheat["product"], wheat["name"], wheat["from"]) == ("wheat", "Wheat", "Farm")
    assert {(row["producer"], row["section"]) for row in rows} >= {
        ("Farm", "output"), ("Farm", "resource"), ("Farm", "labour"), ("Parks office", "labour")}
    mine = client.get(f"/councils/{world['bakery']}/targets.csv", headers=baker)
    assert {row["producer"] for row in csv.DictReader(io.StringIO(mine.text))} == {"Bakery"}


def test_a_failed_targets_job_is_queued_anew_a_bounded_number_of_times(client):
    """Moving on queues the targets anew only while their job failed or was cancelled, and at
    most MAX_TARGETS_JOBS times in all: a member cancelling and queueing again cannot flood
    the books."""
    from sqlalchemy import update

    from commonplan.app.acts.rounds import MAX_TARGETS_JOBS
    from commonplan.store.models import Job

    world = round_at_targets(client)
    delegate = world["delegates"][0]

    def targets_job() -> int:
        return int(ok(client.get(f"/rounds/{world['round']}", headers=delegate), 200)["targets_job"]["id"])

    def fail(job: int) -> None:
        with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
            session.execute(update(Job).where(Job.id == job).values(state="failed", message="killed"))

    jobs = [targets_job()]
    for _ in range(MAX_TARGETS_JOBS - 1):
        fail(jobs[-1])
        shown = moved_on(client, delegate, world["round"])
        assert shown["step"] == "targets" and shown["targets_job"]["id"] != jobs[-1]
        jobs.append(shown["targets_job"]["id"])
        assert wait_for(client, delegate, jobs[-1])["state"] == "done"
    fail(jobs[-1])
    refused = client.post(f"/rounds/{world['round']}/advance", headers=delegate)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_eligible")
    assert "queued 5 times" in refused.json()["detail"]

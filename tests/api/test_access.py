"""Who may do what, proven route by route: every operation of the API is called by an anonymous
caller, the owner, another member, an auditor, a delegate and a workplace reporter; what one may
not read answers 404, what one may read but not change 403 (store.access holds the rule)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from commonplan.ledger import Signer, TreeHead
from commonplan.server import create_app
from commonplan.store.accounts import set_role
from commonplan.store.jobs import queue_job
from tests.rest import sign_in, upload, wait_for

SHARES = {"consumption": 0.5, "investment": 0.25, "public services": 0.25}
PURCHASES = b"date,store,product,quantity\n2026-01-01,corner,bread,3\n"
CALLERS = ("anonymous", "owner", "other", "auditor", "delegate", "reporter")
ROLES = {"auditor": "auditor", "delegate": "delegate", "reporter": "workplace reporter"}
# operation: (method, path, body, the status each caller gets, in the order of CALLERS)
EXPECTED = {
    "who_am_i": ("get", "/members/me", None, (401, 200, 200, 200, 200, 200)),
    "upload_economy": ("post", "/economies", "bundle", (401, 201, 201, 403, 201, 201)),
    "add_builtin_economy": ("post", "/economies/builtin", None, (401, 201, 201, 403, 201, 201)),
    "list_economies": ("get", "/economies", None, (401, 200, 200, 200, 200, 200)),
    "get_economy": ("get", "/economies/{economy}", None, (401, 200, 404, 200, 200, 200)),
    "download_bundle": ("get", "/economies/{economy}/bundle", None, (401, 200, 404, 200, 200, 200)),
    "start_job": ("post", "/economies/{economy}/jobs", {"kind": "values"}, (401, 202, 404, 403, 202, 403)),
    "list_jobs": ("get", "/jobs", None, (401, 200, 200, 200, 200, 200)),
    "get_job": ("get", "/jobs/{job}", None, (401, 200, 404, 200, 200, 200)),
    "cancel_job": ("post", "/jobs/{job}/cancel", None, (401, 409, 404, 403, 409, 403)),  # it has ended
    "get_job_result": ("get", "/jobs/{job}/result", None, (401, 200, 404, 200, 200, 200)),
    "get_job_result_csv": ("get", "/jobs/{job}/result.csv", None, (401, 200, 404, 200, 200, 200)),
    # the democratic layer: anyone signed in founds, joins and reads councils; only a council's
    # members act in it (403 not_a_member), whatever their role
    "found_council": ("post", "/councils", {"name": "Mill", "level": "workplace", "reference_rate": 30},
                      (401, 201, 201, 201, 201, 201)),
    "list_councils": ("get", "/councils", None, (401, 200, 200, 200, 200, 200)),
    "get_council": ("get", "/councils/{council}", None, (401, 200, 200, 200, 200, 200)),
    "join_council": ("post", "/councils/{mill}/members", {}, (401, 409, 201, 201, 201, 201)),  # the owner's
    "create_office": ("post", "/councils/{council}/offices", {"title": "Clerk", "kind": "post"},
                      (401, 201, 403, 403, 403, 403)),
    "set_pay": ("put", "/offices/{post}/pay", {"rate": 10}, (401, 202, 403, 403, 403, 403)),  # a pay ballot
    "pay_holder": ("post", "/offices/{seat}/payments", {"hours": 2, "amount": 40},
                   (401, 201, 403, 403, 403, 403)),
    "recall_delegate": ("post", "/offices/{seat}/recall", None, (401, 201, 403, 403, 403, 403)),
    "get_petition": ("get", "/petitions/{petition}", None, (401, 200, 200, 200, 200, 200)),
    "sign_petition": ("post", "/petitions/{petition}/signatures", None,
                      (401, 409, 403, 403, 403, 403)),  # the owner opened it, so signed it
    "volunteer": ("post", "/offices/{post}/volunteers", {"features": {}}, (401, 201, 403, 403, 403, 403)),
    "draw_posts": ("post", "/councils/{council}/draws", {"offices": ["the post"]},
                   (401, 201, 403, 403, 403, 403)),
    "open_ballot": ("post", "/councils/{council}/ballots", {"kind": "shares", "question": "Shares?"},
                    (401, 201, 403, 403, 403, 403)),
    "get_ballot": ("get", "/ballots/{ballot}", None, (401, 200, 200, 200, 200, 200)),
    "cast_ballot": ("post", "/ballots/{ballot}/votes", {"content": SHARES}, (401, 201, 403, 403, 403, 403)),
    "close_ballot": ("post", "/ballots/{ballot}/close", None, (401, 200, 403, 403, 403, 403)),
    # planning rounds: run by the members of the federation (the owner, a delegate of the district)
    "open_round": ("post", "/councils/{district}/rounds", {"economy": "the economy", "period": "2027"},
                   (401, 201, 404, 403, 403, 403)),  # others may not read the owner's economy
    "list_rounds": ("get", "/councils/{district}/rounds", None, (401, 200, 200, 200, 200, 200)),
    "get_round": ("get", "/rounds/{round}", None, (401, 200, 200, 200, 200, 200)),
    "send_round_records": ("post", "/rounds/{round}/records", "records",
                           (401, 201, 403, 403, 403, 403)),  # the owner's workplace sends
    "attach_round_ballot": ("post", "/rounds/{round}/ballots", {"ballot": "the ballot"},
                            (401, 404, 403, 403, 403, 403)),  # a ballot of the workplace, not the district
    "start_round_variant": ("post", "/rounds/{round}/variants", {},
                            (401, 403, 403, 403, 403, 403)),  # too early
    "advance_round": ("post", "/rounds/{round}/advance", None, (401, 200, 403, 403, 403, 403)),
    "learn_round_needs": ("post", "/rounds/{round}/needs", {}, (401, 403, 403, 403, 403, 403)),  # too late
    # targets: read by anyone signed in once published (the round gathers needs: not yet); a
    # workplace council's members name its producer and dispute its targets; the federation answers
    "list_round_targets": ("get", "/rounds/{round}/targets", None, (401, 409, 409, 409, 409, 409)),
    "round_targets_csv": ("get", "/rounds/{round}/targets.csv", None, (401, 409, 409, 409, 409, 409)),
    "get_round_targets": ("get", "/rounds/{round}/targets/Bakery", None, (401, 409, 409, 409, 409, 409)),
    "set_council_producer": ("put", "/councils/{council}/producer", {"producer": "Bakery"},
                             (401, 200, 403, 403, 403, 403)),
    "get_council_targets": ("get", "/councils/{council}/targets", None,
                            (401, 404, 404, 404, 404, 404)),  # named Bakery by then: nothing published
    "council_targets_csv": ("get", "/councils/{council}/targets.csv", None, (401, 404, 404, 404, 404, 404)),
    "dispute_target": ("post", "/rounds/{round}/disputes",
                       {"council": 1, "kind": "output", "target": "bake", "reason": "no oven"},
                       (401, 403, 403, 403, 403, 403)),  # not while the round gathers needs
    "answer_dispute": ("post", "/disputes/1/answer", {"answer": "yes"}, (401, 404, 404, 404, 404, 404)),
    # reports: filed by a workplace's reporters while the round is in execution (not yet: 403
    # for all), read by anyone signed in once the targets are published (not yet: 409)
    "file_report": ("post", "/rounds/{round}/reports",
                    {"council": 1, "period": "2027-W01", "outputs": [{"product": "bread", "quantity": 1}]},
                    (401, 403, 403, 403, 403, 403)),
    "upload_report": ("post", "/rounds/{round}/reports.csv", "report", (401, 403, 403, 403, 403, 403)),
    "list_reports": ("get", "/rounds/{round}/reports?producer=Bakery", None, (401, 409, 409, 409, 409, 409)),
    "get_report_history": ("get", "/rounds/{round}/reports/history?producer=Bakery&period=2027-W01", None,
                           (401, 409, 409, 409, 409, 409)),
    "list_missing_reports": ("get", "/rounds/{round}/reports/missing", None, (401, 409, 409, 409, 409, 409)),
    "get_target_forecasts": ("get", "/rounds/{round}/reports/forecast?producer=Bakery", None,
                             (401, 409, 409, 409, 409, 409)),
    # the operations room: read by anyone signed in once the targets are published (not yet: 409)
    "list_operations": ("get", "/rounds/{round}/operations", None, (401, 409, 409, 409, 409, 409)),
    "get_workplace_operations": ("get", "/rounds/{round}/operations/workplace?producer=Bakery", None,
                                 (401, 409, 409, 409, 409, 409)),
    # revisions: asked by a member of the round's federation while it is in execution (it is not:
    # 403 for all), read by anyone signed in
    "request_revision": ("post", "/rounds/{round}/revisions", None, (401, 403, 403, 403, 403, 403)),
    "list_revisions": ("get", "/rounds/{round}/revisions", None, (401, 200, 200, 200, 200, 200)),
    "get_revision": ("get", "/rounds/{round}/revisions/1", None, (401, 404, 404, 404, 404, 404)),
    "learn_economy": ("post", "/rounds/{round}/learned-economy", None, (401, 403, 403, 403, 403, 403)),
    "get_learned_economy": ("get", "/rounds/{round}/learned-economy", None, (401, 404, 404, 404, 404, 404)),
    # alerts: read by anyone signed in; answered by a member of the council holding one (none here)
    "list_alerts": ("get", "/rounds/{round}/alerts", None, (401, 200, 200, 200, 200, 200)),
    "list_council_alerts": ("get", "/councils/{council}/alerts", None, (401, 200, 200, 200, 200, 200)),
    "get_alert": ("get", "/alerts/1", None, (401, 404, 404, 404, 404, 404)),
    "acknowledge_alert": ("post", "/alerts/1/acknowledge", None, (401, 404, 404, 404, 404, 404)),
    "act_on_alert": ("post", "/alerts/1/act", {"note": "mended"}, (401, 404, 404, 404, 404, 404)),
    # the open books: read by anyone, cosigned by auditors only
    "ledger_head": ("get", "/ledger/head", None, (200, 200, 200, 200, 200, 200)),
    "ledger_entries": ("get", "/ledger/entries", None, (200, 200, 200, 200, 200, 200)),
    "ledger_entry": ("get", "/ledger/entries/0", None, (200, 200, 200, 200, 200, 200)),
    "ledger_inclusion_proof": ("get", "/ledger/proofs/inclusion?index=0&size=1", None,
                               (200, 200, 200, 200, 200, 200)),
    "ledger_consistency_proof": ("get", "/ledger/proofs/consistency?old_size=1&new_size=2", None,
                                 (200, 200, 200, 200, 200, 200)),
    "ledger_verify": ("get", "/ledger/verify", None, (200, 200, 200, 200, 200, 200)),
    "cosign_head": ("post", "/ledger/heads/{head}/cosignatures", "cosignature",
                    (401, 403, 403, 201, 403, 403)),
}
PUBLIC = {"register_member", "log_in", "accept_invitation"}  # tested in test_api.py
SIGNING_OUT = {"log_out"}  # ends the caller's own token: tested in test_api.py


@pytest.fixture
def client(database_url):
    url, options = database_url
    with TestClient(create_app(url, **options)) as client:
        yield client


@pytest.fixture
def world(client) -> dict:
    """Ada's economy with a finished values job, and a caller of every kind."""
    headers = {"anonymous": {}, "owner": sign_in(client)}
    for caller in CALLERS[2:]:
        headers[caller] = sign_in(client, f"{caller}@example.org")
    with client.app.state.sessions() as db, db.begin():
        for caller, role in ROLES.items():
            set_role(db, f"{caller}@example.org", role)
    economy = upload(client, headers["owner"]).json()["id"]
    job = client.post(f"/economies/{economy}/jobs", headers=headers["owner"], json={"kind": "values"})
    wait_for(client, headers["owner"], job.json()["id"])
    made = councils(client, headers["owner"])
    opened = client.post(f"/councils/{made['district']}/rounds", headers=headers["owner"],
                         json={"economy": economy, "period": "2026"})
    assert opened.status_code == 201, opened.text
    return {"headers": headers, "economy": economy, "job": job.json()["id"], "round": opened.json()["id"],
            **made}


def councils(client: TestClient, owner: dict[str, str]) -> dict:
    """The owner's workplace council (with a second member) under a district: two delegates'
    seats, held by each, an open petition of the owner's to recall the second, a post the
    second volunteers for, an open ballot; another workplace council; a published head."""
    second = sign_in(client, "second@example.org")

    def made(path: str, body: dict | None = None, headers: dict[str, str] = owner) -> int:
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    district = made("/councils", {"name": "District", "level": "district", "reference_rate": 30})
    council = made("/councils", {"name": "Bakery", "level": "workplace", "reference_rate": 30,
                                 "parent": district, "recall_fraction": "1/1"})
    mill = made("/councils", {"name": "Mill", "level": "workplace", "reference_rate": 30})
    assert client.post(f"/councils/{council}/members", json={}, headers=second).status_code == 201
    seats = [made(f"/councils/{council}/offices", {"title": f"Delegate {number}", "kind": "delegate"})
             for number in (1, 2)]
    post = made(f"/councils/{council}/offices", {"title": "Clerk", "kind": "post"})
    for seat, holder in zip(seats, (owner, second), strict=True):
        name = client.get(f"/councils/{council}", headers=holder).json()["you"]
        election = made(f"/councils/{council}/ballots", {"kind": "election", "question": "Who?",
                                                         "options": {"candidates": [name]}, "office": seat})
        for voter in (owner, second):  # everyone votes, so the ballot may close at once
            voted = client.post(f"/ballots/{election}/votes", json={"content": [name]}, headers=voter)
            assert voted.status_code == 201, voted.text
        assert client.post(f"/ballots/{election}/close", headers=owner).status_code == 200
    pay = client.put(f"/offices/{seats[0]}/pay", json={"rate": 20}, headers=owner).json()["id"]
    for voter in (owner, second):
        assert client.post(f"/ballots/{pay}/votes", json={"content": "yes"}, headers=voter).status_code == 201
    assert client.post(f"/ballots/{pay}/close", headers=owner).status_code == 200
    petition = made(f"/offices/{seats[1]}/recall")
    volunteered = client.post(f"/offices/{post}/volunteers", json={"features": {}}, headers=second)
    assert volunteered.status_code == 201, volunteered.text
    ballot = made(f"/councils/{council}/ballots", {"kind": "shares", "question": "Shares?"})
    shares = client.post(f"/ballots/{ballot}/votes", json={"content": SHARES}, headers=second)
    assert shares.status_code == 201, shares.text  # the owner's vote (below) then lets it close
    head = TreeHead.from_json(client.get("/ledger/head").json())  # shown, so published
    auditor = Signer.from_seed(bytes(range(32)))
    cosignature = {"key": auditor.public_key.hex(), "signature": auditor.sign(head.signed_bytes()).hex()}
    return {"council": council, "district": district, "mill": mill, "seat": seats[0], "post": post,
            "petition": petition, "ballot": ballot, "head": head.size, "cosignature": cosignature}


def test_every_operation_of_the_api_is_in_the_table(client):
    operations = {operation["operationId"] for path in client.get("/openapi.json").json()["paths"].values()
                  for operation in path.values()}
    assert operations == set(EXPECTED) | PUBLIC | SIGNING_OUT


def test_each_caller_gets_what_their_role_allows_on_every_operation(client, world):
    for operation, (method, path, body, statuses) in EXPECTED.items():
        url = path.format(**world)
        if isinstance(body, dict) and "offices" in body:
            body = {**body, "offices": [world["post"]]}
        if body == "cosignature":
            body = world["cosignature"]
        if isinstance(body, dict) and "economy" in body:
            body = {**body, "economy": world["economy"]}
        if isinstance(body, dict) and body.get("ballot") == "the ballot":
            body = {"ballot": world["ballot"]}
        for caller, expected in zip(CALLERS, statuses, strict=True):
            headers = world["headers"][caller]
            if body == "bundle":
                answer = upload(client, headers)
            elif body == "report":
                answer = client.post(url, headers=headers, data={"council": str(world["council"]),
                                                                 "period": "2027-W01"},
                                     files={"file": ("report.csv", b"section,product,quantity\n",
                                                     "text/csv")})
            elif body == "records":
                answer = client.post(url, headers=headers, data={"council": str(world["council"]),
                                                                 "kind": "purchases"},
                                     files={"file": ("purchases.csv", PURCHASES, "text/csv")})
            else:
                sent = {} if body is None else {"json": body}
                answer = getattr(client, method)(url, headers=headers, **sent)
            assert answer.status_code == expected, (operation, caller, answer.text)
            if expected >= 400:
                assert {"error", "detail"} <= set(answer.json()), (operation, answer.text)


def test_listings_hold_only_what_each_may_read(client, world):
    headers, economy, job = world["headers"], world["economy"], world["job"]
    for caller, sees in (("owner", True), ("other", False), ("auditor", True), ("delegate", True)):
        economies = [row["id"] for row in client.get("/economies", headers=headers[caller]).json()]
        jobs = [row["id"] for row in client.get("/jobs", headers=headers[caller]).json()]
        assert (economy in economies, job in jobs) == (sees, sees), caller


def test_a_result_downloads_as_csv_with_the_documents_numbers(client, world):
    answer = client.get(f"/jobs/{world['job']}/result.csv", headers=world["headers"]["owner"])
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    hours = {row["id"]: float(row["value"]) for row in rows if row["quantity"] == "values"}
    assert hours["bread"] == pytest.approx(0.45) and hours["wheat"] == pytest.approx(0.5)


def test_the_bundle_downloads_as_uploaded(client, world):
    answer = client.get(f"/economies/{world['economy']}/bundle", headers=world["headers"]["owner"])
    assert answer.headers["content-type"] == "application/zip" and answer.content[:2] == b"PK"


def test_a_job_left_queued_by_a_stopped_server_is_resumed_on_the_next_start(database_url, tmp_path):
    url, options = database_url
    with TestClient(create_app(url, **options)) as first:
        headers = sign_in(first)
        economy = upload(first, headers).json()["id"]
        with first.app.state.sessions() as db, db.begin():  # queued, as if the server died then
            job = queue_job(db, "values", economy, 1, {"method": "lp"}).id
    with TestClient(create_app(url, **options)) as restarted:
        token = restarted.post("/tokens", json={"email": "ada@example.org",
                                                "password": "correct horse battery"}).json()["token"]
        finished = wait_for(restarted, {"Authorization": f"Bearer {token}"}, job)
    assert finished["state"] == "done"


def test_a_queued_job_is_cancelled_by_its_owner_and_never_runs(client, world):
    owner = world["headers"]["owner"]
    with client.app.state.sessions() as db, db.begin():  # queued, not yet handed to the worker
        job = queue_job(db, "values", world["economy"], 1, {"method": "lp"}).id
    answer = client.post(f"/jobs/{job}/cancel", headers=owner)
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled", answer.text
    assert answer.json()["message"] == "cancelled by member 1"
    assert client.get(f"/jobs/{job}/result", headers=owner).status_code == 409
    again = client.post(f"/jobs/{job}/cancel", headers=owner)
    assert again.status_code == 409 and again.json()["error"] == "ended"


# A member votes only on what they can read: a plan ballot lets its council's members read each plan
PLAN_READS = ("/jobs/{job}", "/jobs/{job}/result", "/jobs/{job}/result.csv", "/economies/{economy}",
              "/economies/{economy}/bundle")


@pytest.fixture
def plan_vote(client) -> dict:
    """Ada's finished plan, the Bakery council of Ada and a voter, and an outsider."""
    headers = {"owner": sign_in(client), "voter": sign_in(client, "voter@example.org"),
               "outsider": sign_in(client, "outsider@example.org")}
    economy = upload(client, headers["owner"]).json()["id"]
    job = client.post(f"/economies/{economy}/jobs", headers=headers["owner"],
                      json={"kind": "plan"}).json()["id"]
    assert wait_for(client, headers["owner"], job)["state"] == "done"
    council = client.post("/councils", headers=headers["owner"], json={
        "name": "Bakery", "level": "workplace", "reference_rate": 30}).json()["id"]
    assert client.post(f"/councils/{council}/members", json={}, headers=headers["voter"]).status_code == 201
    return {"headers": headers, "economy": economy, "job": job, "council": council}


def open_plan_ballot(client: TestClient, headers: dict[str, str], council: int, job: int) -> int:
    answer = client.post(f"/councils/{council}/ballots", headers=headers, json={
        "kind": "plan", "question": "Which plan?", "options": {"plans": [job]}})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def statuses(client: TestClient, headers: dict[str, str], world: dict) -> list[int]:
    return [client.get(path.format(**world), headers=headers).status_code for path in PLAN_READS]


def test_a_plan_ballot_lets_its_councils_members_read_each_plan_in_full_and_nobody_else(client, plan_vote):
    headers = plan_vote["headers"]
    assert statuses(client, headers["voter"], plan_vote) == [404] * len(PLAN_READS)  # no ballot yet
    ballot = open_plan_ballot(client, headers["owner"], plan_vote["council"], plan_vote["job"])
    assert statuses(client, headers["voter"], plan_vote) == [200] * len(PLAN_READS)
    assert statuses(client, headers["outsider"], plan_vote) == [404] * len(PLAN_READS)
    owned = client.get(f"/jobs/{plan_vote['job']}/result", headers=headers["owner"]).json()
    assert client.get(f"/jobs/{plan_vote['job']}/result", headers=headers["voter"]).json() == owned
    # reading is all it grants: the voter may not compute on the economy nor cancel the job
    start = client.post(f"/economies/{plan_vote['economy']}/jobs", headers=headers["voter"],
                        json={"kind": "values"})
    cancel = client.post(f"/jobs/{plan_vote['job']}/cancel", headers=headers["voter"])
    assert (start.status_code, cancel.status_code) == (403, 403), (start.text, cancel.text)
    assert client.post(f"/economies/{plan_vote['economy']}/jobs", headers=headers["outsider"],
                       json={"kind": "values"}).status_code == 404
    for voter in ("owner", "voter"):  # every member voted: the ballot closes, and the right stays
        voted = client.post(f"/ballots/{ballot}/votes", headers=headers[voter],
                            json={"content": [plan_vote["job"]]})
        assert voted.status_code == 201, voted.text
    assert client.post(f"/ballots/{ballot}/close", headers=headers["owner"]).status_code == 200
    assert statuses(client, headers["voter"], plan_vote) == [200] * len(PLAN_READS)


def test_a_plan_ballot_opened_by_one_who_may_not_read_the_plan_lends_nobody_the_right(client, plan_vote):
    headers = plan_vote["headers"]
    elsewhere = client.post("/councils", headers=headers["outsider"], json={
        "name": "Mill", "level": "workplace", "reference_rate": 30}).json()["id"]
    answer = client.post(f"/councils/{elsewhere}/ballots", headers=headers["outsider"], json={
        "kind": "plan", "question": "Adopt Ada's plan?", "options": {"plans": [plan_vote["job"]]}})
    assert answer.status_code in (201, 404, 422), answer.text  # refused at opening, or granting nothing
    assert statuses(client, headers["outsider"], plan_vote) == [404] * len(PLAN_READS)


def test_an_economy_with_several_plans_is_read_through_any_of_them_and_listings_stay_ones_own(
        client, plan_vote):
    headers = plan_vote["headers"]
    open_plan_ballot(client, headers["owner"], plan_vote["council"], plan_vote["job"])
    jobs = [row["id"] for row in client.get("/jobs", headers=headers["voter"]).json()]
    economies = [row["id"] for row in client.get("/economies", headers=headers["voter"]).json()]
    assert plan_vote["job"] not in jobs and plan_vote["economy"] not in economies  # reached from the ballot
    values = client.post(f"/economies/{plan_vote['economy']}/jobs", headers=headers["owner"],
                         json={"kind": "values"}).json()["id"]
    wait_for(client, headers["owner"], values)
    assert client.get(f"/jobs/{values}", headers=headers["voter"]).status_code == 404  # not on the ballot

"""The REST API end to end on SQLite and PostgreSQL: accounts, upload, jobs, errors, and that
nobody reads what is not theirs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from commonplan.server import create_app
from tests.factories import BAKERY
from tests.rest import PASSWORD, sign_in, upload, wait_for


@pytest.fixture
def client(database_url):
    url, options = database_url
    with TestClient(create_app(url, **options)) as client:
        yield client


@pytest.mark.parametrize("kind", ["values", "requirements", "plan"])
def test_a_member_uploads_an_economy_and_a_job_computes_the_spec_document(client, kind):
    headers = sign_in(client)
    uploaded = upload(client, headers)
    assert uploaded.status_code == 201, uploaded.text
    started = client.post(f"/economies/{uploaded.json()['id']}/jobs", headers=headers,
                          json={"kind": kind})
    assert started.status_code == 202
    job = wait_for(client, headers, started.json()["id"])
    assert (job["state"], job["progress"]) == ("done", 1.0), job
    result = client.get(f"/jobs/{job['id']}/result", headers=headers).json()
    assert result["provenance"]["bundle_sha256"] == uploaded.json()["bundle_sha256"]
    expected = {"values": "values", "requirements": "activity", "plan": "fulfilment"}[kind]
    assert expected in result


def test_a_bad_bundle_is_a_422_listing_every_problem_by_file_row_and_column(client):
    headers = sign_in(client)
    answer = upload(client, headers, {**BAKERY, "inputs.csv": "technique,product,quantity\n"
                                                           "bake,flour,x\n"})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["error"], body["field"]) == ("invalid_bundle", "bundle")
    assert {(e["file"], e["row"], e["column"]) for e in body["errors"]} >= {
        ("inputs.csv", 2, "quantity"), ("inputs.csv", 2, "product")}


def test_nobody_reads_what_is_not_theirs(client):
    ada, bob = sign_in(client), sign_in(client, "bob@example.org")
    economy = upload(client, ada).json()["id"]
    job = client.post(f"/economies/{economy}/jobs", headers=ada, json={"kind": "values"}).json()
    wait_for(client, ada, job["id"])
    for path in (f"/economies/{economy}", f"/jobs/{job['id']}", f"/jobs/{job['id']}/result"):
        assert client.get(path, headers=bob).status_code == 404
        answer = client.get(path)
        assert answer.status_code == 401 and answer.json()["error"] == "unauthorised"
    started = client.post(f"/economies/{economy}/jobs", headers=bob, json={"kind": "values"})
    assert started.status_code == 404


def test_an_upload_with_a_bad_multi_period_table_is_a_422_naming_its_row(client):
    answer = upload(client, sign_in(client), {**BAKERY, "capital.csv": "technique,lag\ngrow,0\n"})
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [(e["file"], e["row"], e["column"]) for e in errors] == [("capital.csv", 2, "lag")]


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "nobody", "password": PASSWORD}, "email"),
    ({"email": "ada@example.org", "password": "short"}, "password"),
    ({"email": "ada@example.org"}, "password"),
])
def test_a_bad_registration_is_a_422_naming_the_field(client, body, field):
    answer = client.post("/members", json=body)
    assert answer.status_code == 422
    assert answer.json()["field"] == field and answer.json()["detail"]


def test_a_wrong_password_is_a_401_that_does_not_say_which_part_was_wrong(client):
    sign_in(client)
    for email, password in (("ada@example.org", PASSWORD + "!"), ("eve@example.org", PASSWORD)):
        answer = client.post("/tokens", json={"email": email, "password": password})
        assert answer.status_code == 401
        assert answer.json() == {"error": "unauthorised", "detail": "wrong email or password"}


def test_an_unknown_job_kind_is_a_422_naming_the_field(client):
    headers = sign_in(client)
    economy = upload(client, headers).json()["id"]
    answer = client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": "magic"})
    assert answer.status_code == 422 and answer.json()["field"] == "kind"


def test_every_answer_carries_the_security_headers(client):
    for answer in (client.get("/openapi.json"), client.get("/jobs/1")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_logins_are_rate_limited_per_email(client):
    sign_in(client)
    wrong = {"email": "ada@example.org", "password": "not the password"}
    assert [client.post("/tokens", json=wrong).status_code for _ in range(5)] == [401] * 5
    locked = client.post("/tokens", json={"email": "ada@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["error"] == "too_many_logins" and locked.json()["field"] == "email"
    assert client.post("/tokens", json={"email": "bob@example.org", "password": PASSWORD}
                       ).status_code == 401  # another email is not locked out


@pytest.mark.parametrize("key", ["0", "-1", "99999999999999999999", "x"])
def test_a_key_no_row_can_have_is_a_422_naming_it(client, key):
    answer = client.get(f"/jobs/{key}", headers=sign_in(client))
    assert answer.status_code == 422 and answer.json()["field"] == "job_id"


def test_no_password_or_token_reaches_any_log(client, caplog):
    with caplog.at_level(logging.DEBUG):
        headers = sign_in(client)
        client.post("/tokens", json={"email": "ada@example.org", "password": "a wrong password"})
        client.get("/members/me", headers=headers)
    token = headers["Authorization"].removeprefix("Bearer ")
    assert PASSWORD not in caplog.text and "a wrong password" not in caplog.text
    assert token not in caplog.text


def test_an_economy_keeps_the_warnings_it_was_accepted_with(client):
    headers = sign_in(client)
    uploaded = upload(client, headers, {**BAKERY, "resources.csv": "product,available\nland,50\n"})
    assert uploaded.status_code == 201, uploaded.text
    warnings = uploaded.json()["warnings"]
    assert any("'labour'" in warning for warning in warnings)
    assert client.get(f"/economies/{uploaded.json()['id']}", headers=headers).json()["warnings"] == warnings


def test_a_plan_of_several_periods_is_computed_from_the_capital_tables(client):
    periods = Path(__file__).parents[1] / "planning" / "data" / "bakery-periods"
    tables = {path.name: path.read_text() for path in periods.iterdir()}
    headers = sign_in(client)
    economy = upload(client, headers, tables).json()["id"]
    started = client.post(f"/economies/{economy}/jobs", headers=headers,
                          json={"kind": "plan", "periods": 2})
    assert started.status_code == 202, started.text
    assert wait_for(client, headers, started.json()["id"])["state"] == "done"
    result = client.get(f"/jobs/{started.json()['id']}/result", headers=headers).json()
    assert [period["period"] for period in result["periods"]] == [1, 2] and "least_fulfilment" in result
    csv_text = client.get(f"/jobs/{started.json()['id']}/result.csv", headers=headers).text
    assert "\nperiod 2:activity," in csv_text and "\nleast_fulfilment," in csv_text


@pytest.mark.parametrize("body", [{"kind": "plan", "method": "harmony", "periods": 2},
                                  {"kind": "values", "periods": 3}, {"kind": "plan", "periods": 0},
                                  {"kind": "plan", "periods": 21}])
def test_several_periods_only_of_an_exact_plan_and_within_bounds(client, body):
    headers = sign_in(client)
    economy = upload(client, headers).json()["id"]
    answer = client.post(f"/economies/{economy}/jobs", headers=headers, json=body)
    assert answer.status_code == 422 and answer.json()["field"] == "periods", answer.text


def test_logging_out_revokes_the_bearer_token(client):
    headers = sign_in(client)
    assert client.get("/members/me", headers=headers).status_code == 200
    assert client.delete("/tokens", headers=headers).status_code == 204
    answer = client.get("/members/me", headers=headers)
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorised"
    assert client.delete("/tokens").status_code == 401

"""Schemathesis against the OpenAPI schema of the in-process app (docs/api.md): no input yields a
5xx, answers conform to the schema where it declares them, and every 4xx is JSON with a string
``"error"`` and ``"detail"``. A member is signed in, and an economy and a finished job exist, so
that generated ids sometimes hit real rows."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from commonplan.server import create_app
from tests.factories import BAKERY, zipped

EMAIL, PASSWORD = "fuzz@example.org", "correct horse battery"
MAX_EXAMPLES = 30  # per operation (fuzzing phase): all of them take 20-30 s on 2 cores


@dataclass(frozen=True)
class Seeded:
    """The app under test, the signed-in member's headers, and rows of theirs that exist."""

    app: FastAPI
    headers: dict[str, str]
    ids: dict[str, int]


def _seed(client: requests.Session) -> tuple[dict[str, str], dict[str, int]]:
    """Register and log in once, before any fuzzing (so the login limit cannot lock us out),
    upload the bakery and run one job to its end."""
    assert client.post("/members", json={"email": EMAIL, "password": PASSWORD}).status_code == 201
    logged_in = client.post("/tokens", json={"email": EMAIL, "password": PASSWORD})
    assert logged_in.status_code == 201, logged_in.text
    headers = {"Authorization": f"Bearer {logged_in.json()['token']}"}
    uploaded = client.post("/economies", headers=headers, data={"name": "bakery"},
                           files={"bundle": ("bakery.zip", zipped(BAKERY), "application/zip")})
    assert uploaded.status_code == 201, uploaded.text
    economy = uploaded.json()["id"]
    started = client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": "values"})
    assert started.status_code == 202, started.text
    job = started.json()["id"]
    for _ in range(400):
        if client.get(f"/jobs/{job}", headers=headers).json()["state"] in ("done", "failed"):
            break
        time.sleep(0.025)
    return headers, {"economy_id": economy, "job_id": job, **_seed_councils(client, headers)}


def _seed_councils(client: requests.Session, headers: dict[str, str]) -> dict[str, int]:
    """A district and the member's workplace council under it, with a delegate's seat the member
    holds (elected), a post, an open ballot on shares, and a published head."""
    def made(path: str, body: dict[str, Any] | None = None) -> int:
        answer = client.post(path, headers=headers, json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    district = made("/councils", {"name": "District", "level": "district", "reference_rate": 30})
    council = made("/councils", {"name": "Bakery", "level": "workplace", "reference_rate": 30,
                                 "parent": district, "recall_fraction": "1/1"})
    seat = made(f"/councils/{council}/offices", {"title": "Delegate", "kind": "delegate"})
    made(f"/councils/{council}/offices", {"title": "Clerk", "kind": "post"})
    me = client.get(f"/councils/{council}", headers=headers).json()["you"]
    election = made(f"/councils/{council}/ballots", {"kind": "election", "question": "Who?",
                                                     "options": {"candidates": [me]}, "office": seat})
    pay = client.put(f"/offices/{seat}/pay", headers=headers, json={"rate": 20}).json()["id"]
    for ballot_id, content in ((election, [me]), (pay, "yes")):  # the only member votes: it may close
        assert client.post(f"/ballots/{ballot_id}/votes", headers=headers, json={"content": content}).ok
        assert client.post(f"/ballots/{ballot_id}/close", headers=headers).status_code == 200
    ballot = made(f"/councils/{council}/ballots", {"kind": "shares", "question": "Shares?"})
    size = client.get("/ledger/head").json()["size"]  # shown, so published
    return {"council_id": council, "office_id": seat, "ballot_id": ballot, "size": size, "index": size - 1}


def _job_processes() -> list[multiprocessing.process.BaseProcess]:
    return multiprocessing.active_children()


def _close(app: FastAPI) -> None:
    """Stop the app's job worker (waiting for its process) and close its database."""
    app.state.worker.shutdown(wait=True, cancel_futures=True)
    app.state.sessions.kw["bind"].dispose()


def _schema() -> Any:
    """The app's OpenAPI schema, read from an app on a throwaway database (neither served nor
    started; cases go to ``seeded``'s app). Loaded at import because schemathesis' lazy
    ``from_fixture`` fails on pytest 9 (it sets ``Function._nodeid``, which is gone)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'schema.db'}")
        try:
            return schemathesis.openapi.from_dict(app.openapi())
        finally:
            _close(app)


schema = _schema()
REAL_IDS: dict[str, int] = {}  # path parameter -> a row of the signed-in member's (set by seeded)


@schema.hook
def flatmap_path_parameters(_context: Any, parameters: dict[str, Any] | None) -> Any:
    """Half the time, a generated id is replaced by a real row's."""
    real = {name: REAL_IDS[name] for name in parameters or {} if name in REAL_IDS}
    return st.sampled_from([parameters, {**(parameters or {}), **real}]) if real else st.just(parameters)


def _well_formed(label: str) -> st.SearchStrategy[Any] | None:
    """Bodies past validation, which random text seldom is: a new member, the real login
    (never a wrong password for our member, so the login limit never locks it), the bakery."""
    if label == "POST /members":
        return st.fixed_dictionaries({"email": st.emails(), "password": st.text(min_size=12)})
    if label == "POST /tokens":
        return st.just({"email": EMAIL, "password": PASSWORD})
    if label == "POST /economies":
        return st.fixed_dictionaries({"bundle": st.just(zipped(BAKERY)),
                                      "name": st.text(max_size=200)})
    return _well_formed_act(label)


def _well_formed_act(label: str) -> st.SearchStrategy[Any] | None:
    """Acts of the democratic layer shaped as the rules expect, so that the rules (not only the
    schema) meet generated values: ballots' options and contents, quotas, payments."""
    names = st.text(max_size=5)
    finite = st.floats(allow_nan=False, allow_infinity=False)  # JSON has no infinity
    numbers = st.one_of(st.integers(), finite, st.booleans(), st.none(), names)
    if label == "POST /councils/{council_id}/ballots":
        options = st.fixed_dictionaries({}, optional={
            "candidates": st.lists(names, max_size=4), "offices": st.lists(st.integers(), max_size=3),
            "products": st.lists(names, max_size=4), "economy": numbers,
            "projects": st.dictionaries(names, numbers, max_size=3), "budget": numbers,
            "plans": st.lists(st.integers(), max_size=3)})
        return st.fixed_dictionaries({
            "kind": st.sampled_from(["election", "shares", "priorities", "budget", "plan"]),
            "question": st.just("Which?"), "options": options,
            "office": st.one_of(st.none(), st.just(REAL_IDS.get("office_id", 1)),
                                st.integers(1, 2**31 - 1))})
    if label == "POST /ballots/{ballot_id}/votes":
        shares = st.fixed_dictionaries({}, optional={c: numbers for c in ("consumption", "investment",
                                                                          "public services")})
        return st.fixed_dictionaries({"content": st.one_of(
            shares, st.lists(st.one_of(names, st.integers()), max_size=4), st.dictionaries(names, numbers),
            st.sampled_from(["remove", "keep"]), numbers)})
    if label == "POST /councils/{council_id}/draws":
        quota = st.fixed_dictionaries({"feature": names, "value": names, "min": numbers, "max": numbers})
        return st.fixed_dictionaries({"offices": st.lists(st.integers(1, 4), min_size=1, max_size=3),
                                      "quotas": st.lists(quota, max_size=2)})
    if label == "POST /offices/{office_id}/payments":
        return st.fixed_dictionaries({"hours": st.floats(min_value=1e-300, max_value=1e6),
                                      "amount": st.floats(min_value=0, max_value=1e9)})
    return None


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Now and then, a generated body is replaced by a well-formed one."""
    well_formed = _well_formed(context.operation.label) if context.operation else None
    return st.just(body) if well_formed is None else st.one_of(st.just(body), well_formed)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    """A fresh app for each operation (schemathesis' pytest plugin ends an ASGI app's lifespan
    with each test, and a stopped app is not started again), on a fresh SQLite file, started by
    schemathesis' own ASGI client; afterwards stopped, its worker's process joined, its engine
    closed."""
    app = create_app(f"sqlite:///{tmp_path / 'commonplan.db'}")
    try:
        with asgi.get_client(app) as client:
            headers, ids = _seed(client)
        REAL_IDS.update(ids)
        yield Seeded(app, headers, ids)
    finally:
        REAL_IDS.clear()
        asgi.shutdown_lifespans()  # the plugin does it too, after the test; here it is in order
        _close(app)
    assert not _job_processes(), "the job worker left processes running"


def every_4xx_is_a_json_error(_ctx: Any, response: schemathesis.Response, _case: Any) -> None:
    """docs/api.md: every 4xx answer is ``{"error": code, "detail": text}`` (and maybe more)."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} is not JSON: {response.text[:200]!r}") from None
    assert isinstance(body, dict), f"{response.status_code} body is not an object: {body!r}"
    assert isinstance(body.get("error"), str), f"{response.status_code} without a string error: {body}"
    assert isinstance(body.get("detail"), str), f"{response.status_code} without a string detail: {body}"
    if "field" in body:
        assert isinstance(body["field"], str), f"{response.status_code} field not a string: {body}"


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
          suppress_health_check=list(HealthCheck))
def test_no_input_is_a_server_error_and_every_4xx_is_a_json_error(case: schemathesis.Case,
                                                                   seeded: Seeded) -> None:
    """Each operation, on generated valid and invalid input, as the signed-in member."""
    case.call_and_validate(
        app=seeded.app, headers=seeded.headers,
        checks=[not_a_server_error, response_schema_conformance, every_4xx_is_a_json_error],
    )

"""``commonplan serve --workers 2`` on PostgreSQL: two server processes with nothing shared in
memory. A member cannot guess past the login limit by landing on the other process, cannot vote
twice by sending both votes at once to both, and a job runs once, whichever process took it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from commonplan.app.accounts import LOGIN_ATTEMPTS
from tests.commands import run
from tests.databases import POSTGRES
from tests.rest import PASSWORD, found, join, ok, people, sign_in, upload, wait_for

SERVE = ("from commonplan.cli.main import main; import sys; main(sys.argv[1:])",)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def served(schema, tmp_path) -> Iterator[dict[str, Any]]:
    """Two server processes on one PostgreSQL schema, and a client of them."""
    port = free_port()
    database = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen([sys.executable, "-c", *SERVE, "serve", "--workers", "2", "--port", str(port),
                               "--database", database], stdout=log, stderr=subprocess.STDOUT,
                              cwd=tmp_path, env=os.environ.copy())
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/openapi.json").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                log.seek(0)
                raise AssertionError(f"the server did not start: {log.read()}")
            yield {"client": client, "log": log}
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def started_processes(log: Any) -> int:
    log.seek(0)
    return sum("Started server process" in line for line in log)


def test_two_processes_serve_and_the_login_limit_holds_across_them(served):
    client = served["client"]
    assert started_processes(served["log"]) == 2
    sign_in(client)
    wrong = {"email": "ada@example.org", "password": "not the password"}
    with ThreadPoolExecutor(8) as pool:  # at once, so both processes take some
        answers = list(pool.map(lambda _: client.post("/tokens", json=wrong).status_code, range(20)))
    assert answers.count(401) <= LOGIN_ATTEMPTS and set(answers) <= {401, 429}
    while answers.count(401) < LOGIN_ATTEMPTS:
        answers.append(client.post("/tokens", json=wrong).status_code)
    locked = client.post("/tokens", json={"email": "ada@example.org", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_logins"


def test_one_member_one_vote_holds_across_processes(served):
    client = served["client"]
    members = people(client, 3)
    council = found(client, members[0], name="Bakery")
    join(client, council, members[1:])
    shares = ok(client.post(f"/councils/{council}/ballots", headers=members[0], json={
        "kind": "shares", "question": "Shares?"}))["id"]
    body = {"content": {"consumption": 0.5, "investment": 0.25, "public services": 0.25}}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post(f"/ballots/{shares}/votes", json=body,
                                                      headers=members[1]).status_code, range(16)))
    assert sorted(answers) == [201] + [409] * 15
    assert ok(client.get(f"/ballots/{shares}", headers=members[0]), 200)["voted"] == 1


def test_a_job_runs_once_to_one_result(served, schema):
    client = served["client"]
    headers = sign_in(client)
    economy = upload(client, headers).json()["id"]
    jobs = [ok(client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": "values"}), 202)["id"]
            for _ in range(4)]
    for job in jobs:
        finished = wait_for(client, headers, job)
        assert finished["state"] == "done", finished
    served["log"].seek(0)
    assert "Traceback" not in served["log"].read()
    engine = create_engine(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT attempts FROM jobs ORDER BY id")).scalars().all() == [1] * 4
    engine.dispose()


def test_several_processes_on_sqlite_are_refused_naming_the_option(capfd, tmp_path):
    code, _, err = run(capfd, "serve", "--workers", "2", "--database", f"sqlite:///{tmp_path / 'one.db'}")
    assert code == 2 and "--workers 2: several server processes need PostgreSQL" in err

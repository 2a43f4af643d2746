"""``commonplan serve --workers 2`` on PostgreSQL: two server processes with nothing shared in
memory. A member cannot guess past the login limit by landing on the other process, cannot vote
twice by sending both votes at once to both, and a job runs once, whichever process took it.
With ``--jobs queue``, ``commonplan worker`` processes take the jobs; one killed mid-job (with its
job's process, as a machine that fails) leaves the job to another, which brings it to its one
result."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from commonplan.app.accounts import LOGIN_ATTEMPTS
from commonplan.economy.bundle import write_bundle
from commonplan.economy.synthetic import generate
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


def start(arguments: list[str], log: Any, cwd: Any, **environment: str) -> subprocess.Popen[bytes]:
    """``commonplan ARGUMENTS`` in a session of its own (so that it and its children can be killed
    together), its output in ``log``."""
    return subprocess.Popen([sys.executable, "-c", *SERVE, *arguments], stdout=log, stderr=subprocess.STDOUT,
                            cwd=cwd, env={**os.environ, **environment}, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def serving(schema: str, tmp_path: Any, *options: str, workers: int = 0) -> Iterator[dict[str, Any]]:
    """Two server processes on one PostgreSQL schema, ``workers`` job workers, and a client."""
    port, database = free_port(), f"{POSTGRES}?options=-csearch_path%3D{schema}"
    log = (tmp_path / "serve.log").open("w+")
    lease = {"COMMONPLAN_JOB_LEASE_SECONDS": "4"}  # a killed worker's job is taken over within seconds
    server = start(["serve", "--workers", "2", "--port", str(port), "--database", database, *options],
                   log, tmp_path, **lease)
    running = [server]
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

            def spawn() -> subprocess.Popen[bytes]:
                """One more job worker."""
                running.append(start(["worker", "--database", database], log, tmp_path, **lease))
                return running[-1]

            for _ in range(workers):
                spawn()
            yield {"client": client, "log": log, "spawn": spawn, "server": server, "port": port}
    finally:
        for process in running:
            stop(process)
        log.close()


@pytest.fixture
def served(schema, tmp_path) -> Iterator[dict[str, Any]]:
    with serving(schema, tmp_path) as served:
        yield served


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


def test_a_server_process_killed_under_load_loses_no_accepted_vote(served):
    """Forty members vote at once, each sending again until answered, while one of the two server
    processes is killed (SIGKILL) midway: every vote answered 201 is counted, a vote whose answer
    was lost is found counted when sent again (409 already voted), and each member has one vote."""
    client = served["client"]
    members = people(client, 40)
    council = found(client, members[0], name="Bakery")
    join(client, council, members[1:])
    shares = ok(client.post(f"/councils/{council}/ballots", headers=members[0], json={
        "kind": "shares", "question": "Shares?"}))["id"]
    body = {"content": {"consumption": 0.5, "investment": 0.25, "public services": 0.25}}

    answered = threading.Semaphore(0)

    def vote_until_answered(headers: dict[str, str]) -> list[int]:
        answers: list[int] = []
        while not answers or answers[-1] >= 500:
            try:
                sent = client.post(f"/ballots/{shares}/votes", json=body, headers=headers)
                answers.append(sent.status_code)
            except httpx.TransportError:
                answers.append(599)  # the connection died with its process: send again
        answered.release()
        return answers

    with ThreadPoolExecutor(8) as pool:
        voting = [pool.submit(vote_until_answered, headers) for headers in members]
        for _ in range(10):  # a quarter of the votes are in
            answered.acquire()
        victim = busiest(server_processes(served["server"].pid), served["port"])
        os.kill(victim, signal.SIGKILL)
        answers = [vote.result() for vote in voting]
    assert all(sent[-1] in (201, 409) for sent in answers), answers
    assert all(sent.count(201) <= 1 for sent in answers)
    assert all(sent[-1] == 201 or 599 in sent for sent in answers)  # 409 only after a lost answer
    assert ok(client.get(f"/ballots/{shares}", headers=members[0]), 200)["voted"] == 40
    assert any(599 in sent for sent in answers)  # the kill did cut some votes' answers
    for _ in range(300):  # the supervisor replaces the killed process
        serving_now = server_processes(served["server"].pid)
        if len(serving_now) == 2 and victim not in serving_now:
            break
        time.sleep(0.1)
    assert len(serving_now) == 2 and victim not in serving_now


def busiest(processes: list[int], port: int) -> int:
    """Of ``processes``, the one holding most connections to ``port`` (of the client's pool)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
            established.add(fields[9])  # the socket's inode
    def held(process: int) -> int:
        links = (os.readlink(fd) for fd in Path(f"/proc/{process}/fd").iterdir())
        return sum(link.startswith("socket:[") and link[8:-1] in established for link in links)
    return max(processes, key=held)


def server_processes(supervisor: int) -> list[int]:
    """The server processes uvicorn's supervisor ``supervisor`` runs (its children spawned by
    multiprocessing, not its resource tracker)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return sorted(int(child) for child in children
                  if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes())


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
    assert column(schema, "attempts") == [1] * 4


def column(schema: str, name: str) -> list[Any]:
    """Every job's ``name``, in the order they were queued."""
    engine = create_engine(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})
    with engine.connect() as connection:
        values = list(connection.execute(text(f"SELECT {name} FROM jobs ORDER BY id")).scalars())
    engine.dispose()
    return values


def test_jobs_in_the_queue_run_in_the_workers_once_each(schema, tmp_path):
    with serving(schema, tmp_path, "--jobs", "queue", workers=2) as served:
        client = served["client"]
        headers = sign_in(client)
        economy = upload(client, headers).json()["id"]
        jobs = [ok(client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": kind}), 202)["id"]
                for kind in ("values", "requirements", "plan", "values")]
        assert [wait_for(client, headers, job)["state"] for job in jobs] == ["done"] * 4
    assert column(schema, "attempts") == [1] * 4


def test_a_worker_killed_mid_job_leaves_it_to_another_and_one_result(schema, tmp_path):
    """The one worker running a plan of 4,000 products is killed with its job's process (SIGKILL
    to its process group: nothing of it runs on) once a second worker has started; the job's
    lease lapses, the second worker's sweep takes the job over, and it ends done, with the plan's
    result, started twice."""
    with serving(schema, tmp_path, "--jobs", "queue") as served:
        client, first = served["client"], served["spawn"]()
        headers = sign_in(client)
        bundle = generated_zip(tmp_path / "generated", 4000)
        economy = ok(client.post("/economies", headers=headers, data={"name": "generated"}, files={
            "bundle": ("generated.zip", bundle, "application/zip")}))["id"]
        job = ok(client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": "plan"}), 202)["id"]
        for _ in range(600):
            if client.get(f"/jobs/{job}", headers=headers).json()["state"] == "running":
                break
            time.sleep(0.05)
        served["spawn"]()  # the second, idle
        os.killpg(first.pid, signal.SIGKILL)
        for _ in range(1200):
            state = client.get(f"/jobs/{job}", headers=headers).json()
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert state["state"] == "done", state
        assert "fulfilment" in ok(client.get(f"/jobs/{job}/result", headers=headers), 200)
    assert column(schema, "attempts") == [2]


def generated_zip(folder: Path, products: int) -> bytes:
    """A generated economy of ``products`` products, zipped (an upload)."""
    write_bundle(generate(products), folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def test_several_processes_on_sqlite_are_refused_naming_the_option(capfd, tmp_path):
    code, _, err = run(capfd, "serve", "--workers", "2", "--database", f"sqlite:///{tmp_path / 'one.db'}")
    assert code == 2 and "--workers 2: several server processes need PostgreSQL" in err


def test_a_misspelt_place_of_jobs_is_refused_rather_than_taken_as_inside(monkeypatch, tmp_path):
    from commonplan.server import from_environment

    monkeypatch.setenv("COMMONPLAN_DATABASE", f"sqlite:///{tmp_path / 'one.db'}")
    monkeypatch.setenv("COMMONPLAN_JOBS", "queues")
    with pytest.raises(ValueError, match="COMMONPLAN_JOBS='queues': one of inside, queue"):
        from_environment()

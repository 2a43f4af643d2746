"""Jobs in a process of their own: a job whose process dies is failed with the reason and the
server goes on (the next job runs in a new process); one whose process died while idle runs in a
new one; a stopping server leaves nothing running."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from commonplan.economy.bundle import write_bundle
from commonplan.economy.synthetic import generate
from commonplan.server import create_app
from tests.factories import BAKERY
from tests.rest import sign_in, upload, wait_for


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(f"sqlite:///{tmp_path / 'commonplan.db'}")) as client:
        yield client
    assert not multiprocessing.active_children(), "the worker left its process running"


def job_process() -> multiprocessing.process.BaseProcess:
    (process,) = multiprocessing.active_children()
    return process


def start(client: TestClient, headers: dict[str, str], economy: int, kind: str = "values") -> int:
    answer = client.post(f"/economies/{economy}/jobs", headers=headers, json={"kind": kind})
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def test_a_job_whose_process_dies_fails_with_the_reason_and_the_next_runs(client, tmp_path):
    headers = sign_in(client)
    folder = write_bundle(generate(20_000, seed=5), tmp_path / "large", format="csv")
    large = upload(client, headers, {path.name: path.read_text() for path in Path(folder).iterdir()})
    assert large.status_code == 201, large.text
    job = start(client, headers, large.json()["id"], "plan")
    for _ in range(600):  # until the plan is under way in its process
        if client.get(f"/jobs/{job}", headers=headers).json()["state"] == "running":
            break
        time.sleep(0.02)
    os.kill(job_process().pid, signal.SIGKILL)
    ended = wait_for(client, headers, job)
    assert ended["state"] == "failed" and "process ended before the job did" in ended["message"]
    bakery = upload(client, headers, BAKERY).json()["id"]
    assert wait_for(client, headers, start(client, headers, bakery))["state"] == "done"


def test_a_job_runs_in_a_new_process_when_the_last_one_died_idle(client):
    headers = sign_in(client)
    bakery = upload(client, headers, BAKERY).json()["id"]
    assert wait_for(client, headers, start(client, headers, bakery))["state"] == "done"
    idle = job_process()
    os.kill(idle.pid, signal.SIGKILL)
    idle.join(10)
    assert wait_for(client, headers, start(client, headers, bakery))["state"] == "done"

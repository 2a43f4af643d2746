"""Callers of the REST API through FastAPI's TestClient, shared by the tests of the API, the
service and the whole democratic cycle: members signed in, economies uploaded, jobs waited for,
councils founded and joined, offices, ballots voted and closed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from commonplan.execution.periods import Cadence, period_of
from commonplan.server import create_app
from commonplan.store import accounts
from commonplan.store.books import OpenBooks
from tests.clocks import MovableClock
from tests.databases import Database
from tests.factories import BAKERY, zipped

PASSWORD = "correct horse battery"

Headers = dict[str, str]


def sign_in(client: TestClient, email: str = "ada@example.org") -> Headers:
    """Register ``email`` and sign in: the bearer token's headers."""
    assert client.post("/members", json={"email": email, "password": PASSWORD}).status_code == 201
    token = client.post("/tokens", json={"email": email, "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, headers: Headers, tables: dict[str, str] = BAKERY) -> Any:
    return client.post("/economies", headers=headers, data={"name": "bakery"},
                       files={"bundle": ("bakery.zip", zipped(tables), "application/zip")})


def wait_for(client: TestClient, headers: Headers, job_id: int) -> dict[str, Any]:
    """The job once done or failed (failing after ten seconds)."""
    for _ in range(200):
        job: dict[str, Any] = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end")


# -- the democratic layer ------------------------------------------------------------------------


def democracy_client(database_url: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app on SQLite or PostgreSQL with open books of a fresh secret, passwords hashed cheaply."""
    url, options = database_url
    quick_passwords(monkeypatch)
    books = OpenBooks(os.urandom(32), clock=MovableClock())
    with TestClient(create_app(url, books=books, **options)) as client:
        yield client


def later(client: TestClient, days: float = 8) -> None:
    """Move the server's clock on by ``days`` (by default past a ballot's default closing time)."""
    client.app.state.books.clock.advance(days)  # type: ignore[attr-defined]


def quick_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests sign in many members, and no password is at stake."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def people(client: TestClient, count: int, prefix: str = "m") -> list[Headers]:
    return [sign_in(client, f"{prefix}{number}@example.org") for number in range(count)]


def size(client: TestClient) -> int:
    """How many entries the open books hold."""
    count: int = client.get("/ledger/head").json()["size"]
    return count


def ok(answer: Any, status: int = 201) -> Any:
    """The answer's JSON, failing unless its status is ``status``."""
    assert answer.status_code == status, answer.text
    return answer.json()


def pseudonym(client: TestClient, headers: Headers, council: int) -> str:
    name: str = ok(client.get(f"/councils/{council}", headers=headers), 200)["you"]
    return name


def found(client: TestClient, headers: Headers, **council: Any) -> int:
    body = {"level": "workplace", "reference_rate": 30, **council}
    number: int = ok(client.post("/councils", json=body, headers=headers))["id"]
    return number


def join(client: TestClient, council: int, members: list[Headers]) -> None:
    for number, headers in enumerate(members):
        ok(client.post(f"/councils/{council}/members", json={"public_name": f"M{number}"}, headers=headers))


def office(client: TestClient, headers: Headers, council: int, title: str, kind: str = "delegate",
           **more: Any) -> int:
    body = {"title": title, "kind": kind, **more}
    number: int = ok(client.post(f"/councils/{council}/offices", json=body, headers=headers))["id"]
    return number


def ballot(client: TestClient, headers: Headers, council: int, kind: str, options: dict[str, Any],
           office_id: int | None = None) -> int:
    body = {"kind": kind, "question": f"{kind}?", "options": options, "office": office_id}
    number: int = ok(client.post(f"/councils/{council}/ballots", json=body, headers=headers))["id"]
    return number


def vote(client: TestClient, ballot_id: int, voters: list[Headers], content: Any) -> None:
    for headers in voters:
        assert ok(client.post(f"/ballots/{ballot_id}/votes", json={"content": content}, headers=headers)) == \
            {"ballot": ballot_id, "voted": True}


def close(client: TestClient, headers: Headers, ballot_id: int, *, on_time: bool = False) -> dict[str, Any]:
    """Close the ballot (once everyone has voted, or ``on_time``: at its closing time)."""
    if on_time:
        later(client)
    closed: dict[str, Any] = ok(client.post(f"/ballots/{ballot_id}/close", headers=headers), 200)
    assert closed["state"] == "closed"
    return closed


def federation(client: TestClient, members: int, name: str = "District") -> tuple[int, list[Headers]]:
    """A district federation of ``members`` workplace councils of one member each, each member
    elected its council's delegate: the district and its delegates (who sit in it)."""
    founder = sign_in(client, f"founder-{name.lower()}@example.org")
    district = found(client, founder, name=name, level="district")
    delegates = people(client, members, f"{name.lower()}-delegate")
    for number, headers in enumerate(delegates):
        workplace = found(client, headers, name=f"Workplace {number}", parent=district)
        seat = office(client, headers, workplace, "Delegate to the district")
        me = pseudonym(client, headers, workplace)
        election = ballot(client, headers, workplace, "election", {"candidates": [me]}, seat)
        vote(client, election, [headers], [me])
        close(client, headers, election)
    return district, delegates


# -- targets of a round's adopted plan ---------------------------------------------------------


PRODUCERS = ("Bakery", "Farm")  # the workplaces of the two delegates; the Parks office has no council


def workplaces(client: TestClient, headers: Headers) -> dict[str, int]:
    """The councils by name."""
    return {council["name"]: council["id"] for council in ok(client.get("/councils", headers=headers), 200)}


def round_at_targets(client: TestClient, **options: Any) -> dict[str, Any]:
    """A district of two workplaces, the Bakery and the Farm (each council naming its producer),
    whose round on the bakery economy (opened with ``options``) adopted its one plan and
    published the targets."""
    district, delegates = federation(client, 2)
    councils = workplaces(client, delegates[0])
    for number, producer in enumerate(PRODUCERS):
        named = ok(client.put(f"/councils/{councils[f'Workplace {number}']}/producer",
                              json={"producer": producer}, headers=delegates[number]), 200)
        assert named["producer"] == producer
    economy = ok(upload(client, delegates[0], BAKERY))["id"]
    round_id = ok(client.post(f"/councils/{district}/rounds", headers=delegates[0], json={
        "economy": economy, "period": "2026", "days": {"needs": 1, "votes": 1, "variants": 1},
        **options}))["id"]
    moved_on(client, delegates[0], round_id)
    for kind, options, content in (("priorities", {"products": ["bread", "park"]}, {"bread": 1, "park": 2}),
                                   ("shares", {}, {"consumption": 0.8, "investment": 0.1,
                                                   "public services": 0.1})):
        voted = ballot(client, delegates[0], district, kind, options)
        vote(client, voted, delegates, content)
        close(client, delegates[0], voted)
        ok(client.post(f"/rounds/{round_id}/ballots", json={"ballot": voted}, headers=delegates[0]), 200)
    moved_on(client, delegates[0], round_id)
    job = ok(client.post(f"/rounds/{round_id}/variants", json={}, headers=delegates[0]), 202)["id"]
    assert wait_for(client, delegates[0], job)["state"] == "done"
    later(client, 3.5)
    plan_ballot = moved_on(client, delegates[0], round_id)["ballots"]["plan"]
    vote(client, plan_ballot, delegates, [job])
    close(client, delegates[0], plan_ballot)
    at_targets = moved_on(client, delegates[1], round_id)
    assert at_targets["step"] == "targets" and at_targets["workplaces"] == 0  # being published
    publishing = at_targets["targets_job"]["id"]
    assert wait_for(client, delegates[1], publishing)["state"] == "done"
    at_targets = ok(client.get(f"/rounds/{round_id}", headers=delegates[1]), 200)
    assert at_targets["workplaces"] == 3
    return {"district": district, "delegates": delegates, "round": round_id, "job": job,
            "bakery": councils["Workplace 0"], "farm": councils["Workplace 1"],
            "plan_sha256": at_targets["plan_sha256"]}


def moved_on(client: TestClient, headers: Headers, round_id: int) -> dict[str, Any]:
    """The round moved to its next step."""
    return ok(client.post(f"/rounds/{round_id}/advance", headers=headers), 200)


def round_in_execution(client: TestClient, **options: Any) -> dict[str, Any]:
    """The round of ``round_at_targets`` in execution, both delegates (each the one member of
    their workplace council) given the role of workplace reporter by the server's operator."""
    world = round_at_targets(client, **options)
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        for number in range(2):
            accounts.set_role(session, f"district-delegate{number}@example.org", "workplace reporter")
    world["execution"] = moved_on(client, world["delegates"][0], world["round"])
    assert world["execution"]["step"] == "execution"
    return world


# -- revisions of a round's rest -----------------------------------------------------------------


def week(world: dict[str, Any], weeks: int) -> str:
    since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
    return period_of(since + timedelta(weeks=weeks), Cadence.WEEK).label


def targets(client: TestClient, world: dict[str, Any], producer: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(client.get(f"/rounds/{world['round']}/targets/{producer}",
                                          headers=world["delegates"][0]), 200)
    return found


def periods(client: TestClient, world: dict[str, Any]) -> int:
    [bread] = ok(client.get(f"/rounds/{world['round']}/reports/forecast", params={"producer": "Bakery"},
                            headers=world["delegates"][0]), 200)
    return int(bread["periods"])


def report_weeks(client: TestClient, world: dict[str, Any], weeks: int, bread: float = 1.0,
                 grain: float = 1.0) -> None:
    """Both workplaces report ``weeks`` weeks as planned, the Bakery making ``bread`` of its
    planned loaves and the Farm ``grain`` of its planned output; the clock moves a week on after
    each."""
    n = periods(client, world)
    planned = {producer: targets(client, world, producer) for producer in ("Bakery", "Farm")}
    for number in range(weeks):
        for producer, council, headers in (("Bakery", world["bakery"], world["delegates"][0]),
                                           ("Farm", world["farm"], world["delegates"][1])):
            share = bread if producer == "Bakery" else grain
            body = {"council": council, "period": week(world, number),
                    "outputs": [{"product": o["product"], "quantity": o["quantity"] / n * share}
                                for o in planned[producer]["outputs"]],
                    "inputs": [{"product": i["product"], "quantity": i["quantity"] / n}
                               for i in (*planned[producer]["inputs"], *planned[producer]["resources"])],
                    "labour": [{"product": i["product"], "quantity": i["quantity"] / n}
                               for i in planned[producer]["labour"]]}
            ok(client.post(f"/rounds/{world['round']}/reports", headers=headers, json=body), 201)
        client.app.state.books.clock.advance(7)  # type: ignore[attr-defined]
    client.app.state.books.clock.advance(2)  # type: ignore[attr-defined]


def decided(client: TestClient, headers: Headers, world: dict[str, Any], number: int) -> dict[str, Any]:
    """The revision once its job has ended and it was decided (failing after 20 seconds)."""
    for _ in range(400):
        found: dict[str, Any] = ok(client.get(f"/rounds/{world['round']}/revisions/{number}",
                                              headers=headers), 200)
        if found["state"] != "computing":
            return found
        time.sleep(0.05)
    raise AssertionError(f"revision {number} was not decided")


# -- reports of a round in execution ------------------------------------------------------------

BREAD = {"outputs": [{"product": "bread", "quantity": 14}],
         "inputs": [{"product": "wheat", "quantity": 7}],
         "labour": [{"product": "labour", "quantity": 2.8}],
         "stocks": [{"product": "wheat", "quantity": 0.5}]}


def loaves(count: float) -> dict[str, Any]:
    """The week's figures with ``count`` loaves made."""
    return {**BREAD, "outputs": [{"product": "bread", "quantity": count}]}


def this_week(world: dict[str, Any], weeks: int = 0) -> str:
    """The label of the week execution began in (``weeks`` later)."""
    since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
    return period_of(since + timedelta(weeks=weeks), Cadence.WEEK).label


def report(client: TestClient, headers: Headers, world: dict[str, Any], council: int | None = None,
           status: int = 201, period: str | None = None, **sections: Any) -> Any:
    body = {"council": council or world["bakery"], "period": period or this_week(world),
            **(sections or BREAD)}
    return ok(client.post(f"/rounds/{world['round']}/reports", headers=headers, json=body), status)


def short_bakery(client: TestClient) -> dict[str, Any]:
    """The round in execution, the Bakery on plan for four weeks then a third short for four."""
    world = round_in_execution(client)
    baker = world["delegates"][0]
    [target] = ok(client.get(f"/rounds/{world['round']}/reports/forecast", params={"producer": "Bakery"},
                             headers=baker), 200)
    on_plan = target["target"] / target["periods"]
    for week in range(8):
        report(client, baker, world, period=this_week(world, week),
               **loaves(on_plan * (1 if week < 4 else 0.66)))
        client.app.state.books.clock.advance(7)  # type: ignore[attr-defined]
    return {**world, "on_plan": on_plan, "weeks": target["periods"]}


@contextmanager
def served_round_in_execution(folder: Path, monkeypatch: pytest.MonkeyPatch,
                              **options: Any) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The app on a SQLite file in ``folder``, served on loopback (a client of it may run
    commands against ``world["server"]``), with the round of ``round_in_execution`` (opened with
    ``options``); the app and the world, which has the server's address, the week execution
    began in, and the delegates' bearer tokens."""
    from tests.browsers import serving

    quick_passwords(monkeypatch)
    app = create_app(f"sqlite:///{folder / 'commonplan.db'}",
                     books=OpenBooks(os.urandom(32), clock=MovableClock()))
    with serving(app) as address:
        world = round_in_execution(TestClient(app), **options)
        since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
        world |= {"server": address, "week": period_of(since, Cadence.WEEK).label,
                  "tokens": [h["Authorization"].removeprefix("Bearer ") for h in world["delegates"]]}
        yield app, world

"""A priorities ballot by group over REST: opened on the groups of an uploaded economy's needs
(names and quantities from its bundle), voted group by group, counted into tiers per group and
per product, and planned with those tiers."""

from __future__ import annotations

from typing import Any

import pytest

from commonplan.store.models import Job
from tests.factories import BAKERY, GROUPED_BAKERY
from tests.rest import (
    ballot,
    close,
    democracy_client,
    found,
    join,
    ok,
    people,
    sign_in,
    size,
    upload,
    vote,
    wait_for,
)


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


@pytest.fixture
def bakery(client) -> dict[str, Any]:
    """A council of three members, the first of whom uploaded the bakery with product groups."""
    members = people(client, 3)
    council = found(client, members[0], name="Bakery")
    join(client, council, members[1:])
    economy = ok(upload(client, members[0], GROUPED_BAKERY))["id"]
    return {"members": members, "council": council, "economy": economy}


def opened(client, bakery: dict[str, Any], options: dict[str, Any]) -> Any:
    return client.post(f"/councils/{bakery['council']}/ballots", headers=bakery["members"][0],
                       json={"kind": "priorities", "question": "Which needs first?", "options": options})


def test_a_ballot_by_group_lists_the_economy_s_groups_with_their_needs_and_plans_the_expanded_tiers(
        client, bakery):
    members, economy = bakery["members"], bakery["economy"]
    number = ballot(client, members[0], bakery["council"], "priorities", {"groups": True, "economy": economy})
    options = ok(client.get(f"/ballots/{number}", headers=members[1]), 200)["options"]
    assert options["groups"] == [
        {"name": "Food", "products": ["bread", "wheat"], "quantity": None, "unit": None},
        {"name": "Parks and gardens", "products": ["park"], "quantity": 100.0, "unit": "visit"}]
    vote(client, number, members[:2], {"Food": 3, "Parks and gardens": 1})
    vote(client, number, members[2:], {"Food": 1})
    result = close(client, members[0], number)["result"]
    assert result == {"group_tiers": {"Food": 3, "Parks and gardens": 1},  # Food: 1, 3, 3
                      "tiers": {"bread": 3, "wheat": 3, "park": 1}, "ballots": 3}

    started = ok(client.post(f"/economies/{economy}/jobs", headers=members[0],
                             json={"kind": "plan", "priorities_ballot": number}), 202)
    job = wait_for(client, members[0], started["id"])
    assert job["state"] == "done", job
    with client.app.state.sessions() as db:
        assert db.get(Job, job["id"]).options["tiers"] == {"bread": 3, "wheat": 3, "park": 1}
    plan = ok(client.get(f"/jobs/{job['id']}/result", headers=members[0]), 200)
    assert set(plan["fulfilment"]) == {"1", "3"}  # the voted tiers, not the table's (1 and 2)


def test_some_groups_by_name_and_an_unknown_group_refused_naming_it(client, bakery):
    members, economy = bakery["members"], bakery["economy"]
    number = ballot(client, members[0], bakery["council"], "priorities",
                    {"groups": ["Parks and gardens"], "products": ["bread"], "economy": economy})
    assert [g["name"] for g in ok(client.get(f"/ballots/{number}", headers=members[0]), 200)
            ["options"]["groups"]] == ["Parks and gardens"]
    before = size(client)
    answer = opened(client, bakery, {"groups": ["Food", "Toys"], "economy": economy})
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_ballot")
    assert "'Toys' is not a group" in answer.json()["detail"]
    answer = client.post(f"/ballots/{number}/votes", headers=members[1], json={"content": {"Toys": 1}})
    assert answer.status_code == 422 and "'Toys' is not a group or product" in answer.json()["detail"]
    assert size(client) == before


def test_groups_need_an_economy_one_may_read_whose_needs_are_grouped(client, bakery):
    before = size(client)
    stranger = sign_in(client, "stranger@example.org")
    theirs = ok(upload(client, stranger, GROUPED_BAKERY))["id"]
    ungrouped = ok(upload(client, bakery["members"][0], BAKERY))["id"]
    for options, status, said in (
            ({"groups": True}, 422, "name it"),
            ({"groups": True, "economy": theirs}, 404, f"no economy {theirs}"),
            ({"groups": True, "economy": ungrouped}, 422, "in no product group")):
        answer = opened(client, bakery, options)
        assert answer.status_code == status and said in answer.json()["detail"], answer.text
    assert size(client) == before

"""Alerts over REST on SQLite and PostgreSQL: a shortfall reported raises an alert listed with
product, workplace and councils named and its consequences; only a member of the council holding
it acknowledges and acts; unanswered, it climbs to the federation on time without anyone acting,
and the federation's members answer it there."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonplan.execution.periods import Cadence, period_of
from tests.factories import BAKERY
from tests.rest import democracy_client, federation, ok, round_in_execution, sign_in, upload
from tests.rest import size as books_size


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


def short_weeks(client: TestClient, world: dict[str, Any], weeks: int = 6) -> None:
    """The Bakery reports a third of its bread for ``weeks`` weeks."""
    baker = world["delegates"][0]
    since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
    forecasts = ok(client.get(f"/rounds/{world['round']}/reports/forecast", params={"producer": "Bakery"},
                              headers=baker), 200)
    on_plan = forecasts[0]["target"] / forecasts[0]["periods"]
    for week in range(weeks):
        ok(client.post(f"/rounds/{world['round']}/reports", headers=baker, json={
            "council": world["bakery"],
            "period": period_of(since + timedelta(weeks=week), Cadence.WEEK).label,
            "outputs": [{"product": "bread", "quantity": on_plan / 3}],
            "labour": [{"product": "labour", "quantity": 1}]}))
        client.app.state.books.clock.advance(7)  # type: ignore[attr-defined]


def alerts(client: TestClient, world: dict[str, Any]) -> list[dict[str, Any]]:
    return ok(client.get(f"/rounds/{world['round']}/alerts", headers=world["delegates"][0]), 200)


def test_a_shortfall_raises_an_alert_that_only_the_council_holding_it_answers(client):
    world = round_in_execution(client, alert_hours=2160)
    baker, farmer = world["delegates"]
    short_weeks(client, world)
    [alert] = alerts(client, world)
    assert (alert["name"], alert["producer"], alert["direction"], alert["state"]) == (
        "Bread", "Bakery", "below", "raised")
    assert alert["council"] == alert["holder"] == {"id": world["bakery"], "name": "Workplace 0"}
    first = alert["consequences"]["tiers"][0]
    assert first["priority"] == alert["rank"]["tier"] and first["hours_at_risk"] > 0
    assert first["products"][0]["name"] == "Bread"
    # the needs the round voted: all its bread in priority 1 (the bundle puts 5 of 15 loaves in 2)
    assert [tier["priority"] for tier in alert["consequences"]["tiers"] if tier["hours_at_risk"] > 0] == [1]
    url = f"/alerts/{alert['id']}"
    before = books_size(client)
    assert ok(client.post(f"{url}/acknowledge", headers=farmer), 403)["error"] == "not_a_member"
    stranger = sign_in(client, "stranger@example.org")
    refused = ok(client.post(f"{url}/act", json={"note": "fixed"}, headers=stranger), 403)
    assert refused["error"] == "not_a_member"
    refused = ok(client.post(f"{url}/act", json={"note": "x" * 2001}, headers=baker), 422)
    assert refused["error"] == "invalid_request"
    assert books_size(client) == before
    acknowledged = ok(client.post(f"{url}/acknowledge", headers=baker), 200)
    assert acknowledged["state"] == "acknowledged"
    assert ok(client.post(f"{url}/acknowledge", headers=baker), 403)["error"] == "not_eligible"
    acted = ok(client.post(f"{url}/act", json={"note": "the oven is mended"}, headers=baker), 200)
    assert acted["state"] == "acted" and not acted["open"]
    assert [step["kind"] for step in acted["history"]] == ["raised", "acknowledged", "acted"]
    assert acted["history"][-1]["note"] == "the oven is mended"
    assert ok(client.get("/alerts/999999", headers=baker), 404)["error"] == "not_found"


def test_an_alert_nobody_answers_climbs_to_the_federation_whose_members_answer_it(client):
    world = round_in_execution(client, alert_hours=24)
    baker, farmer = world["delegates"]
    short_weeks(client, world)  # a week between reports: each alert climbs before the next report
    [alert] = alerts(client, world)
    assert alert["holder"]["id"] == world["district"] and alert["steps"] == 1
    assert alert["overdue"]  # the district is the top: nobody above
    held = ok(client.get(f"/councils/{world['district']}/alerts", headers=farmer), 200)
    assert [each["id"] for each in held] == [alert["id"]]
    assert ok(client.get(f"/councils/{world['bakery']}/alerts", headers=farmer), 200) == []
    url = f"/alerts/{alert['id']}"
    assert ok(client.post(f"{url}/acknowledge", headers=baker), 200)["state"] == "acknowledged"  # a delegate
    shown = ok(client.get(url, headers=farmer), 200)
    [_raised, climbed, acknowledged] = shown["history"]
    assert (climbed["kind"], climbed["from"], climbed["council"]["id"]) == (
        "escalated", world["bakery"], world["district"])
    assert climbed["deadline_passed"] is not None and acknowledged["council"]["id"] == world["district"]


def test_a_rounds_alert_period_is_bounded(client):
    district, delegates = federation(client, 1, name="Region")
    economy = ok(upload(client, delegates[0], BAKERY))["id"]
    for hours in (0, 2161, 1.5):
        refused = ok(client.post(f"/councils/{district}/rounds", headers=delegates[0], json={
            "economy": economy, "period": "2026", "alert_hours": hours}), 422)
        assert refused["error"] == "invalid_request"

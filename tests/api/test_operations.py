"""The operations room over REST and on its pages, on SQLite and PostgreSQL: a round in
execution seen workplace by workplace (the gravest target, the alarms, the reports missing) and
one workplace's targets with their course, period by period, by name."""

from __future__ import annotations

import numpy as np
import pytest

from commonplan.app.operations import course
from tests.rest import democracy_client, ok, short_bakery, this_week


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


@pytest.fixture
def world(client):
    return short_bakery(client)


def test_the_federations_room_names_each_workplaces_gravest_target_and_alarms(client, world):
    reader = world["delegates"][1]
    rows = ok(client.get(f"/rounds/{world['round']}/operations", headers=reader), 200)
    bakery = next(row for row in rows if row["producer"] == "Bakery")
    assert bakery["council"]["name"] and bakery["targets"] == 1 and bakery["alarms_below"] == 1
    assert bakery["gravest"]["name"] == "Bread" and bakery["gravest"]["fulfilment"] < 0.9
    assert bakery["reported"] == 8 and bakery["missing"] == 0
    farm = next(row for row in rows if row["producer"] == "Farm")
    assert farm["missing"] == farm["due"] > 0 and farm["alarms_below"] == 0  # no report: no alarm
    assert bakery["open_alerts"] >= 1 and farm["open_alerts"] == 0


def test_a_workplaces_room_draws_each_target_made_against_plan_and_the_forecast(client, world):
    reader = world["delegates"][1]
    room = ok(client.get(f"/rounds/{world['round']}/operations/workplace", params={"producer": "Bakery"},
                         headers=reader), 200)
    [bread] = room["courses"]
    assert len(bread["labels"]) == world["weeks"] and bread["labels"][0] == this_week(world)
    assert bread["made"][7] == pytest.approx(world["on_plan"] * (4 + 4 * 0.66))
    assert bread["made"][8] is None and bread["planned"][-1] == pytest.approx(room["targets"][0]["target"])
    assert bread["forecast"][7] == bread["made"][7]
    assert bread["low"][-1] <= bread["forecast"][-1] <= bread["high"][-1]
    [alert, *_] = room["alerts"]
    assert (alert["name"], alert["direction"]) == ("Bread", "below")
    history = [entry["made"] for entry in room["targets"][0]["history"]]
    assert history[:2] == pytest.approx([world["on_plan"]] * 2)
    assert ok(client.get(f"/rounds/{world['round']}/operations/workplace", params={"producer": "Nobody"},
                         headers=reader), 404)["error"] == "not_found"


def test_a_course_with_nothing_reported_starts_its_forecast_at_the_end_alone():
    target = {"product": "bread", "name": "Bread", "unit": "loaves", "target": 52.0, "fulfilment": 1.0,
              "low": 0.8, "high": 1.2, "alarms": [], "history": []}
    drawn = course(target, [f"2026-W{week:02}" for week in range(1, 53)])
    assert drawn["made"] == [None] * 52 and drawn["planned"][0] == pytest.approx(1.0)
    assert drawn["forecast"][:-1] == [None] * 51 and drawn["forecast"][-1] == pytest.approx(52.0)
    assert (drawn["low"][-1], drawn["high"][-1]) == pytest.approx((41.6, 62.4))


def test_the_next_round_carries_over_the_noise_a_workplace_showed(client, world):
    """The Bakery's reports of this round teach the noise its next round's alarm starts from:
    the relative noise of its bread reports, carried over to the next round's plan."""
    from commonplan.app.reports import carried_noise, current_reports_query
    from commonplan.execution.forecast import noise_of
    from commonplan.store.models import Round

    with client.app.state.sessions() as db, db.begin():
        earlier = db.get(Round, world["round"])
        first_sd, first_df = carried_noise(db, earlier, "Bakery", [("bread", 1.0)])
        assert np.isnan(first_sd).all() and np.isnan(first_df).all()  # no earlier round: the guess
        later = Round(council_id=earlier.council_id, economy_id=earlier.economy_id, period="2027",
                      step="execution", deadlines={})
        db.add(later)
        db.flush()
        made = [report.document["outputs"][0]["quantity"]
                for report in db.scalars(current_reports_query(earlier.id, "Bakery"))]
        sd, df = carried_noise(db, later, "Bakery", [("bread", 3.0), ("cake", 2.0)])
        expected = noise_of(made, 3.0)
        assert expected is not None and (sd[0], df[0]) == pytest.approx((expected.sd, expected.df))
        assert np.isnan(sd[1]) and np.isnan(df[1])  # no cake was ever reported: the guess

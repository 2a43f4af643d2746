"""The pages of alerts on SQLite and PostgreSQL: a workplace council's page lists the alerts it
holds, gravest first, with what they put at risk; its member acknowledges and then acts on one
from there; a member of another council sees no form and is refused."""

from datetime import date, timedelta

from fastapi.testclient import TestClient

from commonplan.execution.periods import Cadence, period_of
from tests.pages import logged_in, post, text_of
from tests.rest import ok, round_in_execution


def short_weeks(app, world, weeks: int = 6) -> None:
    """The Bakery reports a third of its bread for ``weeks`` weeks."""
    client = TestClient(app)
    baker = world["delegates"][0]
    since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
    [forecast] = ok(client.get(f"/rounds/{world['round']}/reports/forecast",
                               params={"producer": "Bakery"}, headers=baker), 200)
    for week in range(weeks):
        ok(client.post(f"/rounds/{world['round']}/reports", headers=baker, json={
            "council": world["bakery"],
            "period": period_of(since + timedelta(weeks=week), Cadence.WEEK).label,
            "outputs": [{"product": "bread", "quantity": forecast["target"] / forecast["periods"] / 3}],
            "labour": [{"product": "labour", "quantity": 1}]}))
        app.state.books.clock.advance(7)


def test_the_council_page_lists_its_alerts_and_its_member_answers_them(app):
    world = round_in_execution(TestClient(app), alert_hours=2160)
    short_weeks(app, world)
    baker = logged_in(app, "district-delegate0@example.org")
    own = f"/app/councils/{world['bakery']}"
    words = text_of(baker.get(own).text)
    assert "Alerts this council holds" in words and "Bread at Workplace 0 (Bakery): below plan" in words
    assert "At risk: tier 1" in words and "Acknowledge" in words
    alert = baker.get(own).text.split('action="/app/alerts/', 1)[1].split("/", 1)[0]
    farmer = logged_in(app, "district-delegate1@example.org")
    assert "Acknowledge" not in text_of(farmer.get(own).text)
    refused = post(farmer, f"/app/alerts/{alert}/acknowledge", {"council": str(world["bakery"])},
                   f"/app/councils/{world['farm']}")
    assert refused.status_code == 403 and "is not a member of council" in text_of(refused.text)
    done = post(baker, f"/app/alerts/{alert}/acknowledge", {"council": str(world["bakery"])}, own)
    assert (done.status_code, done.headers["location"]) == (303, f"{own}#alerts")
    assert "Acknowledged; to act on by" in text_of(baker.get(own).text)
    done = post(baker, f"/app/alerts/{alert}/act", {"council": str(world["bakery"]),
                                                    "note": "the oven is mended"}, own)
    assert done.status_code == 303
    assert "Alerts this council holds" not in text_of(baker.get(own).text)
    words = text_of(farmer.get(f"/app/rounds/{world['round']}/alerts").text)
    assert "Alerts, gravest first" in words and "Bread at Workplace 0 (Bakery), below plan since" in words
    assert "tier 1:" in words and "acted" in words
    assert "Alerts, gravest first" in text_of(farmer.get(f"/app/rounds/{world['round']}").text)

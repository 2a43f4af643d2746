"""``commonplan alerts`` against a running server: the round's alerts listed gravest first, with
names and what they put at risk; a member of another council refused with exit code 2; the
council's member acknowledges and acts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from commonplan.execution.periods import Cadence, period_of
from tests.commands import check_provenance_and_warnings, one_document, run
from tests.rest import ok, served_round_in_execution


@pytest.fixture
def world(tmp_path, monkeypatch):
    with served_round_in_execution(tmp_path, monkeypatch, alert_hours=2160) as (app, world):
        client, baker = TestClient(app), world["delegates"][0]
        since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
        [forecast] = ok(client.get(f"/rounds/{world['round']}/reports/forecast",
                                   params={"producer": "Bakery"}, headers=baker), 200)
        for week in range(6):  # a third of the bread, week after week
            ok(client.post(f"/rounds/{world['round']}/reports", headers=baker, json={
                "council": world["bakery"],
                "period": period_of(since + timedelta(weeks=week), Cadence.WEEK).label,
                "outputs": [{"product": "bread", "quantity": forecast["target"] / forecast["periods"] / 3}],
                "labour": [{"product": "labour", "quantity": 1}]}))
            app.state.books.clock.advance(7)
        yield world


def test_alerts_are_listed_gravest_first_and_answered_by_the_council_holding_them(capfd, world):
    server = ("--server", world["server"])
    code, out, err = run(capfd, "alerts", "list", "--round", world["round"], *server,
                         "--token", world["tokens"][1])
    assert (code, err) == (0, "")
    assert "Bread at" in out and "Workplace" in out and "tier 1:" in out and "raised" in out
    code, out, _ = run(capfd, "alerts", "list", "--round", world["round"], *server,
                       "--token", world["tokens"][1], "--json")
    document = one_document(out)
    check_provenance_and_warnings(document, None)
    [alert] = document["alerts"]
    code, out, err = run(capfd, "alerts", "acknowledge", alert["id"], *server, "--token", world["tokens"][1])
    assert code == 2 and "not_a_member" in err
    code, out, err = run(capfd, "alerts", "acknowledge", alert["id"], *server, "--token", world["tokens"][0])
    assert (code, err) == (0, "") and "acknowledged; act on it by" in out
    code, out, err = run(capfd, "alerts", "act", alert["id"], "--note", "the oven is mended", *server,
                         "--token", world["tokens"][0])
    assert (code, err) == (0, "") and "acted on" in out
    code, out, err = run(capfd, "alerts", "act", alert["id"], "--note", "again", *server,
                         "--token", world["tokens"][0])
    assert code == 2 and "not_eligible" in err

"""Reports over REST on SQLite and PostgreSQL: while a round is in execution, a workplace's
reporters report what it made, used, worked and holds per period, as JSON or CSV; every problem
named; the same figures again change nothing, a correction replaces the report and the open books
keep both; late and missing reports are visible per workplace, with names. First what a
determined member must not do: report for another workplace, report without the role, give a
period two results, flood the books."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonplan.app import reports
from commonplan.app.acts import reports as acts
from tests.rest import (
    BREAD,
    Headers,
    democracy_client,
    loaves,
    moved_on,
    ok,
    report,
    round_at_targets,
    round_in_execution,
    sign_in,
    size,
    this_week,
)


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


def upload(client: TestClient, headers: Headers, world: dict[str, Any], content: bytes, status: int = 201,
           period: str | None = None) -> Any:
    return ok(client.post(f"/rounds/{world['round']}/reports.csv", headers=headers,
                          data={"council": str(world["bakery"]), "period": period or this_week(world)},
                          files={"file": ("bakery.csv", content, "text/csv")}), status)


def books(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while page := client.get("/ledger/entries", params={"start": len(found)}).json():
        found += page
    return found


# -- what a determined member must not do ---------------------------------------------------------


def test_a_member_of_another_workplace_cannot_report_for_this_one(client):
    world = round_in_execution(client)
    baker, farmer = world["delegates"]
    before = size(client)
    refused = report(client, farmer, world, status=403)  # a reporter, of the Farm
    assert refused["error"] == "not_a_member"
    stranger = sign_in(client, "stranger@example.org")
    assert report(client, stranger, world, status=403)["error"] == "not_a_member"
    wheat = {"outputs": [{"product": "wheat", "quantity": 1}]}
    refused = report(client, baker, world, council=world["farm"], status=403, **wheat)
    assert refused["error"] == "not_a_member"  # the baker cannot file the Farm's report either
    assert size(client) == before


def test_only_a_member_with_the_role_of_workplace_reporter_reports(client):
    world = round_at_targets(client)
    moved_on(client, world["delegates"][0], world["round"])
    world["execution"] = ok(client.get(f"/rounds/{world['round']}", headers=world["delegates"][0]), 200)
    refused = report(client, world["delegates"][0], world, status=403)  # a plain member of the Bakery
    assert refused["error"] == "forbidden"
    assert "workplace reporter" in refused["detail"]


def test_reports_are_filed_only_while_the_round_is_in_execution(client):
    world = round_at_targets(client)
    world["execution"] = {"reports": {"executing_since": date.today().isoformat()}}
    refused = report(client, world["delegates"][0], world, status=403)
    assert (refused["error"], "in execution" in refused["detail"]) == ("not_eligible", True)


def test_a_closed_round_takes_no_more_reports(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    report(client, baker, world)
    assert moved_on(client, baker, world["round"])["step"] == "closed"
    refused = report(client, baker, world, status=403, outputs=[{"product": "bread", "quantity": 15}])
    assert refused["error"] == "not_eligible"


def test_a_period_has_one_result_even_when_two_reports_of_it_come_at_once(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    answers: list[Any] = []

    def send(loaves: int) -> None:
        body = {"council": world["bakery"], "period": this_week(world),
                **BREAD, "outputs": [{"product": "bread", "quantity": loaves}]}
        answers.append(client.post(f"/rounds/{world['round']}/reports", headers=baker, json=body))

    threads = [threading.Thread(target=send, args=(loaves,)) for loaves in (10, 11, 12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [201, 201, 201]
    assert sorted(answer.json()["version"] for answer in answers) == [1, 2, 3]  # in turn, never two firsts
    current = ok(client.get(f"/rounds/{world['round']}/reports", params={"producer": "Bakery"},
                            headers=baker), 200)
    assert len(current) == 1 and current[0]["version"] == 3


def test_corrections_of_a_period_are_capped_and_uploads_bounded(client, monkeypatch):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    monkeypatch.setattr(acts, "MAX_CORRECTIONS", 2)
    for count in (10, 11, 12):
        report(client, baker, world, **loaves(count))
    refused = report(client, baker, world, status=403, **loaves(13))
    assert "corrected 2 times" in refused["detail"]
    again = report(client, baker, world, status=200, **loaves(12))
    assert (again["changed"], again["version"]) == (False, 3)  # the same figures: nothing new, not refused
    monkeypatch.setattr(reports, "MAX_REPORT_BYTES", 100)
    refused = upload(client, baker, world, b"section,product,quantity\n" + b"output,bread,1\n" * 10, 413)
    assert refused["error"] == "too_large"
    too_many = [{"product": "bread", "quantity": 1}] * 10_001
    refused = client.post(f"/rounds/{world['round']}/reports", headers=baker, json={
        "council": world["bakery"], "period": this_week(world), "outputs": too_many})
    assert refused.status_code in (413, 422)


# -- reports checked like bundles -----------------------------------------------------------------


def test_every_problem_of_a_csv_report_is_named_by_row_and_column(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    before = size(client)
    content = (b"section,product,quantity\n"
               b"output,bread,-3\n"          # 2: negative
               b"output,cake,1\n"            # 3: unknown product
               b"output,wheat,1\n"           # 4: no output target of the Bakery
               b"input,labour,2\n"           # 5: labour is reported under labour
               b"made,bread,1\n"             # 6: no such section
               b"labour,labour,lots\n"       # 7: not a number
               b"stock,wheat,1\n"
               b"stock,wheat,2\n")           # 9: twice
    refused = upload(client, baker, world, content, 422)
    assert refused["error"] == "invalid_request"
    found = {(problem["row"], problem["column"]) for problem in refused["errors"]}
    assert found == {(2, "quantity"), (3, "product"), (4, "product"), (5, "product"), (6, "section"),
                     (7, "quantity"), (9, "product")}
    assert all(problem["file"] == "bakery.csv" for problem in refused["errors"])
    messages = " ".join(problem["message"] for problem in refused["errors"])
    for said in ("must be >= 0", "unknown product 'cake'", "no output target for 'wheat'",
                 "'lots' is not a number", "reported twice"):
        assert said in messages
    refused = upload(client, baker, world, b"section,product,amount\noutput,bread,1\n", 422)
    assert {problem["column"] for problem in refused["errors"]} == {None, "amount"}
    refused = upload(client, baker, world, b"\xff\xfe", 422)
    assert "UTF-8" in refused["detail"]
    assert size(client) == before


def test_a_json_report_names_each_problem_by_section_and_position(client):
    world = round_in_execution(client)
    refused = report(client, world["delegates"][0], world, status=422,
                     outputs=[{"product": "bread", "quantity": 1}, {"product": "bread", "quantity": -1}],
                     labour=[{"product": "land", "quantity": 1}])
    assert {problem["column"] for problem in refused["errors"]} == {
        "outputs[1].quantity", "outputs[1].product", "labour[0].product"}
    refused = report(client, world["delegates"][0], world, status=422, outputs=[])
    assert "at least one line" in refused["errors"][0]["message"]
    for nul in ({"producer": "Bak\x00ery", "period": "2026-W10"},
                {"producer": "Bakery", "period": "2026-W1\x00"}):
        answer = client.get(f"/rounds/{world['round']}/reports/history", params=nul,
                            headers=world["delegates"][0])
        assert answer.status_code == 422, answer.text


def test_a_period_is_of_the_rounds_cadence_and_within_its_execution(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    since = date.fromisoformat(world["execution"]["reports"]["executing_since"])
    for period, said in ((since.isoformat(), "report every week"), ("2026-W60", "no week of the calendar"),
                         ("soon", "not a period"), (this_week(world, -2), "outside the round's execution"),
                         (this_week(world, 1), "outside the round's execution")):
        refused = report(client, baker, world, status=422, period=period)
        assert (refused["field"], said in refused["detail"]) == ("period", True), (period, refused)


def test_a_round_reported_daily_takes_days(client):
    world = round_in_execution(client, report_every="day")
    assert world["execution"]["report_every"] == "day"
    today = world["execution"]["reports"]["executing_since"]
    filed = report(client, world["delegates"][0], world, period=today)
    assert (filed["period"], filed["period_start"], filed["period_end"]) == (today, today, today)
    refused = report(client, world["delegates"][0], world, status=422, period=this_week(world))
    assert "report every day" in refused["detail"]


# -- idempotent, corrected, on the books ----------------------------------------------------------


def test_the_same_figures_again_change_nothing_and_a_correction_keeps_both_on_the_books(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    first = report(client, baker, world)
    assert (first["version"], first["changed"], first["late"], first["source"]) == (1, True, False, "api")
    assert first["outputs"] == [{"product": "bread", "name": "Bread", "unit": "loaf", "quantity": 14}]
    assert (first["council"], first["labour_hours"]) == ({"id": world["bakery"], "name": "Workplace 0"}, 2.8)
    before = size(client)
    reordered = {**BREAD, "inputs": BREAD["inputs"], "outputs": [{"product": "bread", "quantity": 14.0}]}
    again = report(client, baker, world, status=200, **reordered)
    assert (again["id"], again["changed"], size(client)) == (first["id"], False, before)
    corrected = upload(client, baker, world, b"product,section,quantity,name\nbread,output,15,Bread\n"
                                             b"wheat,input,7.5,Wheat\nlabour,labour,3,Work\n")
    assert (corrected["version"], corrected["corrections"], corrected["source"]) == (2, 1, "csv")
    assert corrected["stocks"] == []  # the correction replaces the whole report
    history = ok(client.get(f"/rounds/{world['round']}/reports/history", headers=baker,
                            params={"producer": "Bakery", "period": this_week(world)}), 200)
    assert [each["version"] for each in history["versions"]] == [1, 2]
    assert history["current"]["id"] == corrected["id"]
    entries = [entry for entry in books(client) if entry["kind"].startswith("report")]
    assert [entry["kind"] for entry in entries] == ["report filed", "report corrected"]
    assert entries[0]["act"]["sha256"] == first["sha256"]
    assert entries[1]["act"]["replaces"] == first["sha256"]
    assert entries[1]["act"]["sha256"] == corrected["sha256"]
    assert entries[1]["act"]["lines"] == {"outputs": 1, "inputs": 1, "labour": 1, "stocks": 0}
    assert entries[0]["actor"] == entries[1]["actor"]  # a pseudonym, never an email
    assert "@" not in entries[0]["actor"]


def test_an_input_outside_the_targets_is_accepted_with_a_warning(client):
    world = round_in_execution(client)
    filed = report(client, world["delegates"][0], world,
                   **{**BREAD, "inputs": [{"product": "land", "quantity": 1}]})
    assert filed["warnings"] == ["'land' is used as an input but is not among the workplace's input targets"]


# -- late and missing, visible --------------------------------------------------------------------


def test_periods_due_and_not_reported_are_listed_per_workplace_with_names(client):
    world = round_in_execution(client)
    baker, farmer = world["delegates"]
    report(client, baker, world)  # the first week, on time
    client.app.state.books.clock.advance(22)  # type: ignore[attr-defined]
    wheat = {"outputs": [{"product": "wheat", "quantity": 7}],
             "labour": [{"product": "labour", "quantity": 3.5}]}
    late = report(client, farmer, world, council=world["farm"], period=this_week(world, 1), **wheat)
    assert late["late"] is True
    missing = {row["producer"]: row for row in ok(client.get(
        f"/rounds/{world['round']}/reports/missing", headers=baker), 200)}
    assert list(missing) == ["Bakery", "Farm", "Parks office"]
    due = missing["Bakery"]["due"]
    assert due >= 3
    assert missing["Bakery"]["council"] == {"id": world["bakery"], "name": "Workplace 0"}
    assert (missing["Bakery"]["reported"], missing["Bakery"]["missing"]) == (1, due - 1)
    assert this_week(world, 1) in missing["Bakery"]["missing_periods"]
    assert this_week(world) not in missing["Bakery"]["missing_periods"]
    assert (missing["Farm"]["late"], missing["Farm"]["missing"]) == (1, due - 1)
    assert this_week(world) in missing["Farm"]["missing_periods"]
    assert missing["Parks office"]["council"] is None  # nobody can report for it: visibly so
    assert missing["Parks office"]["missing"] == due
    summary = ok(client.get(f"/rounds/{world['round']}", headers=baker), 200)["reports"]
    assert (summary["due_periods"], summary["reports_filed"], summary["workplaces_missing"]) == (due, 2, 3)


# -- each target watched --------------------------------------------------------------------------


def test_each_output_target_is_forecast_from_the_reports_and_a_shortfall_raises_an_alarm(client):
    world = round_in_execution(client)
    baker = world["delegates"][0]
    forecasts = f"/rounds/{world['round']}/reports/forecast"
    [before] = ok(client.get(forecasts, params={"producer": "Bakery"}, headers=baker), 200)
    assert (before["name"], before["periods_reported"]) == ("Bread", 0)
    assert before["fulfilment"] == pytest.approx(1)
    weeks = before["periods"]
    on_plan = before["target"] / weeks
    for week in range(8):  # on plan for four weeks, then a third short
        made = on_plan * (1 + 0.02 * (-1) ** week) if week < 4 else on_plan * 0.66
        report(client, baker, world, period=this_week(world, week), **loaves(made))
        client.app.state.books.clock.advance(7)  # type: ignore[attr-defined]
    [after] = ok(client.get(forecasts, params={"producer": "Bakery"}, headers=baker), 200)
    assert after["periods_reported"] == 8 and after["reported"] == pytest.approx(on_plan * (4 + 4 * 0.66))
    assert after["fulfilment"] < 0.9 and after["high"] < 1  # seen with most of the year left
    assert after["alarms"] and after["alarms"][0]["below"]
    assert after["alarms"][0]["period"] in {this_week(world, week) for week in range(4, 8)}
    page = ok(client.get(f"/rounds/{world['round']}/reports/forecast", params={"producer": "Nobody"},
                         headers=baker), 404)
    assert page["error"] == "not_found"

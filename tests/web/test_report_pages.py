"""The pages of reports on SQLite and PostgreSQL: a workplace's reporter files the period's
report from its council's page (a box per product of its targets, or a CSV file), each problem
named on the refusal page; a correction shows beside what it replaced; the round's page of
reports lists, per workplace, the periods due and missing, with names."""

from datetime import date

from fastapi.testclient import TestClient

from commonplan.execution.periods import Cadence, period_of
from tests.pages import logged_in, post, text_of, token_of
from tests.rest import round_in_execution


def week_of(world) -> str:
    return period_of(date.fromisoformat(world["execution"]["reports"]["executing_since"]), Cadence.WEEK).label


def test_a_reporter_files_and_corrects_the_weeks_report_on_the_workplace_page(app):
    world = round_in_execution(TestClient(app))
    baker = logged_in(app, "district-delegate0@example.org")
    own = f"/app/councils/{world['bakery']}"
    words = text_of(baker.get(own).text)
    assert "Round" in words and "reports every week" in words and "File the report" in words
    form = {"council": str(world["bakery"]), "period": week_of(world), "q:output:bread": "14",
            "q:input:wheat": "7", "q:labour:labour": "2.8", "q:stock:wheat": ""}
    sent = post(baker, f"/app/rounds/{world['round']}/reports", form, own)
    assert (sent.status_code, sent.headers["location"]) == (303, f"{own}#reports")
    words = text_of(baker.get(own).text)
    assert f"{week_of(world)} Bread 14 loaf 2.8" in words
    refused = post(baker, f"/app/rounds/{world['round']}/reports", {**form, "q:output:bread": "-1"}, own)
    assert refused.status_code == 422
    assert "column output bread.quantity: the quantity must be >= 0, not -1" in text_of(refused.text)
    token = token_of(baker, own)
    corrected = baker.post(f"/app/rounds/{world['round']}/reports", follow_redirects=False,
                           data={"council": str(world["bakery"]), "period": week_of(world),
                                 "csrf_token": token},
                           files={"file": ("week.csv", b"section,product,quantity\noutput,bread,15\n"
                                                       b"labour,labour,3\n", "text/csv")})
    assert corrected.status_code == 303, corrected.text
    history = text_of(baker.get(f"/app/rounds/{world['round']}/reports/history",
                                params={"producer": "Bakery", "period": week_of(world)}).text)
    assert "The report that counts: version 2" in history and "made Bread 15 loaf" in history
    assert "Replaced: version 1" in history and "made Bread 14 loaf" in history


def test_another_workplaces_reporter_sees_no_form_and_is_refused(app):
    world = round_in_execution(TestClient(app))
    farmer = logged_in(app, "district-delegate1@example.org")
    bakery = f"/app/councils/{world['bakery']}"
    assert "File the report" not in text_of(farmer.get(bakery).text)
    farm = f"/app/councils/{world['farm']}"
    refused = post(farmer, f"/app/rounds/{world['round']}/reports",
                   {"council": str(world["bakery"]), "period": week_of(world), "q:output:bread": "1"}, farm)
    assert refused.status_code == 403 and "is not a member of council" in text_of(refused.text)


def test_the_rounds_page_of_reports_lists_what_is_due_and_missing_by_workplace(app):
    world = round_in_execution(TestClient(app))
    app.state.books.clock.advance(15)
    baker = logged_in(app, "district-delegate0@example.org")
    words = text_of(baker.get(f"/app/rounds/{world['round']}").text)
    assert "Reports due and missing, by workplace" in words and "3 workplaces missing a report due" in words
    words = text_of(baker.get(f"/app/rounds/{world['round']}/reports").text)
    assert "Bakery Workplace 0" in words and "Farm Workplace 1" in words
    assert "Parks office none: nobody can report for it" in words
    assert week_of(world) in words

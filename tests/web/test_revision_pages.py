"""The round's page shows its revisions: each beside the plan it revises, by priority and by
product name with why, and a federation member asks for one from the page."""

from fastapi.testclient import TestClient

from tests.pages import logged_in, post, text_of
from tests.rest import decided, report_weeks, round_in_execution, wait_for


def test_a_delegate_asks_for_a_revision_and_the_page_shows_it_beside_the_plan_revised(app):
    client = TestClient(app)
    world = round_in_execution(client)
    report_weeks(client, world, 2, bread=0.5)
    baker = logged_in(app, "district-delegate0@example.org")
    page = f"/app/rounds/{world['round']}"
    assert "No revision yet" in text_of(baker.get(page).text)
    sent = post(baker, f"{page}/revisions", {}, page)
    assert (sent.status_code, sent.headers["location"]) == (303, f"{page}#revisions")
    decided(client, world["delegates"][0], world, 1)
    words = text_of(baker.get(page).text)
    assert "Revision 1: voting" in words and "put to the federation's vote" in words
    assert "Fulfilment in the periods left, by priority" in words
    assert "Bread" in words and "capacity of bake" in words
    assert "Revise the rest of the period" not in words or "voting" in words


def test_a_delegate_learns_the_economy_for_the_next_round_from_the_page(app):
    client = TestClient(app)
    world = round_in_execution(client)
    report_weeks(client, world, 2, bread=0.5)
    farmer = logged_in(app, "district-delegate1@example.org")
    page = f"/app/rounds/{world['round']}"
    assert "Not learned yet" in text_of(farmer.get(page).text)
    sent = post(farmer, f"{page}/learned-economy", {}, page)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/app/jobs/")
    job = int(sent.headers["location"].rsplit("/", 1)[1])
    assert wait_for(client, world["delegates"][1], job)["state"] == "done"
    words = text_of(farmer.get(page).text)
    assert f"learned from round {world['round']}" in words and "capacity of bake at Bakery" in words

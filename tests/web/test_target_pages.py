"""The pages of targets on SQLite and PostgreSQL: a workplace council's page shows its targets
with names and figures rounded for people, and a CSV link with exact ones; its members name its
producer and dispute a target there; the round's list of workplaces shows every workplace and
the open disputes, which the federation answers there. Anyone signed in reads them (targets are
public, as the open books are), but only the council's members see the forms."""

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.pages import browser, logged_in, post, signed_in, text_of
from tests.rest import ok, round_at_targets


def test_a_workplace_page_shows_its_targets_by_name_rounded_with_exact_figures_in_the_csv(app):
    world = round_at_targets(TestClient(app))
    baker = logged_in(app, "district-delegate0@example.org")
    page = baker.get(f"/app/councils/{world['bakery']}")
    words = text_of(page.text)
    assert "This workplace is the producer Bakery" in words
    assert "What to make" in words and "Bread 15 loaf bake" in words
    assert "Wheat 7.5 kg Farm (7.5)" in words
    assert "The labour you may use: 3 hours in all" in words and "Work 3" in words
    assert words.count("Dispute") >= 3  # one form per target: bread, wheat, work
    assert f'href="/app/councils/{world["bakery"]}/targets.csv"' in page.text
    download = baker.get(f"/app/councils/{world['bakery']}/targets.csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    exact = ok(TestClient(app).get(f"/rounds/{world['round']}/targets/Bakery",
                                   headers=world["delegates"][0]), 200)
    assert float(rows[0]["quantity"]) == exact["outputs"][0]["quantity"]

    reader = signed_in(browser(app), "reader@example.org")  # public, but no forms for a non-member
    words = text_of(reader.get(f"/app/councils/{world['bakery']}").text)
    assert "Wheat 7.5 kg Farm (7.5)" in words and "Dispute" not in words
    assert "Say which producer this workplace is" not in words


def test_a_member_disputes_a_target_on_its_page_and_the_federation_answers_on_the_rounds_list(app):
    world = round_at_targets(TestClient(app))
    baker = logged_in(app, "district-delegate0@example.org")
    own = f"/app/councils/{world['bakery']}"
    form = {"council": str(world["bakery"]), "kind": "input", "target": "wheat", "reason": "the mill is down"}
    sent = post(baker, f"/app/rounds/{world['round']}/disputes", form, own)
    assert (sent.status_code, sent.headers["location"]) == (303, f"{own}#targets")
    assert "input: Wheat the mill is down not answered yet" in text_of(baker.get(own).text)
    again = post(baker, f"/app/rounds/{world['round']}/disputes", form, own)
    assert again.status_code == 409 and "the federation answers it first" in text_of(again.text)

    farmer = logged_in(app, "district-delegate1@example.org")
    listing = f"/app/rounds/{world['round']}/targets"
    words = text_of(farmer.get(listing).text)
    assert "gives targets to 3 workplaces" in words
    assert "Bakery Workplace 0 Bread 3 1" in words  # producer, council, makes, hours, open disputes
    assert "Parks office none yet Park" in words
    assert "Workplace 0 (Bakery) input: Wheat the mill is down" in words
    dispute = re.search(r'action="/app/disputes/(\d+)/answer"', farmer.get(listing).text)
    assert dispute, "a member of the federation has the answer form"
    answered = post(farmer, f"/app/disputes/{dispute.group(1)}/answer",
                    {"answer": "the Farm sends it by road"}, listing)
    assert answered.status_code == 303
    assert "No open dispute." in text_of(farmer.get(listing).text)
    assert "the mill is down the Farm sends it by road" in text_of(baker.get(own).text)
    one = text_of(farmer.get(f"{listing}/Parks%20office").text)
    assert "Targets of Parks office" in one and "Park 100 visit tend" in one


def test_a_member_names_the_producer_from_the_page_and_a_taken_name_is_refused(app):
    world = round_at_targets(TestClient(app))
    farmer = logged_in(app, "district-delegate1@example.org")
    own = f"/app/councils/{world['farm']}"
    taken = post(farmer, f"{own}/producer", {"producer": "Bakery"}, own)
    assert taken.status_code == 409 and "is the producer 'Bakery' already" in text_of(taken.text)
    cleared = post(farmer, f"{own}/producer", {"producer": ""}, own)
    assert cleared.status_code == 303
    assert "has not said which producer" in text_of(farmer.get(own).text)


def test_the_signed_out_are_sent_to_the_login_page_from_the_targets_pages(app):
    anonymous = browser(app)
    for path in ("/app/rounds/1/targets", "/app/rounds/1/targets/Bakery", "/app/rounds/1/targets.csv",
                 "/app/councils/1/targets.csv"):
        answer = anonymous.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path

"""The operations room's pages on SQLite and PostgreSQL: the federation's, a row per workplace by
name with its gravest target and alarms, and a workplace's, a chart per target with its numbers."""

import json
import re

from fastapi.testclient import TestClient

from tests.pages import logged_in, text_of
from tests.rest import short_bakery


def test_the_rooms_show_the_short_bakery_by_name_with_its_course(app):
    world = short_bakery(TestClient(app))
    reader = logged_in(app, "district-delegate1@example.org")
    room = reader.get(f"/app/rounds/{world['round']}/operations")
    assert room.status_code == 200 and f"/app/rounds/{world['round']}/operations/Bakery" in room.text
    words = text_of(room.text)
    assert "Bakery" in words and "Bread" in words and "1 of 1" in words
    assert "The plan has not been revised." in words
    bakery = reader.get(f"/app/rounds/{world['round']}/operations/Bakery")
    assert bakery.status_code == 200 and "below plan since" in text_of(bakery.text)
    assert "below plan" in text_of(bakery.text.split('id="workplace-alerts"')[1])
    [drawn] = re.findall(r'<script type="application/json" id="course-1-data">(.*?)</script>', bakery.text)
    chart = json.loads(drawn)
    assert chart["kind"] == "course" and chart["unit"] == "loaf" and len(chart["labels"]) == world["weeks"]
    assert chart["made"][7] is not None and chart["made"][8] is None

"""Personal data stay private on the open books, as a reader of the API sees them: volunteers
state features from small sets (a gender, an age band), which an attacker tries to recover from
every published entry by hashing each candidate value, and fails; the draw replays from the
published entries alone."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from commonplan.democracy.rotation import PanelDistribution, draw_panel, opens_commitment
from commonplan.server import create_app
from tests.rest import sign_in

GENDERS = ("female", "male", "nonbinary")
AGES = ("18-29", "30-39", "40-49", "50-64", "65+")
STATED = {f"v{k}@example.org": {"gender": GENDERS[k % 3], "age": AGES[k % 5]} for k in range(6)}


@pytest.fixture
def client(database_url) -> Iterator[TestClient]:
    url, options = database_url
    with TestClient(create_app(url, **options)) as client:
        yield client


@pytest.fixture
def drawn(client) -> dict:
    """A council of six volunteers for two posts, drawn by lot (no quotas, then with quotas)."""
    founder = sign_in(client, "founder@example.org")
    council = client.post("/councils", headers=founder, json={
        "name": "Depot", "level": "workplace", "reference_rate": 30}).json()["id"]
    posts = [client.post(f"/councils/{council}/offices", headers=founder, json={
        "title": title, "kind": "post"}).json()["id"] for title in ("Scheduler", "Treasurer")]
    salts = {}
    for email, features in STATED.items():
        headers = sign_in(client, email)
        assert client.post(f"/councils/{council}/members", json={}, headers=headers).status_code == 201
        for post in posts:
            answer = client.post(f"/offices/{post}/volunteers", json={"features": features}, headers=headers)
            assert answer.status_code == 201, answer.text
            salts[(email, post)] = answer.json()
    answer = client.post(f"/councils/{council}/draws", headers=founder, json={
        "offices": posts, "quotas": [{"feature": "gender", "value": "female", "min": 0, "max": 1}]})
    assert answer.status_code == 201, answer.text
    return {"council": council, "posts": posts, "salts": salts, "founder": founder}


def published(client: TestClient) -> list[dict]:
    """Every entry of the open books, as anyone reads them (no account)."""
    found: list[dict] = []
    while page := client.get("/ledger/entries", params={"start": len(found)}).json():
        found += page
    return found


def candidate_digests(features: dict[str, str]) -> set[str]:
    """What an attacker computes of a guess: plain hashes of every usual serialisation, and
    HMACs under keys anyone could know."""
    texts = {json.dumps(features, sort_keys=True), json.dumps(features), *features.values(),
             json.dumps(features, sort_keys=True, separators=(",", ":")), ",".join(features.values())}
    digests = set()
    for text in texts:
        for make in (hashlib.sha256, hashlib.sha1, hashlib.md5, hashlib.sha512, hashlib.blake2b):
            digests.add(make(text.encode()).hexdigest())
        for key in (b"", b"commonplan", b"volunteer features"):
            digests.add(hmac.new(key, text.encode(), hashlib.sha256).hexdigest())
    return digests


def strings_in(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    else:
        yield str(value)


def test_no_published_entry_lets_a_reader_recover_a_volunteers_features_by_guessing(client, drawn):
    entries = published(client)
    volunteered = [entry for entry in entries if entry["kind"] == "volunteered"]
    assert len(volunteered) == len(STATED) * len(drawn["posts"])
    everything = set()
    for entry in entries:
        everything |= set(strings_in(entry))
        for text in list(strings_in(entry)):  # a value hidden in a longer text (a JSON document)
            if text.startswith(("{", "[")):
                everything |= set(strings_in(json.loads(text)))
    guesses = [{"gender": gender, "age": age} for gender, age in itertools.product(GENDERS, AGES)]
    recovered = [guess for guess in guesses if candidate_digests(guess) & everything]
    assert recovered == []
    # the only values of a feature on the books are the quota's, which the council set, not a member
    assert not (set(AGES) | {"male", "nonbinary"}) & everything
    # each volunteer, given their salt, proves what they stated; the salt opens no other guess
    for entry in volunteered:
        email, post = next(key for key, answer in drawn["salts"].items()
                           if answer["features_nonce"] == entry["act"]["nonce"])
        salt = bytes.fromhex(drawn["salts"][(email, post)]["features_salt"])
        opened = [guess for guess in guesses if opens_commitment(entry["act"]["features_hmac"], salt, guess)]
        assert opened == [STATED[email]]


def test_the_draw_replays_from_the_published_entries_alone(client, drawn):
    (draw,) = [entry["act"] for entry in published(client) if entry["kind"] == "lottery drawn"]
    distribution = PanelDistribution.from_json(draw["distribution"])
    panel = draw_panel(distribution, draw["seed"])
    assert list(panel) == draw["panel"] and draw["offices"] == drawn["posts"]
    assert sum(distribution.probabilities) == pytest.approx(1)
    holders = {office["id"]: office["holder"] for office in
               client.get(f"/councils/{drawn['council']}", headers=drawn["founder"]).json()["offices"]}
    assert [holders[post] for post in drawn["posts"]] == list(panel)  # the posts went to the panel drawn

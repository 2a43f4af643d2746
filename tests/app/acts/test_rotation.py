"""Rotation: administrative posts filled by a fair lottery among volunteers, the draw published
(seed and distribution) so that anyone replays it; no second term in a row; term limits."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from commonplan.app.acts.councils import create_office
from commonplan.app.acts.draw_posts import draw_posts, features_salt, volunteer
from commonplan.democracy.rotation import PanelDistribution, draw_panel, opens_commitment
from commonplan.store.models import Mandate, Office, Volunteer


@pytest.fixture
def post(world, people, council) -> Office:
    return world.act(create_office, people[0], council.id, title="Treasurer", kind="post", term_limit=2)


def test_a_volunteer_is_recorded_with_a_salted_commitment_that_only_their_salt_opens(world, people, post):
    made = world.act(volunteer, people[1], post.id, {"workplace": "bakery"})
    entry = world.last("volunteered")
    assert set(entry.act) == {"office", "nonce", "features_hmac"} and entry.act["office"] == post.id
    assert entry.actor == world.pseudonym(people[1]) and made.nonce == entry.act["nonce"]
    salt = bytes.fromhex(made.salt)
    assert salt == features_salt(world.books, entry.act["nonce"]) and len(salt) == 32
    assert opens_commitment(entry.act["features_hmac"], salt, {"workplace": "bakery"})
    assert not opens_commitment(entry.act["features_hmac"], salt, {"workplace": "mill"})
    plain = hashlib.sha256(json.dumps({"workplace": "bakery"}, sort_keys=True).encode()).hexdigest()
    assert plain not in json.dumps(entry.to_json())  # no longer the plain, reversible hash


def test_two_volunteers_stating_the_same_features_publish_unlinkable_commitments(world, people, post):
    for member in people[1:3]:
        world.act(volunteer, member, post.id, {"workplace": "bakery"})
    first, second = world.entries("volunteered")[-2:]
    assert first.act["nonce"] != second.act["nonce"]
    assert first.act["features_hmac"] != second.act["features_hmac"]


def test_volunteering_twice_for_a_delegate_seat_or_from_outside_is_refused(world, people, council, post):
    world.act(volunteer, people[1], post.id, {})
    world.refused_writing_nothing("already_signed", volunteer, people[1], post.id, {})
    seat = world.act(create_office, people[0], council.id, title="Delegate", kind="delegate")
    world.refused_writing_nothing("not_eligible", volunteer, people[1], seat.id, {})
    world.refused_writing_nothing("not_eligible", draw_posts, people[0], [seat.id], [])
    world.refused_writing_nothing("not_a_member", volunteer, world.members(1)[0], post.id, {})


def draw(world, people, posts, volunteers, quotas=(), features=None):
    for member in volunteers:
        for office in posts:
            world.act(volunteer, member, office.id, (features or {}).get(member.id, {}))
    return world.act(draw_posts, people[0], [office.id for office in posts], list(quotas))


def test_the_draw_is_published_and_replays_to_the_same_panel(world, people, post):
    published = draw(world, people, [post], people[1:4])
    entry = world.last("lottery drawn").act
    assert entry == json.loads(json.dumps(published))
    distribution = PanelDistribution.from_json(entry["distribution"])
    assert list(draw_panel(distribution, entry["seed"])) == entry["panel"]
    assert distribution.marginals() == pytest.approx({world.pseudonym(m): 1 / 3 for m in people[1:4]})
    holder = world.get(Office, post.id).holder_id
    assert world.pseudonym(next(m for m in people if m.id == holder)) == entry["panel"][0]
    assert world.rows(select(Volunteer.id)) == []  # the roll starts afresh for the next draw
    assert world.verify().ok


def test_a_draw_with_quotas_is_maximin_and_replays(world, people, council):
    posts = [world.act(create_office, people[0], council.id, title=f"Post {k}", kind="post")
             for k in range(2)]
    features = {m.id: {"shift": "night" if k % 2 else "day"} for k, m in enumerate(people)}
    quotas = [{"feature": "shift", "value": "night", "min": 1, "max": 1},
              {"feature": "shift", "value": "day", "min": 1, "max": 1}]
    published = draw(world, people, posts, people, quotas, features)
    assert published["method"] == "maximin"
    distribution = PanelDistribution.from_json(published["distribution"])
    assert tuple(draw_panel(distribution, published["seed"])) == tuple(published["panel"])
    shifts = sorted(features[world.get(Office, p.id).holder_id]["shift"] for p in posts)
    assert shifts == ["day", "night"]


def test_the_holder_is_not_eligible_for_the_next_draw(world, people, post):
    first = draw(world, people, [post], people[1:3])["panel"][0]
    second = draw(world, people, [post], people[1:3])["panel"][0]
    assert second != first
    mandates = world.rows(select(Mandate.ended_why).where(Mandate.office_id == post.id).order_by(Mandate.id))
    assert mandates == [("rotated",), ("",)]


def test_the_last_holder_alone_on_the_roll_is_refused_by_name(world, people, post):
    drawn = draw(world, people, [post], people[1:3])["panel"][0]
    holder = next(m for m in people if world.pseudonym(m) == drawn)
    world.act(volunteer, holder, post.id, {})
    refusal = world.refused_writing_nothing("term_limit", draw_posts, people[0], [post.id], [])
    assert f"{drawn} held this post in the last term" in refusal.reason


def test_a_draw_without_volunteers_has_no_candidates(world, people, post):
    world.refused_writing_nothing("no_candidates", draw_posts, people[0], [post.id], [])


def test_the_term_limit_caps_the_terms_held(world, people, council):
    post = world.act(create_office, people[0], council.id, title="Clerk", kind="post", term_limit=1)
    a, b = people[1], people[2]
    assert draw(world, people, [post], [a])["panel"] == [world.pseudonym(a)]
    assert draw(world, people, [post], [b])["panel"] == [world.pseudonym(b)]
    world.act(volunteer, a, post.id, {})  # a is not the last holder, but has served the one term allowed
    refusal = world.refused_writing_nothing("term_limit", draw_posts, people[0], [post.id], [])
    assert f"{world.pseudonym(a)} has held this post 1 times, the most allowed (1)" in refusal.reason

"""Ballot secrecy as stored: who voted apart from what was voted, contents under random slots
in no order of casting, published at the close in random order, and recountable by anyone."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import inspect, select, text

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.democracy.ballot_kinds import tally
from commonplan.store.models import Ballot, BallotContent, Participation

VOTERS = 30


@pytest.fixture
def voters(world, council):
    extra = world.members(VOTERS)
    world.enrol(council.id, extra)
    return extra


@pytest.fixture
def budget(world, people, council, voters):
    """A budget ballot where voter k approves project k alone: every content tells its caster."""
    projects = {f"p{k:02d}": 10 for k in range(VOTERS)}
    ballot = world.act(open_ballot, people[0], council.id, kind="budget", question="Which?",
                       options={"projects": projects, "budget": 100})
    for k, member in enumerate(voters):
        world.act(cast_ballot, member, ballot.id, [f"p{k:02d}"])
    return ballot


CASTING = [[f"p{k:02d}"] for k in range(VOTERS)]


def test_who_voted_and_what_share_no_column_but_the_ballot(engine):
    columns = {table: {c["name"] for c in inspect(engine).get_columns(table)}
               for table in ("participations", "ballot_contents")}
    assert columns["participations"] & columns["ballot_contents"] == {"ballot_id"}
    assert columns["ballot_contents"] == {"ballot_id", "slot", "content"}  # no time, no member


def test_sqlite_stores_the_contents_in_slot_order_not_casting_order(world, budget):
    if world.engine.dialect.name != "sqlite":
        pytest.skip("the storage order is SQLite's (a table WITHOUT ROWID)")
    with world.engine.connect() as connection:
        slots = [row[0] for row in connection.execute(text("SELECT slot FROM ballot_contents"))]
        contents = [row[0] for row in connection.execute(text("SELECT content FROM ballot_contents"))]
    assert len(slots) == VOTERS and slots == sorted(slots)
    assert [json.loads(c) for c in contents] != CASTING


def test_at_the_close_the_contents_leave_the_table_for_the_books_in_random_order(world, people, budget):
    world.later()
    world.act(close_ballot, people[0], budget.id)
    assert world.rows(select(BallotContent.slot).where(BallotContent.ballot_id == budget.id)) == []
    published = world.last("ballot closed").act
    assert sorted(published["ballots"]) == CASTING
    assert published["ballots"] != CASTING  # 1 in 30! that the shuffle leaves the casting order
    assert published["voted"] == VOTERS


def test_every_participation_is_a_signed_entry_without_content(world, people, voters, budget):
    voted = world.entries("voted")
    assert len(voted) == VOTERS == len(world.rows(select(Participation.member_id)))
    assert {e.act == {"ballot": budget.id} for e in voted} == {True}
    assert {e.actor for e in voted} == {world.pseudonym(m) for m in voters}
    assert all(e.signer == e.actor and e.on_behalf for e in voted)
    assert world.verify().ok


def test_anyone_can_recount_from_the_books_with_the_seed_committed_at_opening(world, people, budget):
    world.later()
    world.act(close_ballot, people[0], budget.id)
    opened = world.last("ballot opened").act
    closed = world.last("ballot closed").act
    assert hashlib.sha256(closed["seed"].encode()).hexdigest() == opened["seed_sha256"]
    recount = tally(opened["kind"], opened["options"], closed["ballots"], opened["seats"], closed["seed"],
                    closed["electorate"])
    assert recount == closed["result"] == world.get(Ballot, budget.id).result

"""A long count never blocks the others: closing a ballot stops its voting in one short
transaction, counts in none, and records the result in a second short one; every other act is
served meanwhile, a second close is refused while the count runs, and an interrupted count can
be started again once its lease has run out."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import Count, close_ballot, record_count, start_count
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.store.models import Ballot, BallotContent

SHARES = {"consumption": 0.5, "investment": 0.25, "public services": 0.25}


@pytest.fixture
def closable(world, people, council) -> Ballot:
    ballot = world.act(open_ballot, people[0], council.id, kind="shares", question="Shares?", options={})
    world.act(cast_ballot, people[1], ballot.id, SHARES)
    world.later()
    return ballot


def test_while_a_ballot_is_counted_every_other_act_is_served(world, people, council, closable, monkeypatch):
    started, release, closed = threading.Event(), threading.Event(), []
    count = Count.result

    def slow(self: Count) -> dict[str, Any]:
        started.set()
        assert release.wait(60)
        return count(self)

    monkeypatch.setattr(Count, "result", slow)
    closing = threading.Thread(target=lambda: closed.append(world.act(close_ballot, people[0], closable.id)))
    closing.start()
    try:
        assert started.wait(60)
        assert world.get(Ballot, closable.id).state == "counting"
        world.refused("ballot_closed", cast_ballot, people[2], closable.id, SHARES)  # the voting stopped
        refusal = world.refused("ballot_closed", close_ballot, people[3], closable.id)
        assert "being counted" in refusal.reason
        other = world.act(open_ballot, people[2], council.id, kind="shares", question="Again?", options={})
        world.act(cast_ballot, people[3], other.id, SHARES)  # written while the count runs
    finally:
        release.set()
        closing.join(60)
    assert closed and closed[0].state == "closed" and closed[0].result["ballots"] == 1
    assert world.rows(BallotContent.__table__.select().where(BallotContent.ballot_id == closable.id)) == []
    assert world.verify().ok


def test_an_interrupted_count_is_started_again_after_its_lease(world, people, closable):
    world.act(start_count, people[0], closable.id)  # the process ended before it recorded
    world.refused("ballot_closed", close_ballot, people[1], closable.id)
    world.later(days=1 / 24)  # an hour on: the lease of ten minutes has run out
    closed = world.act(close_ballot, people[1], closable.id)
    assert closed.state == "closed" and closed.result["ballots"] == 1
    assert len(world.entries("ballot closed")) == 1


def test_two_counts_of_one_ballot_never_both_record_a_result(world, people, closable):
    first = world.act(start_count, people[0], closable.id)
    world.later(days=1 / 24)
    second = world.act(start_count, people[1], closable.id)  # the first taken for interrupted
    world.act(record_count, second, second.result())
    refusal = world.refused("ballot_closed", record_count, first, first.result())
    assert "another close" in refusal.reason
    assert len(world.entries("ballot closed")) == 1

"""Many members voting at once, each thread with its own session (as the web server does), on
SQLite and PostgreSQL: every vote counted once, the books numbered without a gap or repeat."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.democracy.refusals import Refusal
from commonplan.store.models import Ballot, BallotContent, LedgerEntry, Participation

SHARES = {"consumption": 0.5, "investment": 0.25, "public services": 0.25}


def at_once(world, votes: list[tuple]) -> list[object]:
    """Cast every (member, ballot) vote from a thread of its own, all released together; what
    each returned or raised."""
    barrier = threading.Barrier(len(votes))
    outcomes: list[object] = [None] * len(votes)

    def vote(slot: int, member, ballot_id: int) -> None:
        barrier.wait()
        try:
            with world.sessions() as session, session.begin():
                cast_ballot(session, world.books, member, ballot_id, SHARES)
            outcomes[slot] = "counted"
        except Exception as error:  # everything is reported, never lost in the thread
            outcomes[slot] = error

    threads = [threading.Thread(target=vote, args=(k, member, ballot_id))
               for k, (member, ballot_id) in enumerate(votes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def ballot(world, people, council):
    return world.act(open_ballot, people[0], council.id, kind="shares", question="Shares?", options={})


def test_a_hundred_members_voting_at_once_are_each_counted_once(world, people, council, ballot):
    voters = world.members(100)
    world.enrol(council.id, voters)
    outcomes = at_once(world, [(member, ballot.id) for member in voters])
    assert outcomes == ["counted"] * 100, Counter(map(repr, outcomes)).most_common(3)
    assert len(world.rows(select(Participation.member_id).where(Participation.ballot_id == ballot.id))) == 100
    assert len(world.rows(select(BallotContent.slot).where(BallotContent.ballot_id == ballot.id))) == 100
    assert len(world.entries("voted")) == 100
    world.later()
    world.act(close_ballot, people[0], ballot.id)
    assert world.last("ballot closed").act["voted"] == 100
    assert world.get(Ballot, ballot.id).result["ballots"] == 100
    indices = [row[0] for row in world.rows(select(LedgerEntry.idx))]
    assert sorted(indices) == list(range(len(indices)))
    assert [e.index for e in world.entries()] == list(range(len(indices)))
    assert world.verify().ok


def test_the_same_member_voting_twice_at_once_is_counted_once(world, people, council):
    ballots = [world.act(open_ballot, people[0], council.id, kind="shares", question=f"Shares {k}?",
                         options={})
               for k in range(3)]
    for ballot in ballots:
        outcomes = at_once(world, [(people[1], ballot.id), (people[1], ballot.id)])
        refused = [o for o in outcomes if o != "counted"]
        assert outcomes.count("counted") == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], Refusal) and refused[0].code == "already_voted"
        query = select(Participation.member_id).where(Participation.ballot_id == ballot.id)
        assert world.rows(query) == [(people[1].id,)]
    assert world.verify().ok

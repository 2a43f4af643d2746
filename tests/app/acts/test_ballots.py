"""Ballots of every kind opened, cast and closed on the store: the result as the rules count it,
what it decides applied, and each refusal writing nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.common import utc
from commonplan.app.acts.councils import create_office
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.app.acts.set_pay import propose_pay
from commonplan.democracy.ballot_kinds import MAX_OPEN_BY_MEMBER, tally
from commonplan.store.models import Ballot, CouncilMember, Mandate, Member, Office


def run(world, people, council, kind, options, votes, office_id=None, seats_offices=None):
    """Open a ballot (by people[0]), cast ``votes`` (one per person, in order) and close it at
    its closing time."""
    if seats_offices:
        options = {**options, "offices": seats_offices}
    ballot = world.closed_ballot(council, people, kind, options, votes, office_id=office_id)
    closed = world.get(Ballot, ballot.id)
    entry = world.last("ballot closed")
    assert entry.act["voted"] == len(votes)
    recount = tally(kind, closed.options, entry.act["ballots"], closed.seats, entry.act["seed"],
                    entry.act["electorate"])
    assert json.loads(json.dumps(recount)) == closed.result == entry.act["result"]
    assert world.verify().ok
    return closed


@pytest.fixture
def delegate_seat(world, people, council) -> Office:
    return world.act(create_office, people[0], council.id, title="Delegate", kind="delegate")


def test_an_election_by_approval_fills_the_seat_and_sends_the_delegate_up(world, people, council,
                                                                          delegate_seat):
    names = [world.pseudonym(m) for m in people[:3]]
    votes = [[names[1]], [names[1], names[2]], [names[2], names[1]], [names[0]], []]
    ballot = run(world, people, council, "election", {"candidates": names}, votes, delegate_seat.id)
    assert ballot.result["method"] == "approval" and ballot.result["elected"] == [names[1]]
    assert world.get(Office, delegate_seat.id).holder_id == people[1].id
    assert world.get(CouncilMember, (council.parent_id, people[1].id)) is not None
    assert world.last("election").act["holder"] == names[1]
    query = select(Mandate.member_id, Mandate.ended_at).where(Mandate.office_id == delegate_seat.id)
    mandates = world.rows(query)
    assert mandates == [(people[1].id, None)]


def test_an_election_for_several_seats_names_distinct_offices_of_its_council(world, people, council,
                                                                             delegate_seat):
    founder = world.members(1)[0]
    other = world.council([founder])
    elsewhere = world.act(create_office, founder, other.id, title="Elsewhere", kind="post")
    names = [world.pseudonym(m) for m in people[:3]]
    for code, offices in [("invalid_ballot", [delegate_seat.id, delegate_seat.id]), ("invalid_ballot", "all"),
                          ("invalid_ballot", [elsewhere.id]), ("invalid_ballot", [delegate_seat.id, "2"]),
                          ("not_found_in_council", [delegate_seat.id, elsewhere.id])]:
        world.refused_writing_nothing(code, open_ballot, people[0], council.id, kind="election", question="?",
                                      options={"candidates": names, "offices": offices},
                                      office_id=delegate_seat.id)


def test_an_election_by_stv_fills_every_seat_it_was_opened_for(world, people, council, delegate_seat):
    second = world.act(create_office, people[0], council.id, title="Second delegate", kind="delegate")
    names = [world.pseudonym(m) for m in people[:4]]
    votes = [[names[0], names[1]], [names[0], names[2]], [names[1]], [names[1], names[0]], [names[3]]]
    ballot = run(world, people, council, "election", {"candidates": names}, votes, delegate_seat.id,
                 seats_offices=[delegate_seat.id, second.id])
    assert ballot.seats == 2 and ballot.result["method"] == "stv"
    assert sorted(ballot.result["elected"]) == sorted(names[:2])
    holders = {world.get(Office, o.id).holder_id for o in (delegate_seat, second)}
    assert holders == {people[0].id, people[1].id}


def test_the_shares_of_work_are_the_medians(world, people, council):
    votes = [{"consumption": 0.6, "investment": 0.2, "public services": 0.2},
             {"consumption": 0.5, "investment": 0.3, "public services": 0.2},
             {"consumption": 0.7, "investment": 0.1, "public services": 0.2}]
    ballot = run(world, people, council, "shares", {}, votes)
    assert ballot.result["ballots"] == 3
    expected = {"consumption": 0.6, "investment": 0.2, "public services": 0.2}
    assert ballot.result["shares"] == pytest.approx(expected)


def test_priorities_take_the_lower_median_tier(world, people, council):
    votes = [{"bread": 1, "park": 3}, {"bread": 2}, {"bread": 1, "park": 2}, {"park": 1}]
    ballot = run(world, people, council, "priorities", {"products": ["bread", "park"]}, votes)
    assert ballot.result["tiers"] == {"bread": 1, "park": 2}


def test_a_budget_is_shared_equally(world, people, council):
    votes = [["library"], ["library", "pool"], ["pool"], ["library"], ["garden"]]
    options = {"projects": {"library": 60, "pool": 50, "garden": 30}, "budget": 100}
    ballot = run(world, people, council, "budget", options, votes)
    assert "library" in ballot.result["funded"]
    assert ballot.result["spent"] <= 100


def test_a_plan_is_adopted_among_finished_plans_and_recorded(world, people, council):
    jobs = world.finished_plans(people[0], 2)
    votes = [[jobs[1]], [jobs[1], jobs[0]], [jobs[0]], [jobs[1]]]
    ballot = run(world, people, council, "plan", {"plans": jobs}, votes)
    assert ballot.result["adopted"] == jobs[1]
    adopted = world.last("plan adopted").act
    assert adopted["job"] == jobs[1] and adopted["bundle_sha256"] == "ab" * 32
    assert adopted["fulfilment"] == 0.9 and adopted["labour_hours"] == 101


def test_a_plan_ballot_needs_finished_plans(world, people, council):
    jobs = world.finished_plans(people[0], 1)
    world.refused_writing_nothing("invalid_ballot", open_ballot, people[0], council.id, kind="plan",
                                  question="?", options={"plans": [jobs[0], jobs[0] + 1000]})


@pytest.fixture
def shares_ballot(world, people, council) -> Ballot:
    return world.act(open_ballot, people[0], council.id, kind="shares", question="Shares?", options={})


SHARES = {"consumption": 0.5, "investment": 0.25, "public services": 0.25}


def test_a_second_vote_is_refused(world, people, shares_ballot):
    world.act(cast_ballot, people[1], shares_ballot.id, SHARES)
    world.refused_writing_nothing("already_voted", cast_ballot, people[1], shares_ballot.id, SHARES)


def test_a_vote_in_a_closed_ballot_is_refused(world, people, shares_ballot):
    world.act(cast_ballot, people[1], shares_ballot.id, SHARES)
    world.later()
    world.act(close_ballot, people[0], shares_ballot.id)
    world.refused_writing_nothing("ballot_closed", cast_ballot, people[2], shares_ballot.id, SHARES)
    world.refused_writing_nothing("ballot_closed", close_ballot, people[0], shares_ballot.id)


def test_an_outsider_neither_votes_nor_opens(world, council, shares_ballot):
    outsider = world.members(1)[0]
    world.refused_writing_nothing("not_a_member", cast_ballot, outsider, shares_ballot.id, SHARES)
    world.refused_writing_nothing("not_a_member", open_ballot, outsider, council.id, kind="shares",
                                  question="?", options={})


@pytest.mark.parametrize("content", [{"consumption": 1.0}, {"consumption": 0.9, "investment": 0.9,
                                                            "public services": 0.0}, "half", None])
def test_an_invalid_ballot_content_is_refused(world, people, shares_ballot, content):
    world.refused_writing_nothing("invalid_ballot", cast_ballot, people[1], shares_ballot.id, content)


def test_a_candidate_must_be_a_member(world, people, council, delegate_seat):
    outsider = world.members(1)[0]
    candidates = [world.pseudonym(people[0]), world.pseudonym(outsider)]
    refusal = world.refused_writing_nothing("not_a_member", open_ballot, people[0], council.id,
                                            kind="election", question="?",
                                            options={"candidates": candidates}, office_id=delegate_seat.id)
    assert world.pseudonym(outsider) in refusal.reason


def test_a_recall_ballot_is_not_opened_directly(world, people, council, delegate_seat):
    world.refused_writing_nothing("not_eligible", open_ballot, people[0], council.id, kind="recall",
                                  question="?", options={}, office_id=delegate_seat.id)


def test_nobody_closes_early_not_even_the_opener_until_everyone_has_voted(world, people, shares_ballot):
    for member in people[:4]:
        world.act(cast_ballot, member, shares_ballot.id, SHARES)
    for member in people:  # the opener (people[0]) included
        refusal = world.refused_writing_nothing("ballot_open", close_ballot, member, shares_ballot.id)
        assert "4 of 5" in refusal.reason
    world.act(cast_ballot, people[4], shares_ballot.id, SHARES)
    world.act(close_ballot, people[1], shares_ballot.id)  # everyone has voted: any member may
    assert world.get(Ballot, shares_ballot.id).state == "closed"


def test_a_ballot_closes_at_the_councils_voting_period_by_default(world, people, council, shares_ballot):
    assert utc(shares_ballot.closes_at) - utc(shares_ballot.opened_at) == timedelta(days=7)
    world.act(cast_ballot, people[1], shares_ballot.id, SHARES)
    world.later(days=6.9)
    world.refused_writing_nothing("ballot_open", close_ballot, people[0], shares_ballot.id)
    world.later(days=0.2)
    world.refused("ballot_closed", cast_ballot, people[2], shares_ballot.id, SHARES)  # no vote after it
    closed = world.act(close_ballot, people[3], shares_ballot.id)  # any member may close it then
    assert closed.state == "closed" and closed.result["ballots"] == 1


def test_a_council_sets_its_own_voting_period(world, people):
    council = world.council(people[:2], voting_days=2)
    ballot = world.act(open_ballot, people[0], council.id, kind="shares", question="?", options={})
    assert utc(ballot.closes_at) - utc(ballot.opened_at) == timedelta(days=2)


def test_a_ballot_with_a_later_closing_time_closes_then_and_only_then(world, people, council):
    """Before its closing time even its opener cannot close it; at that time the votes stop and
    any member may close it. The clock ticks a second a reading."""
    now = world.books.clock()
    later = now + timedelta(days=10)
    ballot = world.act(open_ballot, people[0], council.id, kind="shares", question="Shares?", options={},
                       closes_at=later)
    split = {"consumption": 0.6, "investment": 0.2, "public services": 0.2}
    world.act(cast_ballot, people[1], ballot.id, split)
    world.later(days=9)
    refused = world.refused("ballot_open", close_ballot, people[0], ballot.id)
    assert "closing time" in refused.reason
    world.later(days=1)  # the time has come
    world.refused("ballot_closed", cast_ballot, people[2], ballot.id, split)
    closed = world.act(close_ballot, people[3], ballot.id)
    assert closed.state == "closed" and closed.result["ballots"] == 1
    assert world.entries("ballot opened")[-1].act["closes_at"] == later.isoformat()


@pytest.mark.parametrize("days", [0, 6.99, 367])
def test_a_closing_time_sooner_than_the_voting_period_or_beyond_a_year_is_refused(world, people, council,
                                                                                   days):
    soon = world.books.clock() + timedelta(days=days)
    refusal = world.refused_writing_nothing("invalid_ballot", open_ballot, people[0], council.id,
                                            kind="shares", question="Soon?", options={}, closes_at=soon)
    assert soon.isoformat() in refusal.reason


def test_an_election_nobody_voted_in_elects_nobody(world, people, council, delegate_seat):
    names = [world.pseudonym(m) for m in people[:3]]
    ballot = run(world, people, council, "election", {"candidates": names}, [], delegate_seat.id)
    assert ballot.result["elected"] == [] and "nobody voted" in ballot.result["why"]
    assert world.get(Office, delegate_seat.id).holder_id is None


def test_nobody_asks_a_council_to_adopt_a_plan_they_cannot_read_themselves(world, people, council):
    jobs = world.finished_plans(people[0], 1)  # people[0]'s own plan: people[1] may not read it
    refusal = world.refused_writing_nothing("invalid_ballot", open_ballot, people[1], council.id, kind="plan",
                                            question="Adopt?", options={"plans": jobs})
    assert refusal.reason == (f"job {jobs[0]} is not a finished plan of yours or of a member of "
                              f"council {council.id}")  # as if it did not exist
    world.act(open_ballot, people[0], council.id, kind="plan", question="Adopt?", options={"plans": jobs})


def test_one_member_cannot_flood_a_council_with_ballots(world, people, council):
    for number in range(MAX_OPEN_BY_MEMBER):
        world.act(open_ballot, people[1], council.id, kind="shares", question=f"Shares {number}?", options={})
    refusal = world.refused_writing_nothing("not_eligible", open_ballot, people[1], council.id,
                                            kind="shares", question="One more?", options={})
    assert f"({MAX_OPEN_BY_MEMBER})" in refusal.reason
    office = world.act(create_office, people[0], council.id, title="Clerk", kind="post")
    world.refused_writing_nothing("not_eligible", propose_pay, people[1], office.id, 10.0)  # pay ballots too
    world.act(open_ballot, people[2], council.id, kind="shares", question="Mine?", options={})  # others may


def test_nobody_shows_a_strangers_private_plan_to_a_council_of_their_choosing(world, people, council):
    stranger = world.members(1)[0]
    jobs = world.finished_plans(stranger, 1)
    with world.sessions() as session, session.begin():
        session.get(Member, people[1].id).role = "auditor"  # who reads every plan
    auditor = world.get(Member, people[1].id)
    world.refused_writing_nothing("invalid_ballot", open_ballot, auditor, council.id, kind="plan",
                                  question="Adopt?", options={"plans": jobs})
    world.enrol(council.id, [stranger])  # once its owner is a member, the council may vote on it
    world.act(open_ballot, auditor, council.id, kind="plan", question="Adopt?", options={"plans": jobs})

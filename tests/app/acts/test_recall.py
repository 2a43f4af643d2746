"""Recall at any time: a petition reaching its threshold has the council open the recall ballot
at once, for its voting period; a majority of the votes cast removes when the quorum took part;
the seat goes to the runner-up or to a by-election (opened by the council); a recalled delegate
leaves the federation above; the highest office is recallable like any other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.common import utc
from commonplan.app.acts.councils import create_office, found_council
from commonplan.app.acts.draw_posts import draw_posts, volunteer
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.app.acts.recall_delegate import open_petition, sign_petition
from commonplan.store.models import Ballot, CouncilMember, Mandate, Office, Petition


def elect(world, people, council, office, votes, candidates=3):
    names = [world.pseudonym(m) for m in people[:candidates]]
    ballot = world.act(open_ballot, people[0], council.id, kind="election", question="Who?",
                       options={"candidates": names}, office_id=office.id)
    for member, content in zip(people, votes, strict=False):
        world.act(cast_ballot, member, ballot.id, [names[k] for k in content])
    world.later()
    world.act(close_ballot, people[0], ballot.id)
    return names


def recall(world, voters, petition, votes):
    """Vote on the petition's recall ballot, closed at its closing time by the first voter."""
    ballot = world.get(Petition, petition.id).ballot_id
    for member, content in zip(voters, votes, strict=False):
        world.act(cast_ballot, member, ballot, content)
    world.later()
    world.act(close_ballot, voters[0], ballot)
    return world.get(Ballot, ballot)


@pytest.fixture
def seat(world, people, council):
    office = world.act(create_office, people[0], council.id, title="Delegate", kind="delegate")
    elect(world, people, council, office, [[1], [1, 2], [2], [1], [0]])  # people[1] elected, people[2] next
    assert world.get(Office, office.id).holder_id == people[1].id
    return office


@pytest.mark.parametrize(("members", "threshold"), [(5, 1), (10, 2), (11, 3)])
def test_the_threshold_is_a_fifth_of_the_members_rounded_up(world, people, council, seat, members, threshold):
    world.enrol(council.id, world.members(members - len(people)))
    petition = world.act(open_petition, people[3], seat.id)
    assert world.last("petition signed").act["threshold"] == threshold
    state = world.get(Petition, petition.id).state
    assert state == ("balloting" if threshold == 1 else "open")


def test_at_the_threshold_the_recall_ballot_opens_at_once(world, people, council, seat):
    world.enrol(council.id, world.members(5))  # 10 members: 2 signatures
    petition = world.act(open_petition, people[3], seat.id)
    assert world.get(Petition, petition.id).ballot_id is None
    world.act(sign_petition, people[4], petition.id)
    ballot = world.get(Ballot, world.get(Petition, petition.id).ballot_id)
    assert ballot.kind == "recall" and ballot.state == "open"
    assert ballot.options == {"holder": world.pseudonym(people[1]), "office": seat.id, "quorum": "1/2"}
    assert ballot.opened_by is None  # opened by the council, as the rule says
    opened = world.last("ballot opened")
    assert opened.act["kind"] == "recall"
    assert opened.actor == opened.act["opened_by"] == f"council:{council.id}"
    assert utc(ballot.closes_at) - utc(ballot.opened_at) == timedelta(days=7)  # the default period
    assert opened.act["closes_at"] == utc(ballot.closes_at).isoformat()
    assert world.verify().ok


def test_signing_twice_or_from_outside_or_after_the_threshold_is_refused(world, people, council, seat):
    world.enrol(council.id, world.members(5))
    petition = world.act(open_petition, people[3], seat.id)
    world.refused_writing_nothing("already_signed", sign_petition, people[3], petition.id)
    world.refused_writing_nothing("not_a_member", sign_petition, world.members(1)[0], petition.id)
    world.act(sign_petition, people[4], petition.id)
    world.refused_writing_nothing("ballot_closed", sign_petition, people[0], petition.id)


def test_an_empty_office_has_nobody_to_recall(world, people, council):
    office = world.act(create_office, people[0], council.id, title="Delegate", kind="delegate")
    world.refused_writing_nothing("not_a_delegate", open_petition, people[0], office.id)


def test_a_majority_removes_and_a_by_election_opens(world, people, council, seat):
    petition = world.act(open_petition, people[3], seat.id)  # 5 members: one signature suffices
    ballot = recall(world, people, petition, ["remove", "remove", "keep", "remove", "keep"])
    assert ballot.result == {"remove": 3, "keep": 2, "carried": True, "voted": 5, "quorum": 3,
                             "electorate": 5, "why": "recalled: 3 voted to remove, 2 to keep, "
                                                     "5 of 5 members took part"}
    assert world.get(Office, seat.id).holder_id is None
    assert world.get(CouncilMember, (council.parent_id, people[1].id)) is None  # left the district
    ended = world.rows(select(Mandate.ended_why).where(Mandate.member_id == people[1].id))
    assert ended == [("recalled",)]
    assert world.last("recall").act["recalled"] == world.pseudonym(people[1])
    by_election = world.rows(select(Ballot).where(Ballot.kind == "election", Ballot.state == "open"))[0][0]
    assert by_election.office_id == seat.id and by_election.opened_by is None
    assert world.pseudonym(people[1]) not in by_election.options["candidates"]
    assert world.get(Petition, petition.id).state == "done"
    assert world.verify().ok


def test_a_tie_keeps_the_delegate(world, people, council, seat):
    petition = world.act(open_petition, people[3], seat.id)
    ballot = recall(world, people, petition, ["remove", "keep", "remove", "keep"])
    assert ballot.result["carried"] is False
    assert world.get(Office, seat.id).holder_id == people[1].id


def test_the_runner_up_takes_the_seat_when_the_council_so_chose(world, people):
    district = world.federation("district")
    council = world.council(people, parent_id=district.id, recall_fill="runner-up")
    office = world.act(create_office, people[0], council.id, title="Delegate", kind="delegate")
    names = elect(world, people, council, office, [[1], [1, 2], [2], [1], [0]])
    petition = world.act(open_petition, people[0], office.id)
    recall(world, people, petition, ["remove"] * 5)
    assert world.get(Office, office.id).holder_id == people[2].id
    assert world.get(CouncilMember, (district.id, people[2].id)) is not None
    assert world.get(CouncilMember, (district.id, people[1].id)) is None
    assert world.last("election").act["as"] == "runner-up after a recall"
    assert world.last("election").act["holder"] == names[2]


def test_the_highest_office_is_recallable(world):
    """The chair of the economy council, and the delegates who sit in it, are recallable."""
    economy = world.federation("economy")
    workers = world.members(4)
    places = [world.act(found_council, workers[k], name=f"w{k}", level="workplace", reference_rate=40.0,
                        parent_id=economy.id) for k in (0, 2)]
    world.enrol(places[0].id, [workers[1]])
    world.enrol(places[1].id, [workers[3]])
    seats = []
    for place, (a, b) in zip(places, [(0, 1), (2, 3)], strict=True):
        seat = world.act(create_office, workers[a], place.id, title="Delegate to the economy",
                         kind="delegate")
        elect(world, [workers[a], workers[b]], place, seat, [[0], [0]], candidates=2)
        seats.append(seat)
    delegates = [workers[0], workers[2]]
    members = {row[0] for row in world.rows(select(CouncilMember.member_id)
                                             .where(CouncilMember.council_id == economy.id))}
    assert members == {m.id for m in delegates}
    chair = world.act(create_office, delegates[0], economy.id, title="Chair of the economy", kind="post")
    for member in delegates:
        world.act(volunteer, member, chair.id, {})
    world.act(draw_posts, delegates[0], [chair.id], [])
    holder = world.get(Office, chair.id).holder_id
    petition = world.act(open_petition, delegates[1], chair.id)
    recall(world, delegates, petition, ["remove", "remove"])
    assert world.get(Office, chair.id).holder_id is None
    assert world.last("recall").act["office"] == chair.id
    assert holder in {m.id for m in delegates}
    # and the delegate of the first workplace to the economy council
    petition = world.act(open_petition, workers[1], seats[0].id)
    recall(world, [workers[1], workers[0]], petition, ["remove"])
    assert world.get(Office, seats[0].id).holder_id is None
    assert world.get(CouncilMember, (economy.id, workers[0].id)) is None
    assert world.verify().ok

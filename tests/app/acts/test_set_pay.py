"""Pay is the council's decision: a member's proposal opens a pay ballot, and only its close
sets the pay, when a majority of the votes cast says yes; no office pays more than its council's
reference rate for skilled work (a proposal above it is refused and the refusal is on the open
books), and no payment passes the rate the council voted."""

from __future__ import annotations

import pytest

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.councils import create_office
from commonplan.app.acts.set_pay import pay_holder, propose_pay
from commonplan.store.models import Office


@pytest.fixture
def office(world, people, council) -> Office:
    return world.act(create_office, people[0], council.id, title="Bookkeeper", kind="post")


def decided(world, people, ballot, votes):
    """Each of ``people`` votes the matching word of ``votes``; then the ballot closes."""
    return world.closed(ballot.id, people, votes)


def test_an_office_opens_unpaid_and_pay_given_at_creation_is_refused(world, people, council, office):
    assert world.get(Office, office.id).pay_rate == 0
    world.refused_writing_nothing("pay_by_ballot", create_office, people[0], council.id, title="Chair",
                                  kind="post", pay_rate=20.0)


@pytest.mark.parametrize("rate", [0.0, 31.5, 40.0])
def test_a_carried_pay_ballot_sets_the_pay_and_the_council_records_it(world, people, council, office, rate):
    ballot = world.act(propose_pay, people[2], office.id, rate)
    assert world.get(Office, office.id).pay_rate == 0  # a proposal changes nothing
    assert world.last("ballot opened").act["options"] == {"office": office.id, "rate": rate, "quorum": "1/2"}
    closed = decided(world, people, ballot, ["yes", "yes", "no"])
    assert closed.result["carried"] and world.get(Office, office.id).pay_rate == rate
    entry = world.last("pay set")
    assert entry.actor == f"council:{council.id}"
    assert entry.act == {"ballot": ballot.id, "council": council.id, "office": office.id, "rate": rate,
                         "reference_rate": 40.0}
    assert world.verify().ok


def test_a_pay_ballot_without_a_majority_changes_nothing(world, people, office):
    ballot = world.act(propose_pay, people[1], office.id, 30.0)
    closed = decided(world, people, ballot, ["yes", "no"])
    assert not closed.result["carried"]
    assert world.get(Office, office.id).pay_rate == 0
    assert world.entries("pay set") == []


def test_one_member_cannot_set_pay_by_proposing_voting_and_closing_alone(world, people, office):
    ballot = world.act(propose_pay, people[1], office.id, 40.0)
    world.act(cast_ballot, people[1], ballot.id, "yes")
    refusal = world.refused_writing_nothing("ballot_open", close_ballot, people[1], ballot.id)
    assert "1 of 5" in refusal.reason
    assert world.get(Office, office.id).pay_rate == 0


@pytest.mark.parametrize("rate", [40.000001, 41.0, 1e9])
def test_a_pay_above_the_rule_is_refused_and_the_refusal_recorded(world, people, council, office, rate):
    before = world.counts()
    refusal = world.refused("pay_above_rule", propose_pay, people[1], office.id, rate)
    assert "reference rate" in refusal.reason
    assert world.counts() == {**before, "ledger_entries": before["ledger_entries"] + 1}
    entry = world.last("refusal")
    assert entry.actor == world.pseudonym(people[1])
    assert entry.act == {"council": council.id, "office": "Bookkeeper", "rate": rate, "reference_rate": 40.0,
                         "voted_rate": None, "code": "pay_above_rule", "reason": refusal.reason}
    assert world.verify().ok


def test_a_negative_pay_is_refused_without_a_record(world, people, office):
    world.refused_writing_nothing("invalid_pay", propose_pay, people[0], office.id, -1.0)


def test_only_a_member_of_the_council_proposes_pay(world, office):
    outsider = world.members(1)[0]
    world.refused_writing_nothing("not_a_member", propose_pay, outsider, office.id, 10.0)
    world.refused_writing_nothing("not_a_member", propose_pay, outsider, office.id, 99.0)  # not recorded


def test_pay_of_an_office_that_does_not_exist(world, people):
    world.refused_writing_nothing("not_found", propose_pay, people[0], 9999, 10.0)


def test_a_payment_passes_neither_the_voted_rate_nor_the_reference(world, people, council, office):
    decided(world, people, world.act(propose_pay, people[0], office.id, 20.0), ["yes"] * 5)
    with world.sessions() as session, session.begin():
        session.get(Office, office.id).holder_id = people[3].id
    paid = world.act(pay_holder, people[1], office.id, 10.0, 200.0)
    assert paid["voted_rate"] == 20.0
    refusal = world.refused("pay_above_rule", pay_holder, people[3], office.id, 10.0, 200.1)
    assert "voted" in refusal.reason
    assert world.last("refusal").act["voted_rate"] == 20.0
    world.refused("pay_above_rule", pay_holder, people[3], office.id, 1.0, 40.5)

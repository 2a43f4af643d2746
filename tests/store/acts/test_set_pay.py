"""The pay rule at work: no office pays more than its council's reference rate for skilled work;
a pay above it is refused, the office unchanged, and the refusal itself is on the open books."""

from __future__ import annotations

import pytest

from commonplan.store.acts.councils import create_office
from commonplan.store.acts.set_pay import set_pay
from commonplan.store.models import Office


@pytest.fixture
def office(world, people, council) -> Office:
    return world.act(create_office, people[0], council.id, title="Bookkeeper", kind="post", pay_rate=20.0)


@pytest.mark.parametrize("rate", [0.0, 31.5, 40.0])
def test_a_pay_up_to_the_reference_rate_is_set_and_recorded(world, people, council, office, rate):
    before = world.counts()
    world.act(set_pay, people[2], office.id, rate)
    assert world.get(Office, office.id).pay_rate == rate
    assert world.counts()["ledger_entries"] == before["ledger_entries"] + 1
    entry = world.last("pay set")
    assert entry.actor == world.pseudonym(people[2])
    assert entry.act == {"council": council.id, "office": office.id, "rate": rate, "reference_rate": 40.0}


@pytest.mark.parametrize("rate", [40.000001, 41.0, 1e9])
def test_a_pay_above_the_rule_is_refused_and_the_refusal_recorded(world, people, council, office, rate):
    before = world.counts()
    refusal = world.refused("pay_above_rule", set_pay, people[1], office.id, rate)
    assert "reference rate" in refusal.reason
    assert world.counts() == {**before, "ledger_entries": before["ledger_entries"] + 1}
    assert world.get(Office, office.id).pay_rate == 20.0
    entry = world.last("refusal")
    assert entry.actor == world.pseudonym(people[1])
    assert entry.act == {"council": council.id, "office": "Bookkeeper", "rate": rate, "reference_rate": 40.0,
                         "code": "pay_above_rule", "reason": refusal.reason}
    assert world.verify().ok


def test_a_negative_pay_is_refused_without_a_record(world, people, office):
    world.refused_writing_nothing("invalid_pay", set_pay, people[0], office.id, -1.0)


def test_only_a_member_of_the_council_sets_pay(world, office):
    outsider = world.members(1)[0]
    world.refused_writing_nothing("not_a_member", set_pay, outsider, office.id, 10.0)
    world.refused_writing_nothing("not_a_member", set_pay, outsider, office.id, 99.0)  # not even recorded


def test_pay_of_an_office_that_does_not_exist(world, people):
    world.refused_writing_nothing("not_found", set_pay, people[0], 9999, 10.0)

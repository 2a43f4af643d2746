"""Founding councils, joining them and creating offices: each act with its entry in the open
books, in one transaction; each refusal writing nothing at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import record_count, start_count
from commonplan.app.acts.councils import create_office, found_council, join_council
from commonplan.app.acts.draw_posts import draw_posts, volunteer
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.app.acts.recall_delegate import open_petition
from commonplan.app.acts.set_pay import propose_pay
from commonplan.store.models import Council, CouncilMember, LedgerTip, Office


def test_founding_a_council_makes_the_founder_its_first_member_and_records_it(world, people):
    before = world.counts()
    council = world.council(people[:1])
    after = world.counts()
    assert after["councils"] == before["councils"] + 1
    assert after["council_members"] == before["council_members"] + 1
    # the log's key, the founder's key, then the act
    assert [e.kind for e in world.entries()] == ["key", "key", "council founded"]
    founded = world.last("council founded")
    assert founded.actor == world.pseudonym(people[0]) and founded.act["council"] == council.id
    assert founded.act["recall_fraction"] == "1/5"
    assert world.verify().ok


def test_a_federation_has_no_member_at_its_founding(world):
    district = world.federation("district")
    assert world.rows(select(CouncilMember).where(CouncilMember.council_id == district.id)) == []


def test_joining_writes_the_membership_and_its_entry_together(world, people, council):
    newcomer = world.members(1)[0]
    before = world.counts()
    world.act(join_council, newcomer, council.id, public_name="Rosa")
    after = world.counts()
    assert after["council_members"] == before["council_members"] + 1
    assert after["ledger_entries"] == before["ledger_entries"] + 2  # the newcomer's key, the act
    assert world.last("joined council").act == {"council": council.id}
    assert world.get(LedgerTip, 1).size == after["ledger_entries"]


def test_an_act_rolled_back_leaves_neither_row_nor_entry(world, people, council):
    newcomer = world.members(1)[0]
    before = world.counts()
    with pytest.raises(RuntimeError), world.sessions() as session, session.begin():
        join_council(session, world.books, newcomer, council.id)
        session.flush()
        raise RuntimeError("the transaction fails after the act")
    assert world.counts() == before
    world.act(join_council, newcomer, council.id)  # the books' cached tree catches up
    assert world.verify().ok


def test_nobody_joins_a_federation_directly(world, people):
    district = world.federation("district")
    refusal = world.refused_writing_nothing("not_eligible", join_council, people[0], district.id)
    assert "nobody joins it directly" in refusal.reason


@pytest.mark.parametrize(("child", "parent"), [("workplace", "workplace"), ("district", "district"),
                                               ("region", "district"), ("economy", "economy")])
def test_a_council_under_a_parent_of_the_wrong_level_is_refused(world, people, child, parent):
    above = world.council(people[:1]) if parent == "workplace" else world.federation(parent)
    world.refused_writing_nothing("invalid_council", found_council, people[1], name="x", level=child,
                                  reference_rate=40.0, parent_id=above.id)


def test_a_workplace_may_belong_to_a_district_a_region_or_the_economy(world, people):
    for level in ("district", "region", "economy"):
        above = world.federation(level)
        council = world.act(found_council, people[0], name="w", level="workplace", reference_rate=40.0,
                            parent_id=above.id)
        assert world.get(Council, council.id).parent_id == above.id


def test_joining_twice_is_refused(world, people, council):
    world.refused_writing_nothing("already_member", join_council, people[1], council.id)


@pytest.mark.parametrize(("fraction", "fill", "rate"), [
    ("0", "by-election", 40.0), ("6/5", "by-election", 40.0), ("a fifth", "by-election", 40.0),
    ("1/5", "by lot", 40.0), ("1/5", "by-election", 0.0), ("1/100000", "by-election", 40.0)])
def test_a_council_with_bad_rules_is_refused(world, people, fraction, fill, rate):
    code = "invalid_pay" if rate == 0 else "invalid_council"
    world.refused_writing_nothing(code, found_council, people[0], name="x", level="workplace",
                                  reference_rate=rate, recall_fraction=fraction, recall_fill=fill)


@pytest.mark.parametrize(("quorum", "days"), [("0", 7), ("3/2", 7), ("half", 7), ("1/2", 0), ("1/2", 91),
                                              ("1/2", True)])
def test_a_council_whose_recall_quorum_or_voting_period_is_out_of_bounds_is_refused(world, people, quorum,
                                                                                    days):
    world.refused_writing_nothing("invalid_council", found_council, people[0], name="x", level="workplace",
                                  reference_rate=40.0, recall_quorum=quorum, voting_days=days)


def test_offices_are_created_by_members_with_their_entry(world, people, council):
    office = world.act(create_office, people[1], council.id, title="Delegate", kind="delegate")
    created = world.last("office created")
    assert created.act == {"council": council.id, "office": office.id, "title": "Delegate",
                           "kind": "delegate", "pay_rate": 0.0, "term_limit": None}
    assert created.actor == world.pseudonym(people[1])
    assert world.verify().ok


def test_an_outsider_creates_no_office(world, council):
    outsider = world.members(1)[0]
    world.refused_writing_nothing("not_a_member", create_office, outsider, council.id, title="Chair",
                                  kind="post")


def test_a_council_without_one_above_has_no_delegates(world, people):
    lone = world.council(people[:2])
    world.refused_writing_nothing("invalid_council", create_office, people[0], lone.id, title="D",
                                  kind="delegate")


@pytest.mark.parametrize(("kind", "limit", "code"),
                         [("chair", None, "invalid_council"), ("post", 0, "term_limit")])
def test_a_malformed_office_is_refused(world, people, council, kind, limit, code):
    world.refused_writing_nothing(code, create_office, people[0], council.id, title="x", kind=kind,
                                  term_limit=limit)


def test_an_office_created_with_pay_is_refused_for_pay_is_the_councils_decision(world, people, council):
    world.refused_writing_nothing("pay_by_ballot", create_office, people[0], council.id, title="Chair",
                                  kind="post", pay_rate=40.01)
    assert world.rows(select(Office.id)) == []


SHARES = {"consumption": 0.5, "investment": 0.25, "public services": 0.25}


def every_act(world, people, council):
    """(name, act) pairs: each a use case ready to run in a given session."""
    office = world.act(create_office, people[0], council.id, title="Delegate", kind="delegate")
    post = world.act(create_office, people[0], council.id, title="Clerk", kind="post")
    ballot = world.act(open_ballot, people[0], council.id, kind="shares", question="?", options={})
    world.act(cast_ballot, people[1], ballot.id, SHARES)
    world.later()
    counting = world.act(start_count, people[0], ballot.id)  # its voting stopped, its count recorded below
    ballot = world.act(open_ballot, people[0], council.id, kind="shares", question="?", options={})
    world.act(cast_ballot, people[1], ballot.id, SHARES)
    world.act(volunteer, people[2], post.id, {})
    names = [world.pseudonym(m) for m in people[:2]]
    newcomer = world.members(1)[0]
    return [
        ("found", lambda s, b: found_council(s, b, people[4], name="n", level="consumer",
                                             reference_rate=9.0)),
        ("join", lambda s, b: join_council(s, b, newcomer, council.id)),
        ("office", lambda s, b: create_office(s, b, people[1], council.id, title="x", kind="post")),
        ("pay", lambda s, b: propose_pay(s, b, people[1], office.id, 10.0)),
        ("open", lambda s, b: open_ballot(s, b, people[1], council.id, kind="election", question="?",
                                          options={"candidates": names}, office_id=office.id)),
        ("cast", lambda s, b: cast_ballot(s, b, people[2], ballot.id, SHARES)),
        ("close", lambda s, b: record_count(s, b, counting, counting.result())),
        ("volunteer", lambda s, b: volunteer(s, b, people[3], post.id, {})),
        ("draw", lambda s, b: draw_posts(s, b, people[0], [post.id], [])),
        ("petition", lambda s, b: open_petition(s, b, people[3], post.id)),  # and the recall ballot
    ]


def test_every_act_and_its_entry_are_written_together_or_not_at_all(world, people, council):
    for name, act in every_act(world, people, council):
        before = world.counts()
        with pytest.raises(RuntimeError), world.sessions() as session, session.begin():
            act(session, world.books)
            session.flush()
            raise RuntimeError(f"{name}: the transaction fails after the act")
        assert world.counts() == before, name
        with world.sessions() as session, session.begin():
            act(session, world.books)
        after = world.counts()
        assert after["ledger_entries"] > before["ledger_entries"], name
        assert after["ledger_entries"] == world.get(LedgerTip, 1).size, name
        assert world.verify().ok, name

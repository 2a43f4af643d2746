"""The open books as stored, on SQLite and PostgreSQL: tampering found wherever it is made, the
first entry touched named; a rewrite by an operator holding the secret caught by an auditor's
older head; the cached tree catching up; heads published and checked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.councils import found_council, join_council
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.ledger import (
    Entry,
    MerkleTree,
    derive_signer,
    find_divergence,
    sign_entry,
    sign_head,
    verify_consistency,
)
from commonplan.store.books import OpenBooks, entries, heads
from commonplan.store.models import LedgerEntry, LedgerHead, LedgerTip
from tests.databases import emptied_engine, migrated
from tests.factories import SECRET, World, books, world

# the quick store of tests/app/acts (migrated once per worker, emptied for each test)
engine = emptied_engine
__all__ = ["books", "engine", "migrated", "world"]  # fixtures taken from the helper modules

SHARES = {"consumption": 0.5, "investment": 0.25, "public services": 0.25}


def publish(world: World) -> None:
    with world.sessions() as session, session.begin():
        world.books.head(session)


@pytest.fixture
def record(world: World) -> World:
    """About twenty entries: a council of three, a ballot cast and closed; heads published on the way."""
    people = world.members(3)
    council = world.act(found_council, people[0], name="bakery", level="workplace", reference_rate=40.0)
    for member in people[1:]:
        world.act(join_council, member, council.id)
    publish(world)
    ballot = world.act(open_ballot, people[0], council.id, kind="shares", question="?", options={})
    for member in people:
        world.act(cast_ballot, member, ballot.id, SHARES)
    publish(world)
    world.act(close_ballot, people[0], ballot.id)
    publish(world)
    assert world.verify().ok
    world.council_id = council.id
    return world


def stored(world: World, index: int) -> tuple[str, bytes]:
    with world.sessions() as session:
        query = select(LedgerEntry.leaf, LedgerEntry.leaf_hash).where(LedgerEntry.idx == index)
        return session.execute(query).one()


def write(world: World, index: int, **values) -> None:
    with world.sessions() as session, session.begin():
        session.execute(update(LedgerEntry).where(LedgerEntry.idx == index).values(**values))


def voted_index(world: World) -> int:
    return world.entries("voted")[1].index


def test_an_edited_act_is_named(record):
    k = voted_index(record)
    leaf, _ = stored(record, k)
    write(record, k, leaf=leaf.replace('"ballot":', '"ballot":1'))
    verdict = record.verify()
    assert not verdict.ok and verdict.first_bad == k


def test_an_edited_leaf_hash_is_named(record):
    k = voted_index(record)
    write(record, k, leaf_hash=bytes(32))
    verdict = record.verify()
    assert not verdict.ok and verdict.first_bad == k


def test_a_deleted_entry_is_named(record):
    k = voted_index(record)
    with record.sessions() as session, session.begin():
        session.execute(delete(LedgerEntry).where(LedgerEntry.idx == k))
    verdict = record.verify()
    assert not verdict.ok and verdict.first_bad == k and "missing" in verdict.reason


def test_two_swapped_entries_are_named(record):
    k = voted_index(record)
    first, second = stored(record, k), stored(record, k + 1)
    write(record, k, leaf=second[0], leaf_hash=second[1])
    write(record, k + 1, leaf=first[0], leaf_hash=first[1])
    verdict = record.verify()
    assert not verdict.ok and verdict.first_bad == k


def rewritten(entry: Entry, act: dict, signer_holder: str) -> Entry:
    return sign_entry(entry.index, entry.kind, entry.actor, act, entry.recorded_at,
                      derive_signer(SECRET, signer_holder), entry.signer, entry.on_behalf)


def test_an_entry_re_signed_with_another_holders_key_is_named(record):
    k = voted_index(record)
    entry = record.entries()[k]
    other = record.entries("voted")[0].actor
    forged = rewritten(entry, {"ballot": 999}, other)
    write(record, k, leaf=forged.leaf_bytes().decode(), leaf_hash=forged.leaf_hash())
    verdict = record.verify()
    assert not verdict.ok and verdict.first_bad == k and "never registered" in verdict.reason


def test_a_history_rewritten_with_the_secret_verifies_alone_but_not_against_an_auditors_head(record):
    world = record
    with world.sessions() as session:
        auditor_head = world.books.head(session)  # what an auditor kept before the rewrite
        auditor_copy = [entry.leaf_hash() for entry in entries(session)]
    k = voted_index(world)
    # The operator, holding the secret, rewrites entry k and re-signs everything after it, with
    # the same keys, then signs new heads over the new tree.
    old = world.entries()
    new = [*old[:k], rewritten(old[k], {**old[k].act, "note": "never happened"}, old[k].signer)]
    new += [rewritten(entry, entry.act, entry.signer) for entry in old[k + 1:]]
    tree = MerkleTree(entry.leaf_hash() for entry in new)
    log = derive_signer(SECRET, "log")
    with world.sessions() as session, session.begin():
        for entry in new[k:]:
            session.execute(update(LedgerEntry).where(LedgerEntry.idx == entry.index).values(
                leaf=entry.leaf_bytes().decode(), leaf_hash=entry.leaf_hash()))
        session.execute(delete(LedgerHead))
        for size in (k, len(new)):
            head = sign_head(size, tree.root(size), "2030-06-01T00:00:00.000000Z", log)
            session.add(LedgerHead(size=size, head=head.to_json()))
        session.execute(update(LedgerTip).values(size=len(new), head=head.to_json()))
    assert world.verify().ok  # the record agrees with its own, new heads
    proof = tree.consistency_proof(auditor_head.size)
    assert not verify_consistency(auditor_head.size, tree.size, bytes.fromhex(auditor_head.root),
                                  tree.root(), proof)
    with world.sessions() as session:
        assert find_divergence(list(entries(session)), auditor_copy) == k
    with world.sessions() as session, session.begin():  # the auditor's head, given to the record
        session.merge(LedgerHead(size=auditor_head.size, head=auditor_head.to_json()))
    verdict = world.verify()
    assert not verdict.ok and verdict.first_bad == k  # the new head of size k still matches


def test_the_cached_tree_catches_up_after_a_rolled_back_act(record):
    world = record
    committed = world.entry_count()
    with pytest.raises(RuntimeError), world.sessions() as session, session.begin():
        join_council(session, world.books, world.members(1)[0], world.council_id)
        raise RuntimeError("rolled back")
    assert world.books.tree.size > committed  # the cache holds leaves that were never committed
    with world.sessions() as session:
        tree, size = world.books.tree_of(session)
        assert size == committed
        assert tree.root(committed) == MerkleTree(e.leaf_hash() for e in entries(session)).root()
    world.act(join_council, world.members(1)[0], world.council_id)
    assert world.books.tree.size == world.entry_count() > committed
    publish(world)
    assert world.verify().ok


def test_the_cached_tree_catches_up_after_another_process_appended(record):
    world = record
    other = OpenBooks(SECRET, clock=world.books.clock, random_bytes=world.books.random_bytes)
    with world.sessions() as session, session.begin():
        join_council(session, other, world.members(1)[0], world.council_id)
    world.act(join_council, world.members(1)[0], world.council_id)  # numbered after the other
    with world.sessions() as session, session.begin():
        join_council(session, other, world.members(1)[0], world.council_id)
    publish(world)
    verdict = world.verify()
    assert verdict.ok and verdict.size == world.entry_count()
    assert [e.index for e in world.entries()] == list(range(world.entry_count()))


def test_heads_are_published_once_and_every_one_is_checked(record):
    world = record
    with world.sessions() as session:
        published = heads(session)
    assert len(published) == 3 and world.verify().heads_checked == 3
    publish(world)  # no act since: the same head, published once
    with world.sessions() as session:
        assert len(heads(session)) == 3
    tip = world.get(LedgerTip, 1)
    assert tip.head == published[-1].to_json() and tip.size == published[-1].size
    forged = {**published[0].to_json(), "root": "00" * 32}
    with world.sessions() as session, session.begin():
        session.execute(update(LedgerHead).where(LedgerHead.size == published[0].size).values(head=forged))
    assert not world.verify().ok


def test_the_stored_leaf_is_the_canonical_json_of_its_entry(record):
    for leaf, leaf_hash in record.rows(select(LedgerEntry.leaf, LedgerEntry.leaf_hash)):
        entry = Entry.from_json(json.loads(leaf))
        assert entry.leaf_bytes().decode() == leaf and entry.leaf_hash() == leaf_hash

"""The audit finds tampering wherever it was made, and names the first entry tampered with."""

from __future__ import annotations

import dataclasses

import pytest

from commonplan.ledger.audit import find_divergence, verify_record
from commonplan.ledger.entries import Entry, sign_entry
from commonplan.ledger.heads import TreeHead, cosign, sign_head
from commonplan.ledger.signing import derive_signer
from commonplan.ledger.tree import MerkleTree

MASTER = b"m" * 32
LOG = derive_signer(MASTER, "log")
LOG_KEY = LOG.public_key.hex()
MEMBERS = [f"member:{number:02x}" for number in range(4)]
SIGNERS = {holder: derive_signer(MASTER, holder) for holder in ["log", *MEMBERS]}
AUDITOR = derive_signer(MASTER, "auditor:ada")


def at(index: int) -> str:
    return f"2026-01-01T00:{index // 60:02d}:{index % 60:02d}Z"


def build(count: int = 60) -> list[Entry]:
    """Entry 0 registers the log, 1-4 the members, then members vote and the log tallies."""
    entries = [sign_entry(0, "key", "log", {"holder": "log", "key": LOG_KEY}, at(0), LOG, "log",
                          on_behalf=False)]
    for holder in MEMBERS:
        entries.append(sign_entry(len(entries), "key", "log",
                                  {"holder": holder, "key": SIGNERS[holder].public_key.hex()},
                                  at(len(entries)), LOG, "log", on_behalf=False))
    while len(entries) < count:
        index = len(entries)
        holder = MEMBERS[index % len(MEMBERS)] if index % 7 else "log"
        entries.append(sign_entry(index, "ballot cast" if index % 7 else "tally", holder,
                                  {"ballot": 1, "choice": index % 3}, at(index),
                                  SIGNERS[holder], holder, on_behalf=index % 2 == 0))
    return entries


def heads_for(entries: list[Entry], sizes: tuple[int, ...] = (10, 20, 40, 60)) -> list[TreeHead]:
    tree = MerkleTree(entry.leaf_hash() for entry in entries)
    return [cosign(sign_head(size, tree.root(size), at(size), LOG), "auditor:ada", AUDITOR)
            for size in sizes if size <= len(entries)]


def resign(entry: Entry, **changes: object) -> Entry:
    """The entry changed and signed again with its signer's real key (a server that holds it)."""
    changed = dataclasses.replace(entry, **changes)
    return sign_entry(changed.index, changed.kind, changed.actor, changed.act, changed.recorded_at,
                      SIGNERS[changed.signer], changed.signer, changed.on_behalf)


def test_an_untouched_record_checks_out() -> None:
    entries = build()
    progress: list[float] = []
    verdict = verify_record(entries, heads_for(entries), LOG_KEY, progress=progress.append)
    assert verdict.ok and verdict.first_bad is None, verdict.reason
    assert verdict.size == 60 and verdict.signatures_checked == 60 and verdict.heads_checked == 4
    assert verdict.root == MerkleTree(entry.leaf_hash() for entry in entries).root().hex()
    assert progress and progress[-1] == 1.0


def test_an_empty_record_checks_out() -> None:
    assert verify_record([], [], LOG_KEY).ok


def test_a_changed_payload_is_found_by_its_signature() -> None:
    entries = build()
    entries[41] = dataclasses.replace(entries[41], act={"ballot": 1, "choice": 9})
    verdict = verify_record(entries, heads_for(build()), LOG_KEY)
    assert (verdict.ok, verdict.first_bad) == (False, 41)
    assert verdict.reason == "entry 41: its signature does not match its content"


def test_a_changed_signature_is_found() -> None:
    entries = build()
    entries[12] = dataclasses.replace(entries[12], signature=entries[13].signature)
    entries[30] = dataclasses.replace(entries[30], signature="00" * 64)
    verdict = verify_record(entries, [], LOG_KEY, workers=2)
    assert verdict.first_bad == 12 and "signature" in verdict.reason


def test_a_deleted_entry_is_found() -> None:
    entries = build()
    del entries[17]
    verdict = verify_record(entries, heads_for(build()), LOG_KEY)
    assert verdict.first_bad == 17
    assert verdict.reason == "entry 17 is missing: the indices jump from 16 to 18"


def test_two_swapped_entries_are_found() -> None:
    entries = build()
    entries[22], entries[23] = entries[23], entries[22]
    verdict = verify_record(entries, [], LOG_KEY)
    assert verdict.first_bad == 22 and "out of order" in verdict.reason


def test_a_repeated_entry_is_found() -> None:
    entries = build()
    entries.insert(9, entries[8])
    assert verify_record(entries, [], LOG_KEY).reason == "entry 8 appears twice"


def test_an_entry_signed_by_a_key_never_registered_is_found() -> None:
    entries = build()
    stranger = derive_signer(b"s" * 32, "member:01")
    entries[5] = sign_entry(5, "ballot cast", "member:01", {"ballot": 1, "choice": 0}, at(5),
                            stranger, "member:01", on_behalf=False)
    verdict = verify_record(entries, [], LOG_KEY)
    assert verdict.first_bad == 5
    assert verdict.reason == "entry 5: signed by member:01 with a key the record never registered for it"


def test_an_entry_signed_by_a_holder_never_registered_is_found() -> None:
    entries = build()
    ghost = derive_signer(MASTER, "member:ff")
    entries[8] = sign_entry(8, "ballot cast", "member:ff", {}, at(8), ghost, "member:ff", False)
    assert verify_record(entries, [], LOG_KEY).first_bad == 8


def test_a_key_registered_by_anybody_but_the_log_is_refused() -> None:
    entries = build()
    entries[3] = sign_entry(3, "key", "member:00", {"holder": "member:02", "key": "00" * 32}, at(3),
                            SIGNERS["member:00"], "member:00", False)
    verdict = verify_record(entries, [], LOG_KEY)
    assert verdict.first_bad == 3 and "rather than by the log" in verdict.reason


def test_a_record_that_does_not_open_with_the_log_key_is_refused() -> None:
    entries = build()
    other = derive_signer(b"x" * 32, "log").public_key.hex()
    verdict = verify_record(entries, [], other)
    assert verdict.first_bad == 0 and "log's key" in verdict.reason


def test_a_rewritten_history_is_found_by_the_signed_head_that_covers_it() -> None:
    heads = heads_for(build())
    entries = build()
    entries[25] = resign(entries[25], act={"ballot": 1, "choice": 2, "forged": True})
    verdict = verify_record(entries, heads, LOG_KEY)
    assert verdict.first_bad == 20
    assert verdict.reason == ("the record's first 40 entries do not match the signed head of size 40 "
                              f"(timestamp {at(40)}): an entry among 20 to 39 was rewritten")
    assert find_divergence(entries, [entry.leaf_hash() for entry in build()]) == 25


def test_a_deleted_and_renumbered_history_is_found_by_the_heads() -> None:
    heads = heads_for(build())
    entries = build()
    del entries[12]
    entries = entries[:12] + [resign(entry, index=entry.index - 1) for entry in entries[12:]]
    verdict = verify_record(entries, heads, LOG_KEY)
    assert verdict.first_bad == 10 and "size 20" in verdict.reason


def test_a_truncated_record_is_found_by_a_head_that_covers_more() -> None:
    entries = build()
    heads = heads_for(entries)
    verdict = verify_record(entries[:50], heads, LOG_KEY)
    assert verdict.first_bad == 50 and "holds only 50" in verdict.reason


def test_a_head_not_signed_by_the_log_is_refused() -> None:
    entries = build()
    heads = heads_for(entries)
    forged = sign_head(60, bytes.fromhex(heads[-1].root), at(60), AUDITOR)
    verdict = verify_record(entries, [*heads[:-1], forged], LOG_KEY)
    assert not verdict.ok and verdict.first_bad is None and "not signed by the log" in verdict.reason


def test_a_forged_cosignature_is_named() -> None:
    entries = build()
    heads = heads_for(entries)
    cosignature = dataclasses.replace(heads[1].cosignatures[0], signature=heads[0].cosignatures[0].signature)
    heads[1] = dataclasses.replace(heads[1], cosignatures=(cosignature,))
    verdict = verify_record(entries, heads, LOG_KEY)
    assert not verdict.ok and verdict.first_bad is None
    assert "auditor:ada" in verdict.reason and "size 20" in verdict.reason


def test_the_first_failure_by_index_wins() -> None:
    heads = heads_for(build())
    entries = build()
    entries[45] = dataclasses.replace(entries[45], act={})
    entries[33] = resign(entries[33], act={"rewritten": 1})
    del entries[50]
    assert verify_record(entries, heads, LOG_KEY).first_bad == 20
    entries = build()
    entries[15] = dataclasses.replace(entries[15], act={})
    entries[33] = resign(entries[33], act={"rewritten": 1})
    assert verify_record(entries, heads, LOG_KEY).first_bad == 15


@pytest.mark.parametrize(("record", "copy", "expected"), [(60, 60, None), (50, 60, 50), (60, 55, 55)])
def test_find_divergence_reports_where_a_copy_and_the_record_part(record: int, copy: int,
                                                                 expected: int | None) -> None:
    entries = build()
    assert find_divergence(entries[:record], [entry.leaf_hash() for entry in entries[:copy]]) == expected

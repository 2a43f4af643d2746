"""Auditing the open books: anybody holding the record and the log's public key checks it all.

`verify_record` checks, in the order of the entries: that the indices run 0, 1, 2, ... with no
gap, repeat or swap; that every entry was signed by the key the record had registered for its
signer at that point (entry 0 registers the log's own key; later "key" entries, signed by the
log, register the other holders'); that every signature matches its entry's content; and that
every signed tree head is the log's, co-signed as it claims, and commits to the very entries
the record now holds.  The first failure by entry index wins, and the verdict says it in words.

Signatures are checked on all cores: each thread encodes an entry (holding the GIL for a few
microseconds), then verifies its signature (OpenSSL, without the GIL), so the encoding of one
entry overlaps the verification of others.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from commonplan.ledger.entries import Entry
from commonplan.ledger.heads import TreeHead, verify_cosignatures, verify_head
from commonplan.ledger.signing import CHUNK, _Keys
from commonplan.ledger.tree import MerkleTree

__all__ = ["Verdict", "find_divergence", "verify_record"]

LOG = "log"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an audit found: ok, or the first entry tampered with and why, in plain words."""

    ok: bool
    size: int
    root: str
    first_bad: int | None
    reason: str
    signatures_checked: int
    heads_checked: int


def _index_problem(entries: Sequence[Entry], position: int) -> str | None:
    """Why the entry at this position does not carry the index `position`, if it does not."""
    index = entries[position].index
    if index == position:
        return None
    if index > position:
        if position + 1 < len(entries) and entries[position + 1].index == position:
            return f"entries {position} and {index} are out of order: {index} comes first"
        before = f"from {position - 1} " if position else "from the start "
        missing = (f"entry {position} is missing" if index == position + 1
                   else f"entries {position} to {index - 1} are missing")
        return f"{missing}: the indices jump {before}to {index}"
    if index == position - 1:
        return f"entry {index} appears twice"
    return f"entry {index} is out of place: it comes after entry {position - 1}"


def _registered_key(entry: Entry) -> str | None:
    """The key (hex) a "key" entry registers, if its act is {"holder": ..., "key": <32 bytes>}."""
    act = entry.act
    if set(act) != {"holder", "key"} or not isinstance(act["holder"], str) or not act["holder"]:
        return None
    key = act["key"]
    if not isinstance(key, str) or len(key) != 64:
        return None
    try:
        bytes.fromhex(key)
    except ValueError:
        return None
    return key


def _registry_problem(entry: Entry, keys: dict[str, str], log_key: str) -> str | None:
    """Why the entry's signer key is not the one registered for its signer, if it is not.

    Registers the key of a valid "key" entry as a side effect.
    """
    position = entry.index
    if position == 0:
        if not (entry.kind == "key" and entry.act == {"holder": LOG, "key": log_key}
                and entry.signer == LOG and entry.signer_key == log_key):
            return "entry 0: the record does not open by registering the log's key"
        keys[LOG] = log_key
        return None
    if entry.kind == "key":
        if entry.signer != LOG or entry.signer_key != log_key:
            return (f"entry {position}: a key registration signed by {entry.signer} "
                    f"rather than by the log")
        key = _registered_key(entry)
        if key is None:
            return (f"entry {position}: a key registration must name a holder and a "
                    f"32-byte key in hexadecimal")
        if entry.act["holder"] == LOG and key != log_key:
            return f"entry {position}: it replaces the log's own key"
        keys[entry.act["holder"]] = key
        return None
    registered = keys.get(entry.signer)
    if registered is None:
        return f"entry {position}: signed by {entry.signer}, a holder the record never registered"
    if entry.signer_key != registered:
        return (f"entry {position}: signed by {entry.signer} with a key the record never "
                f"registered for it")
    return None


def _check_chunk(entries: Sequence[Entry], start: int, end: int, check_until: int,
                 keys: _Keys) -> tuple[list[bytes], list[int]]:
    """Leaf hashes of entries[start:end] and the indices among them (< check_until) whose
    signature fails."""
    leaves: list[bytes] = []
    failed: list[int] = []
    sha256 = hashlib.sha256
    for position in range(start, end):
        entry = entries[position]
        signed, leaf = entry.encodings()
        leaves.append(sha256(b"\x00" + leaf).digest())
        if position >= check_until:
            continue
        try:
            # A None key (bytes that are no key) fails with the AttributeError caught below.
            keys[bytes.fromhex(entry.signer_key)].verify(  # type: ignore[union-attr]
                bytes.fromhex(entry.signature), signed)
        except (InvalidSignature, AttributeError, TypeError, ValueError):
            failed.append(position)
    return leaves, failed


def _head_range(head: TreeHead, previous: int) -> str:
    if head.size - previous == 1:
        return f"entry {previous} was rewritten"
    return f"an entry among {previous} to {head.size - 1} was rewritten"


def verify_record(entries: Sequence[Entry], heads: Sequence[TreeHead], log_key: str,
                  workers: int | None = None,
                  progress: Callable[[float], None] | None = None) -> Verdict:
    """Check the whole record against its signed heads and the log's public key (hex)."""
    total = len(entries)
    workers = workers or os.cpu_count() or 1

    # 1. Indices and the key registry, in order: cheap, one pass; it stops at the first problem.
    clean = total + 1  # first_bad while nothing is found
    first_bad, reason = clean, ""
    registry: dict[str, str] = {}
    for position in range(total):
        problem = _index_problem(entries, position) or _registry_problem(entries[position],
                                                                          registry, log_key)
        if problem:
            first_bad, reason = position, problem
            break

    # 2. Every signature before that point, and every leaf hash, on all cores.
    signatures_checked = min(first_bad, total)
    # The tree grows here, in the main thread, while the workers check later chunks.
    keys = _Keys()
    tree = MerkleTree()
    failed: list[int] = []
    starts = range(0, total, CHUNK)
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(lambda start: _check_chunk(entries, start, min(start + CHUNK, total),
                                                    first_bad, keys), starts)
        for done, (chunk_leaves, chunk_failed) in enumerate(parts, 1):
            tree.extend(chunk_leaves)
            failed.extend(chunk_failed)
            if progress is not None:
                progress(done / len(starts))
    if progress is not None and not starts:
        progress(1.0)
    if failed and failed[0] < first_bad:
        first_bad = failed[0]
        reason = f"entry {first_bad}: its signature does not match its content"

    # 3. The heads, by size: the log's signature, its cosigners', and the root of that prefix.
    head_problem: str | None = None
    previous = 0
    ordered = sorted(heads, key=lambda head: head.size)
    for head in ordered:
        if head.size > total:
            if first_bad == clean:
                first_bad = total
                reason = (f"the signed head of size {head.size} (timestamp {head.timestamp}) "
                          f"covers entries the record lacks: it holds only {total}")
            break
        if head.signer_key != log_key or not verify_head(head):
            head_problem = head_problem or (f"the head of size {head.size} (timestamp "
                                            f"{head.timestamp}) is not signed by the log's key")
            continue
        if head.root != tree.root(head.size).hex():
            if head.size <= first_bad:
                first_bad = previous
                reason = (f"the record's first {head.size} entries do not match the signed head "
                          f"of size {head.size} (timestamp {head.timestamp}): "
                          + _head_range(head, previous))
            break
        previous = head.size
        forged = verify_cosignatures(head)
        if forged:
            head_problem = head_problem or (
                f"the head of size {head.size} (timestamp {head.timestamp}) carries a "
                f"cosignature of {', '.join(forged)} that does not match it")

    root = tree.root().hex()
    if first_bad != clean:
        return Verdict(False, total, root, first_bad, reason, signatures_checked, len(heads))
    if head_problem:
        return Verdict(False, total, root, None, head_problem, signatures_checked, len(heads))
    return Verdict(True, total, root, None,
                   f"all {total} entries and {len(heads)} signed heads check out",
                   signatures_checked, len(heads))


def find_divergence(entries: Sequence[Entry], copy_leaf_hashes: Sequence[bytes]) -> int | None:
    """The first index where the record differs from an auditor's copy of its leaf hashes.

    When one is a prefix of the other, the index where the shorter ends; None when they agree.
    """
    common = min(len(entries), len(copy_leaf_hashes))
    for index in range(common):
        if entries[index].leaf_hash() != copy_leaf_hashes[index]:
            return index
    return None if len(entries) == len(copy_leaf_hashes) else common

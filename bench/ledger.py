"""Benchmark: the open books at 10^6 signed entries (commonplan.ledger).

    python bench/ledger.py [--entries 1000000] [--quick] [--seed 0] [--workers N] [--no-served]

Builds a record of N entries (entry 0 registers the log's key, then 8 members' keys; then
ballots cast by members, signed by their own keys or on their behalf, and tallies by the log),
signed on all cores; generation is timed apart.  Then measures:

1. the tree rebuilt from the record as stored (each entry's canonical bytes, as the database's
   ``ledger_entries.leaf`` and an auditor's copy hold them: leaf hashes, MerkleTree, root) and
   checked against the log's signed head; target <= 5 s.  Also, for information, the same from
   entry objects encoded again (what verify_record does as it checks signatures), and the tree
   from 10^6 ready leaf hashes alone.
2. 1,000 random inclusion proofs and 1,000 random consistency proofs (random sizes): p50, p99
   and max of making one, and of verifying one; target <= 10 ms.
3. the whole audit (verify_record: indices, key registry, every signature, the heads) against
   the floor: bare Ed25519 verification of the same signatures on all cores with the least
   overhead possible (public key objects, signatures and messages made beforehand, one thread
   per core over a contiguous slice); target ratio <= 1.5.
4. proofs served by the real server (``--no-served`` skips it): the record written into a fresh
   SQLite database (``open_database``'s migrations, then every entry into ``ledger_entries``, the
   registered keys into ``ledger_keys``, and the tip: size N and a head signed by the log's key),
   ``commonplan serve`` started on it with ``COMMONPLAN_LEDGER_SECRET`` the master secret the
   record was signed with (the server derives the same log key).  The first proof after the
   start, which loads the N leaf hashes into the server's cached tree, is timed apart; then
   1,000 random GET /ledger/proofs/inclusion, 1,000 random GET /ledger/proofs/consistency and
   1,000 random GET /ledger/entries/{i} (the entry and its inclusion proof) over one keep-alive
   connection: p50, p99 and max of the whole request, the answer read; target <= 10 ms.  Every
   answer is checked on the client's side (verify_inclusion, verify_consistency against the
   roots of the client's own tree, whose full root is the signed head's).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert, update

from commonplan.ledger import (
    MerkleTree,
    cosign,
    derive_signer,
    leaf_hash,
    sign_entry,
    sign_head,
    verify_consistency,
    verify_head,
    verify_inclusion,
    verify_record,
)
from commonplan.store.database import open_database
from commonplan.store.models import LedgerEntry, LedgerKey, LedgerTip

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_load import (  # a sibling script
    HOST,
    cpu_seconds,
    free_port,
    start_server,
    stop_server,
    wait_until_answering,
)

MASTER = b"commonplan benchmark master key!"
MEMBERS = [f"member:{number:08x}" for number in range(8)]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def stamp(index: int) -> str:
    seconds = index
    return (f"2026-{1 + seconds // 2_592_000 % 12:02d}-{1 + seconds // 86_400 % 28:02d}"
            f"T{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z")


def generate(count: int, workers: int, seed: int) -> list:
    """The signed record: registrations first, then ballots and tallies, signed in chunks."""
    signers = {holder: derive_signer(MASTER, holder) for holder in ["log", *MEMBERS]}
    log = signers["log"]
    entries = [sign_entry(0, "key", "log", {"holder": "log", "key": log.public_key.hex()},
                          stamp(0), log, "log", on_behalf=False)]
    for holder in MEMBERS:
        entries.append(sign_entry(len(entries), "key", "log",
                                  {"holder": holder, "key": signers[holder].public_key.hex()},
                                  stamp(len(entries)), log, "log", on_behalf=False))
    first = len(entries)

    def chunk(start: int) -> list:
        rng = random.Random(seed * 1_000_003 + start)
        made = []
        for index in range(start, min(start + 4096, count)):
            if index % 50 == 0:
                made.append(sign_entry(index, "tally", "log",
                                       {"ballot": index // 50, "yes": rng.randrange(1000),
                                        "no": rng.randrange(1000)}, stamp(index), log, "log",
                                       on_behalf=False))
                continue
            holder = MEMBERS[rng.randrange(len(MEMBERS))]
            made.append(sign_entry(index, "ballot cast", holder,
                                   {"ballot": index // 50, "choice": rng.choice(["yes", "no"]),
                                    "weight": 1}, stamp(index), signers[holder], holder,
                                   on_behalf=rng.random() < 0.9))
        return made

    with ThreadPoolExecutor(workers) as pool:
        for made in pool.map(chunk, range(first, count, 4096)):
            entries.extend(made)
    return entries[:count]


def percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"p50 {statistics.median(ordered) * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms, "
            f"max {ordered[-1] * 1e3:.3f} ms")


def floor(items: list[tuple[Ed25519PublicKey, bytes, bytes]], workers: int) -> float:
    """Seconds to verify every triple, one thread per core over a contiguous slice."""
    def run(part: list[tuple[Ed25519PublicKey, bytes, bytes]]) -> None:
        for key, signature, message in part:
            key.verify(signature, message)

    size = -(-len(items) // workers)
    parts = [items[start:start + size] for start in range(0, len(items), size)]
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, parts))
    return time.perf_counter() - start


CHUNK = 50_000


def write_database(path: Path, entries: list, root: bytes) -> float:
    """The record as the server stores it, in a fresh SQLite file at ``path``; seconds taken."""
    start = time.perf_counter()
    engine = open_database(f"sqlite:///{path}")
    count = len(entries)
    head = sign_head(count, root, stamp(count), derive_signer(MASTER, "log"))
    try:
        with engine.begin() as connection:
            for first in range(0, count, CHUNK):
                connection.execute(insert(LedgerEntry.__table__), [
                    {"idx": entry.index, "kind": entry.kind, "leaf": entry.leaf_bytes().decode(),
                     "leaf_hash": entry.leaf_hash()} for entry in entries[first:first + CHUNK]])
            keys = [{"holder": entry.act["holder"], "key": entry.act["key"]}
                    for entry in entries if entry.kind == "key"]
            connection.execute(insert(LedgerKey.__table__), keys)
            tip = LedgerTip.__table__
            connection.execute(update(tip).where(tip.c.id == 1).values(size=count, head=head.to_json()))
    finally:
        engine.dispose()
    return time.perf_counter() - start


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[float, Any]:
    """Seconds for one GET on the kept-alive connection (sent, answer read) and the JSON answer."""
    begin = time.perf_counter()
    connection.request("GET", path, headers={"accept": "application/json"})
    answer = connection.getresponse()
    content = answer.read()
    elapsed = time.perf_counter() - begin
    if answer.status != 200:
        raise SystemExit(f"GET {path}: HTTP {answer.status}: {content[:300]!r}")
    return elapsed, json.loads(content)


def batch(connection: http.client.HTTPConnection, paths: list[str], pid: int) -> tuple[str, list[Any]]:
    """GET every path in turn on the kept-alive connection: the latencies (and the server's CPU
    per request, which a busy machine does not inflate as it does the wall clock), the answers."""
    seconds, answers = [], []
    cpu = cpu_seconds(pid)
    for path in paths:
        elapsed, answer = fetch(connection, path)
        seconds.append(elapsed)
        answers.append(answer)
    cpu = cpu_seconds(pid) - cpu
    return f"{percentiles(seconds)}; server CPU {cpu / len(paths) * 1e3:.2f} ms/request", answers


def served(entries: list, tree: MerkleTree, seed: int) -> list[tuple[str, str, str]]:
    """Section 4: proofs served by ``commonplan serve`` on the record written to SQLite."""
    assert len(MASTER) == 32, "the server's secret is 32 bytes"
    count = len(entries)
    root = tree.root()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="commonplan-ledger-") as name:
        folder = Path(name)
        written = write_database(folder / "bench.db", entries, root)
        rows.append((f"served: {count:,} entries written to SQLite (not part of the figures)",
                     f"{written:.1f} s", ""))
        before = os.environ.get("COMMONPLAN_LEDGER_SECRET")
        os.environ["COMMONPLAN_LEDGER_SECRET"] = MASTER.hex()  # the server derives the same log key
        port = free_port()
        try:
            server = start_server(folder, port)
        finally:
            if before is None:
                del os.environ["COMMONPLAN_LEDGER_SECRET"]
            else:
                os.environ["COMMONPLAN_LEDGER_SECRET"] = before
        try:
            wait_until_answering(port, server)
            connection = http.client.HTTPConnection(HOST, port, timeout=600)
            rng = random.Random(seed + 1)
            size = rng.randrange(1, count + 1)
            index = rng.randrange(size)
            first, answer = fetch(connection, f"/ledger/proofs/inclusion?index={index}&size={size}")
            assert answer["root"] == tree.root(size).hex(), "the server's tree is not the record's"
            rows.append(("served: first proof after start (loads the tree)", f"{first * 1e3:.0f} ms", ""))
            _, current = fetch(connection, "/ledger/head")
            assert current["size"] == count and current["root"] == root.hex(), current
            assert current["signer_key"] == derive_signer(MASTER, "log").public_key.hex(), current

            paths = []
            for _ in range(1000):
                size = rng.randrange(1, count + 1)
                paths.append(f"/ledger/proofs/inclusion?index={rng.randrange(size)}&size={size}")
            figures, answers = batch(connection, paths, server.pid)
            for answer in answers:  # every answer checked against the client's own tree
                size, index = answer["size"], answer["index"]
                assert answer["leaf_hash"] == tree.leaf(index).hex(), answer
                assert verify_inclusion(tree.leaf(index), index, size,
                                        [bytes.fromhex(h) for h in answer["proof"]], tree.root(size))
            rows.append(("served: GET /ledger/proofs/inclusion (keep-alive)", figures, "<= 10 ms"))

            paths = []
            for _ in range(1000):
                new = rng.randrange(1, count + 1)
                old = rng.randrange(1, new + 1)
                paths.append(f"/ledger/proofs/consistency?old_size={old}&new_size={new}")
            figures, answers = batch(connection, paths, server.pid)
            for answer in answers:
                old, new = answer["old_size"], answer["new_size"]
                assert answer["new_root"] == tree.root(new).hex(), answer
                assert verify_consistency(old, new, tree.root(old), tree.root(new),
                                          [bytes.fromhex(h) for h in answer["proof"]])
            rows.append(("served: GET /ledger/proofs/consistency (keep-alive)", figures, "<= 10 ms"))

            paths = [f"/ledger/entries/{rng.randrange(count)}" for _ in range(1000)]
            figures, answers = batch(connection, paths, server.pid)
            for answer in answers:  # the entry as generated, in the head's tree
                index = answer["entry"]["index"]
                assert answer["size"] == count and answer["root"] == root.hex(), answer
                assert answer["entry"] == entries[index].to_json(), answer
                assert verify_inclusion(tree.leaf(index), index, count,
                                        [bytes.fromhex(h) for h in answer["proof"]], root)
            rows.append(("served: GET /ledger/entries/{i} (entry + inclusion proof)", figures, "<= 10 ms"))
            connection.close()
        finally:
            stop_server(server)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10^5 entries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-served", dest="served", action="store_false",
                        help="skip the proofs served by the real server")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.entries
    workers = args.workers
    rows: list[tuple[str, str, str]] = []

    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}")
    print(f"record: {count:,} entries, {workers} worker threads")

    start = time.perf_counter()
    entries = generate(count, workers, args.seed)
    generation = time.perf_counter() - start
    print(f"generated and signed in {generation:.1f} s (not part of the figures)")

    log = derive_signer(MASTER, "log")
    auditor = derive_signer(MASTER, "auditor:bench")
    tree = MerkleTree(entry.leaf_hash() for entry in entries)
    sizes = sorted({count // 4, count // 2, count - count // 10, count} - {0})
    heads = [cosign(sign_head(size, tree.root(size), stamp(size), log), "auditor:bench", auditor)
             for size in sizes]

    # 1. The tree rebuilt from the record as stored and checked against the signed head.
    stored = [entry.leaf_bytes() for entry in entries]  # the record: its entries' bytes
    start = time.perf_counter()
    rebuilt = MerkleTree([leaf_hash(leaf) for leaf in stored])
    matches = rebuilt.root().hex() == heads[-1].root and verify_head(heads[-1])
    rebuild = time.perf_counter() - start
    assert matches, "the rebuilt tree does not match the signed head"
    rows.append(("tree from the stored record + root, checked against the head", f"{rebuild:.2f} s",
                 "<= 5 s"))
    del stored
    start = time.perf_counter()
    leaves = [leaf_hash(entry.leaf_bytes()) for entry in entries]
    MerkleTree(leaves).root()
    rows.append(("the same from entry objects encoded again", f"{time.perf_counter() - start:.2f} s", ""))
    start = time.perf_counter()
    MerkleTree(leaves).root()
    bare_tree = time.perf_counter() - start
    rows.append((f"tree from {count:,} leaf hashes + root", f"{bare_tree:.2f} s", "<= 1.5 s"))

    # 2. Proofs at random sizes.
    rng = random.Random(args.seed)
    made, checked = [], []
    for _ in range(1000):
        size = rng.randrange(1, count + 1)
        index = rng.randrange(size)
        begin = time.perf_counter()
        proof = rebuilt.inclusion_proof(index, size)
        root = rebuilt.root(size)
        middle = time.perf_counter()
        assert verify_inclusion(leaves[index], index, size, proof, root)
        made.append(middle - begin)
        checked.append(time.perf_counter() - middle)
    rows.append(("inclusion proof (+ root of that size), make", percentiles(made), "<= 10 ms"))
    rows.append(("inclusion proof, verify", percentiles(checked), "<= 10 ms"))
    made, checked = [], []
    for _ in range(1000):
        new = rng.randrange(1, count + 1)
        old = rng.randrange(1, new + 1)
        begin = time.perf_counter()
        proof = rebuilt.consistency_proof(old, new)
        roots = rebuilt.root(old), rebuilt.root(new)
        middle = time.perf_counter()
        assert verify_consistency(old, new, *roots, proof)
        made.append(middle - begin)
        checked.append(time.perf_counter() - middle)
    rows.append(("consistency proof (+ both roots), make", percentiles(made), "<= 10 ms"))
    rows.append(("consistency proof, verify", percentiles(checked), "<= 10 ms"))

    # 3. The whole audit against bare Ed25519 verification on all cores.
    keys: dict[str, Ed25519PublicKey] = {}
    triples = []
    for entry in entries:
        key = keys.get(entry.signer_key)
        if key is None:
            key = keys[entry.signer_key] = Ed25519PublicKey.from_public_bytes(
                bytes.fromhex(entry.signer_key))
        triples.append((key, bytes.fromhex(entry.signature), entry.signed_bytes()))
    bare = floor(triples, workers)
    del triples
    start = time.perf_counter()
    verdict = verify_record(entries, heads, log.public_key.hex(), workers=workers)
    audit = time.perf_counter() - start
    assert verdict.ok, verdict.reason
    rows.append(("floor: bare Ed25519 verify, all cores", f"{bare:.2f} s "
                 f"({bare / count * 1e6:.1f} µs/signature)", ""))
    rows.append((f"verify_record ({verdict.signatures_checked:,} signatures, "
                 f"{verdict.heads_checked} heads)", f"{audit:.2f} s", ""))
    rows.append(("audit / floor", f"{audit / bare:.2f}x", "<= 1.5x"))

    # 4. Proofs served by the real server on the record stored in SQLite.
    if args.served:
        rows.extend(served(entries, rebuilt, args.seed))

    width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    print()
    print(f"{'measure':<{width}}  {'result':<{value_width}}  target")
    print(f"{'-' * width}  {'-' * value_width}  ------")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<{value_width}}  {target}")


if __name__ == "__main__":
    main()

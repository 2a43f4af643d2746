"""Benchmark: the open books at 10^6 signed entries (commonplan.ledger).

    python bench/ledger.py [--entries 1000000] [--quick] [--seed 0] [--workers N]

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
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10^5 entries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
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

    width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    print()
    print(f"{'measure':<{width}}  {'result':<{value_width}}  target")
    print(f"{'-' * width}  {'-' * value_width}  ------")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<{value_width}}  {target}")


if __name__ == "__main__":
    main()

"""The open books over REST, read without an account on SQLite and PostgreSQL: the signed head,
the entries page by page, inclusion and consistency proofs that verify on the reader's side, the
whole check naming the first entry tampered with, and auditors' cosignatures of heads."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from commonplan.ledger import Entry, Signer, TreeHead, verify_consistency, verify_inclusion
from commonplan.ledger.heads import verify_head
from commonplan.ledger.tree import leaf_hash
from commonplan.store.accounts import set_role
from tests.rest import democracy_client, found, join, ok, people

Headers = dict[str, str]


@pytest.fixture
def client(database_url, monkeypatch):
    yield from democracy_client(database_url, monkeypatch)


@pytest.fixture
def members(client) -> list[Headers]:
    """Four members, one of them an auditor (the last), and a bakery the first three are in."""
    headers = people(client, 4)
    with client.app.state.sessions() as db, db.begin():
        set_role(db, "m3@example.org", "auditor")
    bakery = found(client, headers[0], name="Bakery")
    join(client, bakery, headers[1:3])
    return headers


def more_acts(client: TestClient, headers: Headers, count: int) -> None:
    for number in range(count):
        found(client, headers, name=f"Council {number}")


def everything(client: TestClient) -> list[dict[str, Any]]:
    read: list[dict[str, Any]] = []
    while page := ok(client.get("/ledger/entries", params={"start": len(read)}), 200):
        read += page
    return read


def test_the_head_is_signed_by_the_logs_key_and_read_without_an_account(client, members):
    head = TreeHead.from_json(ok(client.get("/ledger/head"), 200))
    assert verify_head(head) and head.size == len(everything(client)) == 7  # keys, a council, two joined
    first = everything(client)[0]
    assert (first["kind"], first["act"]["holder"], first["act"]["key"]) == ("key", "log", head.signer_key)
    assert not verify_head(replace(head, size=head.size + 1))


def test_the_empty_books_have_a_head_of_size_zero(client):
    assert ok(client.get("/ledger/head"), 200) == {"size": 0}
    assert ok(client.get("/ledger/entries"), 200) == []
    assert ok(client.get("/ledger/verify"), 200)["ok"]


def test_the_entries_come_page_by_page_in_order(client, members):
    before = ok(client.get("/ledger/head"), 200)["size"]
    more_acts(client, members[0], 60)  # each a council, one entry: its founder's key is known
    first = ok(client.get("/ledger/entries"), 200)
    assert [entry["index"] for entry in first] == list(range(before + 60))
    page = ok(client.get("/ledger/entries", params={"start": 10, "limit": 5}), 200)
    assert [entry["index"] for entry in page] == list(range(10, 15)) and page == first[10:15]
    assert ok(client.get("/ledger/entries", params={"start": before + 60}), 200) == []
    more_acts(client, members[0], 40)
    assert [e["index"] for e in ok(client.get("/ledger/entries"), 200)] == list(range(100))
    rest = ok(client.get("/ledger/entries", params={"start": 100}), 200)
    assert [e["index"] for e in rest] == list(range(100, before + 100))
    assert len(everything(client)) == ok(client.get("/ledger/head"), 200)["size"] == before + 100
    for bad in ({"limit": 0}, {"limit": 101}, {"start": -1}):
        answer = client.get("/ledger/entries", params=bad)
        assert (answer.status_code, answer.json()["error"]) == (422, "invalid_request"), bad


def test_an_entrys_inclusion_proof_verifies_against_the_heads_root(client, members):
    head = TreeHead.from_json(ok(client.get("/ledger/head"), 200))
    for index in range(head.size):
        found_entry = ok(client.get(f"/ledger/entries/{index}"), 200)
        entry = Entry.from_json(found_entry["entry"])
        assert entry.leaf_hash().hex() == found_entry["leaf_hash"]
        assert leaf_hash(entry.leaf_bytes()) == entry.leaf_hash()
        assert (found_entry["size"], found_entry["root"]) == (head.size, head.root)
        proof = [bytes.fromhex(h) for h in found_entry["proof"]]
        assert verify_inclusion(entry.leaf_hash(), index, head.size, proof, bytes.fromhex(head.root))
        assert not verify_inclusion(entry.leaf_hash(), (index + 1) % head.size, head.size, proof,
                                    bytes.fromhex(head.root))
    older = ok(client.get("/ledger/proofs/inclusion", params={"index": 2, "size": 5}), 200)
    proof = [bytes.fromhex(h) for h in older["proof"]]
    assert verify_inclusion(bytes.fromhex(older["leaf_hash"]), 2, 5, proof, bytes.fromhex(older["root"]))
    missing = client.get(f"/ledger/entries/{head.size}")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    for params in ({"index": 5, "size": 5}, {"index": head.size, "size": head.size},
                   {"index": 0, "size": head.size + 1}):
        answer = client.get("/ledger/proofs/inclusion", params=params)
        assert (answer.status_code, answer.json()["error"]) == (422, "invalid_request"), params


def test_a_later_head_is_proven_consistent_with_an_older_one(client, members):
    old = TreeHead.from_json(ok(client.get("/ledger/head"), 200))
    more_acts(client, members[1], 5)
    new = TreeHead.from_json(ok(client.get("/ledger/head"), 200))
    assert new.size == old.size + 5 and verify_head(new)
    sizes = {"old_size": old.size, "new_size": new.size}
    answer = ok(client.get("/ledger/proofs/consistency", params=sizes), 200)
    assert (answer["old_root"], answer["new_root"]) == (old.root, new.root)
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    assert verify_consistency(old.size, new.size, bytes.fromhex(old.root), bytes.fromhex(new.root), proof)
    assert not verify_consistency(old.size, new.size, bytes.fromhex(new.root), bytes.fromhex(new.root), proof)
    for params in ({"old_size": 3, "new_size": 2}, {"old_size": 1, "new_size": new.size + 1}):
        refused = client.get("/ledger/proofs/consistency", params=params)
        assert (refused.status_code, refused.json()["error"]) == (422, "invalid_request"), params


def test_the_whole_check_passes_and_names_the_first_entry_tampered_with(client, members):
    verdict = ok(client.get("/ledger/verify"), 200)
    head = ok(client.get("/ledger/head"), 200)
    assert (verdict["ok"], verdict["size"], verdict["root"], verdict["first_bad"]) == (
        True, head["size"], head["root"], None)
    assert verdict["signatures_checked"] >= head["size"]
    stored = everything(client)[5]
    forged = {**stored, "act": {**stored["act"], "council": 2}}
    forged_leaf = Entry.from_json(forged).leaf_bytes().decode()
    with client.app.state.sessions() as db, db.begin():  # the row rewritten, its leaf hash left
        db.execute(text("UPDATE ledger_entries SET leaf = :leaf WHERE idx = 5"), {"leaf": forged_leaf})
    verdict = ok(client.get("/ledger/verify"), 200)
    assert (verdict["ok"], verdict["first_bad"]) == (False, 5) and "5" in verdict["reason"]
    with client.app.state.sessions() as db, db.begin():  # ... and its leaf hash too: the signature fails
        db.execute(text("UPDATE ledger_entries SET leaf_hash = :hash WHERE idx = 5"),
                   {"hash": Entry.from_json(forged).leaf_hash()})
    verdict = ok(client.get("/ledger/verify"), 200)
    assert (verdict["ok"], verdict["first_bad"]) == (False, 5), verdict


def test_an_auditor_cosigns_a_published_head_with_their_own_key(client, members):
    head = TreeHead.from_json(ok(client.get("/ledger/head"), 200))  # shown, so published
    auditor = Signer.from_seed(bytes(range(32)))
    body = {"key": auditor.public_key.hex(), "signature": auditor.sign(head.signed_bytes()).hex()}
    cosigned = ok(client.post(f"/ledger/heads/{head.size}/cosignatures", json=body, headers=members[3]))
    assert [(c["key"], c["signature"]) for c in cosigned["cosignatures"]] == [
        (body["key"], body["signature"])]
    assert cosigned["cosignatures"][0]["auditor"].startswith("auditor:")
    shown = TreeHead.from_json(ok(client.get("/ledger/head"), 200))
    assert [c.key for c in shown.cosignatures] == [body["key"]] and verify_head(shown)
    assert ok(client.get("/ledger/verify"), 200)["ok"]
    again = client.post(f"/ledger/heads/{head.size}/cosignatures", json=body, headers=members[3])
    assert (again.status_code, again.json()["error"]) == (409, "already_cosigned")


def test_a_forged_cosignature_is_a_422_and_only_auditors_cosign(client, members):
    head = TreeHead.from_json(ok(client.get("/ledger/head"), 200))
    auditor = Signer.from_seed(bytes(range(32)))
    signature = auditor.sign(head.signed_bytes())
    forged = {"key": auditor.public_key.hex(), "signature": bytes([signature[0] ^ 1, *signature[1:]]).hex()}
    other_key = {"key": Signer.from_seed(bytes(32)).public_key.hex(), "signature": signature.hex()}
    for body in (forged, other_key):
        answer = client.post(f"/ledger/heads/{head.size}/cosignatures", json=body, headers=members[3])
        assert (answer.status_code, answer.json()["error"]) == (422, "bad_signature"), answer.text
    good = {"key": auditor.public_key.hex(), "signature": signature.hex()}
    answer = client.post(f"/ledger/heads/{head.size}/cosignatures", json=good, headers=members[0])
    assert (answer.status_code, answer.json()["error"]) == (403, "forbidden")
    answer = client.post(f"/ledger/heads/{head.size}/cosignatures", json=good)
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthorised")
    answer = client.post(f"/ledger/heads/{head.size + 7}/cosignatures", json=good, headers=members[3])
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    answer = client.post(f"/ledger/heads/{head.size}/cosignatures", json={"key": "zz"}, headers=members[3])
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_request")
    assert TreeHead.from_json(ok(client.get("/ledger/head"), 200)).cosignatures == ()


def test_every_read_of_the_books_needs_no_account(client, members):
    for path in ("/ledger/head", "/ledger/entries", "/ledger/entries/0", "/ledger/verify",
                 "/ledger/proofs/inclusion?index=0&size=1",
                 "/ledger/proofs/consistency?old_size=1&new_size=2"):
        answer = client.get(path)
        assert answer.status_code == 200 and json.loads(answer.text), path

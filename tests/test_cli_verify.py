"""``commonplan verify`` and ``ledger-copy``: the whole record checked, the first entry tampered
with named (exit 2), and a history rewritten with the server's own keys caught by an auditor's
earlier copy and the heads they kept."""

from __future__ import annotations

import json
from urllib.request import urlopen

import orjson
import pytest
from sqlalchemy import delete, select, update

from commonplan.app.acts.councils import found_council, join_council
from commonplan.ledger import Entry, derive_signer, sign_entry
from commonplan.store.accounts import register_member
from commonplan.store.books import OpenBooks
from commonplan.store.database import open_database, sessions
from commonplan.store.models import LedgerEntry, LedgerHead
from tests.commands import run

SECRET = bytes.fromhex("c0" * 32)


@pytest.fixture
def record(tmp_path):
    """A database whose open books hold a council founded and joined by three members."""
    url = f"sqlite:///{tmp_path / 'commonplan.db'}"
    engine = open_database(url)
    books = OpenBooks(SECRET)
    with sessions(engine)() as db, db.begin():
        founder, *others = (register_member(db, f"m{n}@example.org", "correct horse battery")
                            for n in range(3))
        council = found_council(db, books, founder, name="Bakery", level="workplace", reference_rate=30)
        for member in others:
            join_council(db, books, member, council.id)
        books.head(db)
    yield url, engine
    engine.dispose()


def _rewrite(engine, index: int, change) -> None:
    """Change entry ``index`` with ``change(entry) -> act`` and re-sign it with the key the server
    holds for its signer, as an operator with the server's secret could."""
    with sessions(engine)() as db, db.begin():
        row = db.scalar(select(LedgerEntry).where(LedgerEntry.idx == index))
        entry = Entry.from_json(json.loads(row.leaf))
        signer = derive_signer(SECRET, entry.signer)
        forged = sign_entry(entry.index, entry.kind, entry.actor, change(entry), entry.recorded_at, signer,
                            entry.signer, entry.on_behalf)
        row.leaf, row.leaf_hash = forged.leaf_bytes().decode(), forged.leaf_hash()


def test_an_untouched_record_verifies_and_its_copy_too(capfd, record, tmp_path):
    url, _engine = record
    code, out, _err = run(capfd, "verify", "--database", url)
    assert code == 0 and out.startswith("ok: ")
    copy = tmp_path / "copy.jsonl"
    assert run(capfd, "ledger-copy", "--database", url, "--out", str(copy))[0] == 0
    code, out, _err = run(capfd, "verify", "--record", str(copy), "--json")
    document = orjson.loads(out)
    assert code == 0 and document["ok"] and document["signatures_checked"] == document["size"] > 0


def test_an_edited_entry_is_named(capfd, record):
    url, engine = record
    with engine.begin() as connection:
        leaf = connection.scalar(select(LedgerEntry.leaf).where(LedgerEntry.idx == 2))
        connection.execute(update(LedgerEntry).where(LedgerEntry.idx == 2)
                           .values(leaf=leaf.replace('"Bakery"', '"Brewery"')))
    code, _out, err = run(capfd, "verify", "--database", url)
    assert code == 2 and "entry 2" in err


def test_a_history_rewritten_with_the_servers_keys_is_caught_by_an_auditors_copy(capfd, record, tmp_path):
    url, engine = record
    copy = tmp_path / "copy.jsonl"
    assert run(capfd, "ledger-copy", "--database", url, "--out", str(copy))[0] == 0
    _rewrite(engine, 2, lambda entry: {**entry.act, "reference_rate": 300})
    with engine.begin() as connection:  # the operator also drops the published heads
        connection.execute(delete(LedgerHead))
    assert run(capfd, "verify", "--database", url)[0] == 0  # consistent with itself...
    code, _out, err = run(capfd, "verify", "--database", url, "--against", str(copy))
    assert code == 2 and "entry 2 differs from your copy" in err  # ...but not with the auditor's copy
    assert "signed head of size" in err  # and the head the auditor kept no longer matches


def test_a_missing_or_broken_copy_is_bad_input(capfd, tmp_path):
    code, _out, err = run(capfd, "verify", "--record", str(tmp_path / "none.jsonl"))
    assert code == 2 and "none.jsonl" in err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"entry": {"index": "x"}}\n')
    code, _out, err = run(capfd, "verify", "--record", str(broken))
    assert code == 2 and "broken.jsonl:1:" in err


def test_an_auditor_copies_from_a_running_server_and_cosigns_a_head_it_checked(capfd, record, tmp_path):
    from commonplan.ledger import TreeHead, verify_signature
    from commonplan.server import create_app
    from tests.browsers import serving

    url, engine = record
    copy, head_file, key = tmp_path / "copy.jsonl", tmp_path / "head.json", tmp_path / "auditor.key"
    with serving(create_app(url, books=OpenBooks(SECRET))) as address:
        assert run(capfd, "ledger-copy", "--from", address, "--out", str(copy))[0] == 0
        head_file.write_bytes(orjson.dumps(json.load(urlopen(f"{address}/ledger/head"))))
    code, out, _err = run(capfd, "cosign", "--head", str(head_file), "--copy", str(copy), "--key", str(key))
    cosignature = orjson.loads(out)
    head = TreeHead.from_json(orjson.loads(head_file.read_bytes()))
    assert code == 0 and key.stat().st_mode & 0o777 == 0o600
    assert verify_signature(bytes.fromhex(cosignature["key"]), bytes.fromhex(cosignature["signature"]),
                            head.signed_bytes())
    assert run(capfd, "verify", "--record", str(copy))[0] == 0
    _rewrite(engine, 2, lambda entry: {**entry.act, "reference_rate": 300})  # history rewritten...
    rewritten = tmp_path / "rewritten.jsonl"
    assert run(capfd, "ledger-copy", "--database", url, "--out", str(rewritten))[0] == 0
    code, _out, err = run(capfd, "cosign", "--head", head_file, "--copy", rewritten, "--key", key)
    assert code == 2 and "does not match your copy" in err  # ...and the old head is not co-signed

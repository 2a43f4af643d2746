"""Entries: canonical JSON, what is signed and what is hashed."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from commonplan.ledger.entries import Entry, canonical, sign_entry
from commonplan.ledger.signing import derive_signer, verify_signature
from commonplan.ledger.tree import leaf_hash

MEMBER = derive_signer(b"m" * 32, "member:3f2a9c")


def an_entry(**changes: object) -> Entry:
    entry = sign_entry(4, "ballot opened", "member:3f2a9c",
                       {"ballot": "priorities 2026", "options": ["a", "b"], "note": "été \"ok\"\n"},
                       "2026-01-02T03:04:05Z", MEMBER, "member:3f2a9c", on_behalf=True)
    return dataclasses.replace(entry, **changes)


def test_canonical_json_sorts_keys_keeps_utf8_and_has_no_spaces() -> None:
    assert canonical({"b": 1, "a": [1.5, "é"], "c": None}) == '{"a":[1.5,"é"],"b":1,"c":null}'.encode()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_canonical_json_refuses_what_is_not_a_number(value: float) -> None:
    with pytest.raises(ValueError):
        canonical({"x": value})


def test_the_signed_and_leaf_bytes_are_the_canonical_json_of_the_fields() -> None:
    entry = an_entry()
    whole = entry.to_json()
    assert entry.leaf_bytes() == canonical(whole)
    del whole["signature"]
    assert entry.signed_bytes() == canonical(whole)
    assert entry.encodings() == (entry.signed_bytes(), entry.leaf_bytes())
    assert entry.leaf_hash() == leaf_hash(entry.leaf_bytes())
    assert json.loads(entry.leaf_bytes())["signature"] == entry.signature


def test_a_signed_entry_verifies_with_the_signers_key() -> None:
    entry = an_entry()
    assert entry.signer_key == MEMBER.public_key.hex()
    assert verify_signature(MEMBER.public_key, bytes.fromhex(entry.signature), entry.signed_bytes())
    changed = an_entry(act={"ballot": "something else"})
    assert not verify_signature(MEMBER.public_key, bytes.fromhex(changed.signature),
                                changed.signed_bytes())


def test_an_entry_survives_a_round_trip_through_json() -> None:
    entry = an_entry()
    assert Entry.from_json(json.loads(json.dumps(entry.to_json()))) == entry


@pytest.mark.parametrize(("field", "value"), [
    ("index", "4"), ("index", -1), ("index", True), ("kind", 3), ("act", []), ("on_behalf", "yes"),
    ("signature", "not hex"), ("signer_key", None), ("act", {"x": math.nan}),
])
def test_from_json_names_the_bad_field(field: str, value: object) -> None:
    data = an_entry().to_json()
    data[field] = value
    with pytest.raises(ValueError, match=f"^{field}"):
        Entry.from_json(data)


def test_from_json_names_a_missing_or_unknown_field() -> None:
    data = an_entry().to_json()
    del data["actor"]
    with pytest.raises(ValueError, match=r"^actor"):
        Entry.from_json(data)
    data = an_entry().to_json() | {"extra": 1}
    with pytest.raises(ValueError, match=r"^extra"):
        Entry.from_json(data)


def test_an_act_that_is_not_json_is_refused_before_signing() -> None:
    with pytest.raises(ValueError):
        sign_entry(0, "tally", "log", {"share": math.nan}, "2026-01-01T00:00:00Z", MEMBER, "log",
                   on_behalf=False)

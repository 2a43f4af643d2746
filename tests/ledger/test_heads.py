"""Signed tree heads and auditors' cosignatures."""

from __future__ import annotations

import dataclasses

from commonplan.ledger.heads import TreeHead, cosign, sign_head, verify_cosignatures, verify_head
from commonplan.ledger.signing import derive_signer

LOG = derive_signer(b"m" * 32, "log")
AUDITOR = derive_signer(b"m" * 32, "auditor:ada")
OTHER = derive_signer(b"m" * 32, "auditor:bob")


def a_head() -> TreeHead:
    return sign_head(120, b"\x07" * 32, "2026-01-02T03:04:05Z", LOG)


def test_a_signed_head_verifies_and_a_changed_one_does_not() -> None:
    head = a_head()
    assert head.root == "07" * 32 and head.signer_key == LOG.public_key.hex()
    assert verify_head(head)
    assert not verify_head(dataclasses.replace(head, size=121))
    assert not verify_head(dataclasses.replace(head, root="08" * 32))
    assert not verify_head(dataclasses.replace(head, signer_key=AUDITOR.public_key.hex()))
    assert not verify_head(dataclasses.replace(head, signature="zz"))


def test_cosignatures_verify_and_a_forged_one_is_named() -> None:
    head = cosign(cosign(a_head(), "auditor:ada", AUDITOR), "auditor:bob", OTHER)
    assert verify_head(head) and verify_cosignatures(head) == []
    ada, bob = head.cosignatures
    forged = dataclasses.replace(head, cosignatures=(ada, dataclasses.replace(bob, key=ada.key)))
    assert verify_cosignatures(forged) == ["auditor:bob"]


def test_a_head_survives_a_round_trip_through_json() -> None:
    head = cosign(a_head(), "auditor:ada", AUDITOR)
    assert TreeHead.from_json(head.to_json()) == head
    assert head.signed_bytes() == (b'{"root":"' + b"07" * 32 + b'","signer_key":"'
                                   + LOG.public_key.hex().encode()
                                   + b'","size":120,"timestamp":"2026-01-02T03:04:05Z"}')

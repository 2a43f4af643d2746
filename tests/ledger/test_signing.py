"""Ed25519 keys derived per holder, and signatures checked on all cores."""

from __future__ import annotations

import hashlib

import pytest

from commonplan.ledger.signing import Signer, derive_signer, verify_signature, verify_signatures

MASTER = b"m" * 32


def test_the_rfc_8032_test_vector_signs_as_published() -> None:
    # RFC 8032 section 7.1, TEST 1: the empty message.
    signer = Signer.from_seed(bytes.fromhex(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
    assert signer.public_key.hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    assert signer.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    assert signer.key_id == hashlib.sha256(signer.public_key).hexdigest()[:16]


def test_each_holder_gets_its_own_key_and_the_same_one_every_time() -> None:
    log, member = derive_signer(MASTER, "log"), derive_signer(MASTER, "member:ab12")
    assert log.public_key != member.public_key
    assert derive_signer(MASTER, "log").public_key == log.public_key
    assert derive_signer(b"n" * 32, "log").public_key != log.public_key
    assert len(log.public_key) == 32 and len(log.key_id) == 16


def test_a_signer_is_frozen_and_refuses_a_short_seed() -> None:
    signer = derive_signer(MASTER, "log")
    with pytest.raises(AttributeError):
        signer.public_key = b"x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="seed"):
        Signer.from_seed(b"short")


def test_a_signature_verifies_only_for_its_key_and_message() -> None:
    signer, other = derive_signer(MASTER, "log"), derive_signer(MASTER, "council:7")
    signature = signer.sign(b"hello")
    assert verify_signature(signer.public_key, signature, b"hello")
    assert not verify_signature(signer.public_key, signature, b"hellO")
    assert not verify_signature(other.public_key, signature, b"hello")
    assert not verify_signature(b"short key", signature, b"hello")
    assert not verify_signature(signer.public_key, b"short signature", b"hello")


def test_verify_signatures_names_every_failing_triple_in_order() -> None:
    signers = [derive_signer(MASTER, f"member:{number}") for number in range(3)]
    items = []
    for number in range(5000):
        signer = signers[number % 3]
        message = f"act {number}".encode()
        items.append((signer.public_key, signer.sign(message), message))
    bad = [7, 2500, 4999]
    items[7] = (items[7][0], items[7][1], b"changed")
    items[2500] = (signers[0].public_key, items[2501][1], items[2500][2])
    items[4999] = (b"no key", items[4999][1], items[4999][2])
    assert verify_signatures(items) == bad
    assert verify_signatures(items, workers=1) == bad
    assert verify_signatures([]) == []

"""Ed25519 keys for the open books: one master secret on the server, one key per holder.

Every holder ("log", "member:3f2a9c...", "council:7", "auditor:...") gets its own key, derived
from the master secret with HKDF-SHA256 (RFC 5869), info = b"commonplan ledger key:" + holder,
so no private key is ever stored.  Verification is checked on all cores: OpenSSL releases
the GIL while it verifies, so threads suffice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["Signer", "derive_signer", "verify_signature", "verify_signatures"]

KEY_INFO = b"commonplan ledger key:"
CHUNK = 2048  # signatures one thread checks in a row: a few milliseconds of work


class Signer:
    """An Ed25519 private key and its public half (32 raw bytes)."""

    __slots__ = ("_private", "key_id", "public_key")
    _private: Ed25519PrivateKey
    key_id: str  # the first 16 hex digits of the SHA-256 of the public key
    public_key: bytes

    def __init__(self, private: Ed25519PrivateKey) -> None:
        object.__setattr__(self, "_private", private)
        public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)
        object.__setattr__(self, "public_key", public)
        object.__setattr__(self, "key_id", hashlib.sha256(public).hexdigest()[:16])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Signer is frozen: {name} cannot be set")

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r})"

    @classmethod
    def from_seed(cls, seed: bytes) -> Signer:
        """The signer whose private key is these 32 bytes."""
        if len(seed) != 32:
            raise ValueError(f"seed: an Ed25519 seed has 32 bytes, not {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of a message."""
        return self._private.sign(message)


def derive_signer(master_secret: bytes, holder: str) -> Signer:
    """The holder's signer: HKDF-SHA256 of the master secret, info naming the holder."""
    if not master_secret:
        raise ValueError("master_secret: it is empty")
    if not holder:
        raise ValueError("holder: it is empty")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=KEY_INFO + holder.encode()).derive(master_secret)
    return Signer.from_seed(seed)


def _public(public_key: bytes) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(public_key)
    except (ValueError, TypeError):
        return None


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether `signature` is the key's signature of `message`; False for any bad input."""
    key = _public(public_key)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


class _Keys(dict[bytes, Ed25519PublicKey | None]):
    """Ed25519PublicKey objects by raw key (None for bytes that are no key): few keys, many uses."""

    def __missing__(self, raw: bytes) -> Ed25519PublicKey | None:
        key = self[raw] = _public(raw)
        return key


def _failures(items: Sequence[tuple[bytes, bytes, bytes]], keys: _Keys, offset: int) -> list[int]:
    """Indices (plus offset) of the triples whose signature fails."""
    failed = []
    for number, (public_key, signature, message) in enumerate(items):
        key = keys[public_key]
        try:
            # A None key (bytes that are no key) fails with the AttributeError caught below: one
            # test fewer in the hot loop.
            key.verify(signature, message)  # type: ignore[union-attr]
        except (InvalidSignature, AttributeError, TypeError, ValueError):
            failed.append(offset + number)
    return failed


def verify_signatures(items: Sequence[tuple[bytes, bytes, bytes]],
                      workers: int | None = None) -> list[int]:
    """Check (public_key, signature, message) triples on all cores; the sorted failing indices."""
    workers = workers or os.cpu_count() or 1
    keys = _Keys()
    if workers == 1 or len(items) <= CHUNK:
        return _failures(items, keys, 0)
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(lambda start: _failures(items[start:start + CHUNK], keys, start),
                         range(0, len(items), CHUNK))
        return [index for part in parts for index in part]

"""Entries of the open books: one signed act each, encoded as canonical JSON.

The canonical form is JSON with sorted keys, no spaces, UTF-8 (not \\u escapes), and no NaN or
infinity, so that anybody re-encoding an entry gets the very bytes that were signed and hashed.
An entry's signature covers every field but itself (`signed_bytes`); its leaf in the Merkle tree
is the hash of every field (`leaf_bytes`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from json.encoder import encode_basestring
from typing import Any

from commonplan.ledger.signing import Signer
from commonplan.ledger.tree import leaf_hash

__all__ = ["Entry", "canonical", "sign_entry"]

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def canonical(value: Any) -> bytes:
    """JSON with sorted keys, separators "," and ":", UTF-8; ValueError for NaN or infinity."""
    return _ENCODER.encode(value).encode()


@dataclass(frozen=True, slots=True)
class Entry:
    """One act on the record: who did what, when, and whose key signed it."""

    index: int
    kind: str
    actor: str
    act: dict[str, Any]  # plain JSON
    recorded_at: str
    signer: str
    signer_key: str
    on_behalf: bool
    signature: str

    def encodings(self) -> tuple[bytes, bytes]:
        """(signed_bytes, leaf_bytes) at once: the act is encoded a single time."""
        # The canonical JSON written out in the sorted order of the keys (act, actor, index,
        # kind, on_behalf, recorded_at, signature, signer, signer_key); a test holds it equal
        # to canonical(), and it costs a third as much.
        head = "".join((
            '{"act":', _ENCODER.encode(self.act),
            ',"actor":', encode_basestring(self.actor),
            ',"index":', str(int(self.index)),
            ',"kind":', encode_basestring(self.kind),
            ',"on_behalf":', "true" if self.on_behalf else "false",
            ',"recorded_at":', encode_basestring(self.recorded_at)))
        tail = "".join((',"signer":', encode_basestring(self.signer),
                        ',"signer_key":', encode_basestring(self.signer_key), "}"))
        return ((head + tail).encode(),
                (head + ',"signature":' + encode_basestring(self.signature) + tail).encode())

    def signed_bytes(self) -> bytes:
        """The canonical JSON of every field but the signature: what the signer signed."""
        return self.encodings()[0]

    def leaf_bytes(self) -> bytes:
        """The canonical JSON of every field: what the Merkle tree hashes."""
        return self.encodings()[1]

    def leaf_hash(self) -> bytes:
        """SHA-256(0x00 || leaf_bytes): the entry's leaf in the tree."""
        return leaf_hash(self.leaf_bytes())

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_json(cls, data: object) -> Entry:
        """The entry from a JSON object; ValueError naming the field that is missing or wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"entry: a JSON object is expected, not {type(data).__name__}")
        names = {field.name for field in fields(cls)}
        extra = sorted(set(data) - names)
        if extra:
            raise ValueError(f"{extra[0]}: an entry has no such field")
        for name in (field.name for field in fields(cls)):
            if name not in data:
                raise ValueError(f"{name}: the field is missing")
        if type(data["index"]) is not int or data["index"] < 0:
            raise ValueError(f"index: a whole number >= 0 is expected, not {data['index']!r}")
        for name in ("kind", "actor", "recorded_at", "signer", "signer_key", "signature"):
            if not isinstance(data[name], str):
                raise ValueError(f"{name}: a string is expected, not {data[name]!r}")
        if not isinstance(data["act"], dict):
            raise ValueError(f"act: a JSON object is expected, not {data['act']!r}")
        if not isinstance(data["on_behalf"], bool):
            raise ValueError(f"on_behalf: true or false is expected, not {data['on_behalf']!r}")
        for name in ("signer_key", "signature"):
            try:
                bytes.fromhex(data[name])
            except ValueError:
                raise ValueError(f"{name}: hexadecimal is expected, not {data[name]!r}") from None
        try:
            canonical(data["act"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"act: it is not plain JSON ({error})") from None
        return cls(**{name: data[name] for name in names})


def sign_entry(index: int, kind: str, actor: str, act: dict[str, Any], recorded_at: str, signer: Signer,
               signer_holder: str, on_behalf: bool) -> Entry:
    """The entry for an act, signed by `signer` (the key of `signer_holder`)."""
    unsigned = Entry(index=index, kind=kind, actor=actor, act=act, recorded_at=recorded_at,
                     signer=signer_holder, signer_key=signer.public_key.hex(),
                     on_behalf=on_behalf, signature="")
    canonical(act)  # refuses NaN, infinity and what JSON cannot hold before anything is signed
    signature = signer.sign(unsigned.signed_bytes()).hex()
    return Entry(index=index, kind=kind, actor=actor, act=act, recorded_at=recorded_at,
                 signer=signer_holder, signer_key=unsigned.signer_key, on_behalf=on_behalf,
                 signature=signature)

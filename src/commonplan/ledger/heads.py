"""Signed tree heads: the log's signature on (size, root, timestamp), and auditors' cosignatures.

A head commits the log to the first `size` entries; an auditor who has checked them co-signs
the same bytes, so a reader trusts a head as far as she trusts any one of its signers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from commonplan.ledger.entries import canonical
from commonplan.ledger.signing import Signer, verify_signature

__all__ = ["Cosignature", "TreeHead", "cosign", "sign_head", "verify_cosignatures",
           "verify_head"]


@dataclass(frozen=True, slots=True)
class Cosignature:
    """An auditor's signature (hex) with its public key (hex) on a head's signed bytes."""

    auditor: str
    key: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        return {"auditor": self.auditor, "key": self.key, "signature": self.signature}

    @classmethod
    def from_json(cls, data: object) -> Cosignature:
        """The cosignature from a JSON object; ValueError naming the bad field."""
        if not isinstance(data, dict):
            raise ValueError("cosignatures: each is a JSON object")
        for name in ("auditor", "key", "signature"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"cosignatures.{name}: a string is expected")
        return cls(auditor=data["auditor"], key=data["key"], signature=data["signature"])


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The log's signed statement that its first `size` entries have this root (hex)."""

    size: int
    root: str
    timestamp: str
    signer_key: str
    signature: str
    cosignatures: tuple[Cosignature, ...] = ()

    def signed_bytes(self) -> bytes:
        """The canonical JSON of size, root, timestamp and signer_key: what is signed."""
        return canonical({"size": self.size, "root": self.root, "timestamp": self.timestamp,
                          "signer_key": self.signer_key})

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": self.root, "timestamp": self.timestamp,
                "signer_key": self.signer_key, "signature": self.signature,
                "cosignatures": [cosignature.to_json() for cosignature in self.cosignatures]}

    @classmethod
    def from_json(cls, data: object) -> TreeHead:
        """The head from a JSON object; ValueError naming the bad field."""
        if not isinstance(data, dict):
            raise ValueError(f"head: a JSON object is expected, not {type(data).__name__}")
        if type(data.get("size")) is not int or data["size"] < 0:
            raise ValueError(f"size: a whole number >= 0 is expected, not {data.get('size')!r}")
        for name in ("root", "timestamp", "signer_key", "signature"):
            if not isinstance(data.get(name), str):
                raise ValueError(f"{name}: a string is expected, not {data.get(name)!r}")
        cosignatures = data.get("cosignatures", [])
        if not isinstance(cosignatures, list):
            raise ValueError("cosignatures: a list is expected")
        return cls(size=data["size"], root=data["root"], timestamp=data["timestamp"],
                   signer_key=data["signer_key"], signature=data["signature"],
                   cosignatures=tuple(Cosignature.from_json(item) for item in cosignatures))


def sign_head(size: int, root: bytes, timestamp: str, signer: Signer) -> TreeHead:
    """The head of the first `size` entries, whose tree has `root`, signed by the log's key."""
    unsigned = TreeHead(size=size, root=root.hex(), timestamp=timestamp,
                        signer_key=signer.public_key.hex(), signature="")
    return replace(unsigned, signature=signer.sign(unsigned.signed_bytes()).hex())


def _valid(key: str, signature: str, message: bytes) -> bool:
    try:
        return verify_signature(bytes.fromhex(key), bytes.fromhex(signature), message)
    except ValueError:
        return False


def verify_head(head: TreeHead) -> bool:
    """Whether the head's own signature is valid for its signer_key."""
    return _valid(head.signer_key, head.signature, head.signed_bytes())


def cosign(head: TreeHead, auditor: str, signer: Signer) -> TreeHead:
    """The head with the auditor's cosignature added (on the same signed bytes)."""
    cosignature = Cosignature(auditor=auditor, key=signer.public_key.hex(),
                              signature=signer.sign(head.signed_bytes()).hex())
    return replace(head, cosignatures=(*head.cosignatures, cosignature))


def verify_cosignatures(head: TreeHead) -> list[str]:
    """The auditors whose cosignature on the head fails."""
    message = head.signed_bytes()
    return [item.auditor for item in head.cosignatures
            if not _valid(item.key, item.signature, message)]

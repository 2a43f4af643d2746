"""The answers of the open books' routes (docs/open-books.md): signed tree heads, entries and
the proofs of RFC 9162, all hashes and signatures as lowercase hex."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CosignatureView(BaseModel):
    auditor: str = Field(description="the auditor's pseudonym (auditor: and 16 hex digits)")
    key: str = Field(description="the auditor's own Ed25519 public key")
    signature: str = Field(description="Ed25519 over the head's signed bytes")


class TreeHeadView(BaseModel):
    """The log's signed statement that its first ``size`` entries have this root."""

    size: int
    root: str = Field(description="the Merkle tree hash of the first size entries")
    timestamp: str
    signer_key: str = Field(description="the log's Ed25519 public key")
    signature: str
    cosignatures: list[CosignatureView] = Field(default_factory=list)


class EmptyHead(BaseModel):
    """The head of books that hold no entry yet: nothing to sign."""

    model_config = ConfigDict(extra="forbid")

    size: int


class EntryView(BaseModel):
    """One signed act of the record (ledger.Entry)."""

    model_config = ConfigDict(from_attributes=True)

    index: int
    kind: str
    actor: str = Field(description="who acted: a member's pseudonym, or a council (council:<id>)")
    act: dict[str, Any] = Field(description="what was done, by kind (docs/open-books.md)")
    recorded_at: str
    signer: str = Field(description="whose key signed it")
    signer_key: str
    on_behalf: bool = Field(description="signed with the key the server holds for the actor, on its behalf")
    signature: str


class EntryWithProof(BaseModel):
    """An entry with its proof of inclusion in the current head."""

    entry: EntryView
    leaf_hash: str
    size: int = Field(description="the current head's size")
    root: str = Field(description="the current head's root")
    proof: list[str] = Field(description="the audit path (RFC 9162, 2.1.3)")


class InclusionProof(BaseModel):
    """That entry ``index`` is in the tree of ``size`` entries."""

    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str] = Field(description="the audit path (RFC 9162, 2.1.3)")


class ConsistencyProof(BaseModel):
    """That the record of ``new_size`` entries only extends that of ``old_size``."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str] = Field(description="the consistency proof (RFC 9162, 2.1.4)")


class BooksVerdict(BaseModel):
    """What a check of the whole record found."""

    model_config = ConfigDict(from_attributes=True)

    ok: bool
    size: int
    root: str
    first_bad: int | None = Field(description="the first entry tampered with; null when ok")
    reason: str = Field(description="why, in plain words")
    signatures_checked: int
    heads_checked: int

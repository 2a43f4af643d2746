"""The open books over HTTP, readable by anyone without an account (docs/democracy.md): the
signed tree head, the entries, inclusion and consistency proofs (RFC 9162), the whole check,
and auditors' cosignatures of heads they hold."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from sqlalchemy import select

from commonplan.api.auth import Me
from commonplan.api.schemas.ledger import (
    BooksVerdict,
    ConsistencyProof,
    EmptyHead,
    EntryView,
    EntryWithProof,
    InclusionProof,
    TreeHeadView,
)
from commonplan.ledger import Cosignature, TreeHead, verify_cosignatures
from commonplan.service.deps import Books, Db
from commonplan.service.errors import ApiError
from commonplan.service.limits import MAX_ID, PAGE_DEFAULT, Strict
from commonplan.service.paging import Limit, Page, link_headers
from commonplan.store.books import entries, verify_books
from commonplan.store.models import LedgerHead, LedgerTip

Index = Annotated[int, Query(ge=0, le=MAX_ID)]
Size = Annotated[int, Query(ge=0, le=MAX_ID)]
router = APIRouter(prefix="/ledger", tags=["open books"])
# a head as published, its fields as stored (unset ones not added)
AS_HEAD: dict[str, Any] = {"response_model": TreeHeadView | EmptyHead, "response_model_exclude_unset": True}


class CosignatureIn(Strict):
    key: str = Field(pattern="^[0-9a-f]{64}$", description="the auditor's own Ed25519 public key, hex")
    signature: str = Field(pattern="^[0-9a-f]{128}$", description="Ed25519 over the head's signed bytes, hex")


@router.get("/head", operation_id="ledger_head", **AS_HEAD)
def head(db: Db, books: Books) -> dict[str, Any]:
    """The current signed tree head (size, root, time, the log's signature, cosignatures)."""
    current = books.head(db)
    if current is None:
        return {"size": 0}
    published = db.get(LedgerHead, current.size)  # as published: with auditors' cosignatures
    return published.head if published is not None else current.to_json()


@router.get("/entries", operation_id="ledger_entries", response_model=list[EntryView])
def list_entries(db: Db, request: Request, response: Response, start: Index = 0,
                 limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    """Entries ``start`` to ``start + limit`` of the committed record (X-Total-Count: its size;
    Link: rel="next" while there are more)."""
    size = db.scalar(select(LedgerTip.size).where(LedgerTip.id == 1)) or 0  # read only: no head published
    link_headers(request, response, Page(start, limit, size), key="start")
    return [entry.to_json() for entry in entries(db, start, min(size, start + limit))]


@router.get("/entries/{index}", operation_id="ledger_entry")
def entry(index: Annotated[int, Field(ge=0, le=MAX_ID)], db: Db, books: Books) -> EntryWithProof:
    """One entry with its proof of inclusion in the current head."""
    tree, size = books.tree_of(db)
    if index >= size:
        raise ApiError(404, "not_found", f"the record has {size} entries: there is no entry {index}")
    found = next(entries(db, index, index + 1))
    return EntryWithProof(entry=EntryView.model_validate(found), leaf_hash=found.leaf_hash().hex(),
                          size=size, root=tree.root(size).hex(),
                          proof=[h.hex() for h in tree.inclusion_proof(index, size)])


@router.get("/proofs/inclusion", operation_id="ledger_inclusion_proof")
def inclusion(index: Index, size: Size, db: Db, books: Books) -> InclusionProof:
    """The proof that entry ``index`` is in the tree of ``size`` entries."""
    tree, committed = books.tree_of(db)
    _within(index + 1, committed, "index + 1")
    _within(size, committed, "size")
    if index >= size:
        raise ApiError(422, "invalid_request", "index must be below size", field="index")
    return InclusionProof(index=index, size=size, leaf_hash=tree.leaf(index).hex(),
                          root=tree.root(size).hex(),
                          proof=[h.hex() for h in tree.inclusion_proof(index, size)])


@router.get("/proofs/consistency", operation_id="ledger_consistency_proof")
def consistency(old_size: Size, new_size: Size, db: Db, books: Books) -> ConsistencyProof:
    """The proof that the record of ``new_size`` entries only extends that of ``old_size``."""
    tree, committed = books.tree_of(db)
    _within(new_size, committed, "new_size")
    if old_size > new_size:
        raise ApiError(422, "invalid_request", "old_size must be at most new_size", field="old_size")
    return ConsistencyProof(old_size=old_size, new_size=new_size, old_root=tree.root(old_size).hex(),
                            new_root=tree.root(new_size).hex(),
                            proof=[h.hex() for h in tree.consistency_proof(old_size, new_size)])


@router.get("/verify", operation_id="ledger_verify")
def verify(db: Db, books: Books) -> BooksVerdict:
    """Check the whole record: numbering, keys, every signature, every published head; names
    the first entry tampered with."""
    return BooksVerdict.model_validate(verify_books(db, books.log.public_key.hex()))


@router.post("/heads/{size}/cosignatures", status_code=201, operation_id="cosign_head",
             response_model=TreeHeadView, response_model_exclude_unset=True)
def cosign_head(size: Annotated[int, Field(ge=0, le=MAX_ID)], body: CosignatureIn, me: Me, db: Db,
                books: Books) -> dict[str, Any]:
    """An auditor's cosignature of a published head, made with the auditor's own key (which
    the server never holds)."""
    if me.role != "auditor":
        raise ApiError(403, "forbidden", "only auditors co-sign heads")
    row = db.get(LedgerHead, size)
    if row is None:
        raise ApiError(404, "not_found", f"no published head of size {size}")
    stored = TreeHead.from_json(row.head)
    auditor = books.pseudonym(me.id).replace("member:", "auditor:")
    if any(existing.auditor == auditor for existing in stored.cosignatures):
        raise ApiError(409, "already_cosigned", f"{auditor} has co-signed the head of size {size} already")
    cosignature = Cosignature(auditor, body.key, body.signature)
    signed = replace(stored, cosignatures=(*stored.cosignatures, cosignature))
    if auditor in verify_cosignatures(signed):
        raise ApiError(422, "bad_signature", "the signature is not the key's signature of this head",
                       field="signature")
    row.head = signed.to_json()
    return row.head


def _within(value: int, size: int, name: str) -> None:
    if value > size:
        raise ApiError(422, "invalid_request", f"{name} is beyond the record's {size} entries", field=name)

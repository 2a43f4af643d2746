"""The open books: an append-only Merkle log (RFC 9162) of signed entries, and its audit."""

from commonplan.ledger.audit import Verdict, find_divergence, verify_record
from commonplan.ledger.entries import Entry, canonical, sign_entry
from commonplan.ledger.heads import (
    Cosignature,
    TreeHead,
    cosign,
    sign_head,
    verify_cosignatures,
    verify_head,
)
from commonplan.ledger.signing import Signer, derive_signer, verify_signature, verify_signatures
from commonplan.ledger.tree import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "Cosignature",
    "Entry",
    "MerkleTree",
    "Signer",
    "TreeHead",
    "Verdict",
    "canonical",
    "cosign",
    "derive_signer",
    "find_divergence",
    "leaf_hash",
    "node_hash",
    "sign_entry",
    "sign_head",
    "verify_consistency",
    "verify_cosignatures",
    "verify_head",
    "verify_inclusion",
    "verify_record",
    "verify_signature",
    "verify_signatures",
]

"""The Merkle tree against RFC 6962/9162 published vectors and a naive reference."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.ledger.tree import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

# The reference inputs published with Certificate Transparency (google/certificate-transparency
# test data, used by transparency-dev/merkle) and the roots of their first 1..8 leaves.
INPUTS = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
          bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
# transparency-dev/merkle proof/verify_test.go (leaf numbers there count from 1).
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (1, 1, []),
]


def reference_root(hashes: list[bytes]) -> bytes:
    """MTH written out as RFC 9162 section 2.1.1 defines it, recursively."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_root(hashes[:k]) + reference_root(hashes[k:])).digest()


def reference_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1, recursively."""
    if len(hashes) == 1:
        return []
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    if m < k:
        return [*reference_path(m, hashes[:k]), reference_root(hashes[k:])]
    return [*reference_path(m - k, hashes[k:]), reference_root(hashes[:k])]


def reference_subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 section 2.1.4.1, recursively."""
    n = len(hashes)
    if m == n:
        return [] if whole else [reference_root(hashes)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*reference_subproof(m, hashes[:k], whole), reference_root(hashes[k:])]
    return [*reference_subproof(m - k, hashes[k:], False), reference_root(hashes[:k])]


def hashes_of(count: int) -> list[bytes]:
    return [leaf_hash(number.to_bytes(4, "big")) for number in range(count)]


def test_the_empty_tree_has_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert MerkleTree().root() == EMPTY_ROOT


def test_the_roots_match_the_published_certificate_transparency_vectors() -> None:
    tree = MerkleTree(leaf_hash(value) for value in INPUTS)
    assert [tree.root(size).hex() for size in range(1, 9)] == ROOTS
    grown = MerkleTree()
    for size, value in enumerate(INPUTS, 1):
        assert grown.append(leaf_hash(value)) == size - 1
        assert grown.root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(index: int, size: int, proof: list[str]) -> None:
    tree = MerkleTree(leaf_hash(value) for value in INPUTS)
    assert [value.hex() for value in tree.inclusion_proof(index, size)] == proof
    assert verify_inclusion(tree.leaf(index), index, size, [bytes.fromhex(p) for p in proof],
                            bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(old: int, new: int, proof: list[str]) -> None:
    tree = MerkleTree(leaf_hash(value) for value in INPUTS)
    assert [value.hex() for value in tree.consistency_proof(old, new)] == proof
    assert verify_consistency(old, new, bytes.fromhex(ROOTS[old - 1]), bytes.fromhex(ROOTS[new - 1]),
                              [bytes.fromhex(p) for p in proof])


def test_node_hash_prefixes_one_and_leaf_hash_zero() -> None:
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_root_and_proof_agrees_with_the_naive_reference(size: int, data: st.DataObject) -> None:
    hashes = hashes_of(size)
    tree = MerkleTree()
    for value in hashes[: size // 2]:
        tree.append(value)
    tree.extend(hashes[size // 2:])
    index = data.draw(st.integers(0, size - 1))
    part = data.draw(st.integers(index + 1, size))
    root = reference_root(hashes[:part])
    assert tree.root(part) == root
    proof = tree.inclusion_proof(index, part)
    assert proof == reference_path(index, hashes[:part])
    assert verify_inclusion(hashes[index], index, part, proof, root)
    old = data.draw(st.integers(1, part))
    proof = tree.consistency_proof(old, part)
    assert proof == reference_subproof(old, hashes[:part], True)
    assert verify_consistency(old, part, reference_root(hashes[:old]), root, proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 200), st.data())
def test_a_wrong_leaf_index_root_or_proof_fails(size: int, data: st.DataObject) -> None:
    hashes = hashes_of(size)
    tree = MerkleTree(hashes)
    root = tree.root()
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    other = data.draw(st.integers(0, size - 1).filter(lambda value: value != index))
    assert not verify_inclusion(hashes[other], index, size, proof, root)
    assert not verify_inclusion(hashes[index], other, size, proof, root)
    assert not verify_inclusion(hashes[index], index, size, proof, leaf_hash(b"other"))
    assert not verify_inclusion(hashes[index], index, size, [*proof, root], root)
    if proof:
        assert not verify_inclusion(hashes[index], index, size, proof[:-1], root)
    old = data.draw(st.integers(1, size - 1))
    old_root = tree.root(old)
    proof = tree.consistency_proof(old)
    assert verify_consistency(old, size, old_root, root, proof)
    assert not verify_consistency(old, size, leaf_hash(b"other"), root, proof)
    assert not verify_consistency(old, size, old_root, leaf_hash(b"other"), proof)
    assert not verify_consistency(old, size, old_root, root, proof[:-1])
    assert not verify_consistency(old, size, old_root, root, [])
    changed = [*proof[:-1], leaf_hash(proof[-1])]
    assert not verify_consistency(old, size, old_root, root, changed)


def test_edge_sizes_are_settled_as_the_reference_logs_settle_them() -> None:
    tree = MerkleTree(hashes_of(5))
    assert tree.consistency_proof(0) == [] and tree.consistency_proof(5) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, tree.root(), [])
    assert verify_consistency(5, 5, tree.root(), tree.root(), [])
    assert not verify_consistency(5, 5, tree.root(), tree.root(4), [])
    assert not verify_consistency(6, 5, tree.root(), tree.root(), [])
    assert not verify_inclusion(tree.leaf(0), 5, 5, [], tree.root())


def test_bad_arguments_raise_errors_that_name_them() -> None:
    tree = MerkleTree(hashes_of(3))
    with pytest.raises(ValueError, match="size"):
        tree.root(4)
    with pytest.raises(ValueError, match="index"):
        tree.inclusion_proof(3)
    with pytest.raises(ValueError, match="old_size"):
        tree.consistency_proof(4)
    with pytest.raises(ValueError, match="leaf_hash"):
        tree.append(b"short")
    with pytest.raises(IndexError, match="index"):
        tree.leaf(3)

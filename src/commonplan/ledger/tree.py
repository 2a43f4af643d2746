"""An append-only Merkle tree exactly as RFC 9162 (Certificate Transparency v2), section 2.1.

    MTH({})     = SHA-256()                                   (the empty tree)
    MTH({d0})   = SHA-256(0x00 || d0)                         (a leaf)
    MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = the largest power of two < n

Every complete subtree (2^h leaves starting at a multiple of 2^h) is kept, one list per height,
so the root of any prefix and every proof cost O(log n) hashes and an append O(1) amortised.
Inclusion proofs (PATH, section 2.1.3) and consistency proofs (PROOF, section 2.1.4) list their
hashes from the leaf upward, as the RFC does, and verify with its algorithms (2.1.3.2, 2.1.4.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

__all__ = ["EMPTY_ROOT", "MerkleTree", "leaf_hash", "node_hash", "verify_consistency",
           "verify_inclusion"]

EMPTY_ROOT: bytes = sha256(b"").digest()
HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one entry's bytes."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """The tree over a growing list of leaf hashes; every prefix of it is a tree too."""

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def append(self, leaf_hash: bytes) -> int:
        """Add one leaf hash; its index."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf_hash: a leaf hash has {HASH_SIZE} bytes, not {len(leaf_hash)}")
        levels = self._levels
        index = len(levels[0])
        levels[0].append(leaf_hash)
        height, position, value = 0, index, leaf_hash
        while position & 1:  # this node completes a pair: its parent is complete now
            value = sha256(b"\x01" + levels[height][position - 1] + value).digest()
            height, position = height + 1, position >> 1
            if height == len(levels):
                levels.append([])
            levels[height].append(value)
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add many leaf hashes, a whole level at a time."""
        new = list(leaf_hashes)
        if any(len(value) != HASH_SIZE for value in new):
            raise ValueError(f"leaf_hashes: every leaf hash has {HASH_SIZE} bytes")
        levels = self._levels
        levels[0].extend(new)
        height = 0
        while len(levels[height]) >= 2:
            below = levels[height]
            if height + 1 == len(levels):
                levels.append([])
            above = levels[height + 1]
            start = 2 * len(above)
            if start + 1 >= len(below):
                break
            above.extend([sha256(b"\x01" + below[i] + below[i + 1]).digest()
                          for i in range(start, len(below) - 1, 2)])
            height += 1

    def leaf(self, index: int) -> bytes:
        """The leaf hash at an index."""
        if not 0 <= index < self.size:
            raise IndexError(f"index: {index} is outside a tree of {self.size} leaves")
        return self._levels[0][index]

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"size: {size} is outside 0..{self.size}")
        return size

    def _range(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) where start is a multiple of a power of two >= end - start."""
        levels = self._levels
        parts = []
        while start < end:
            height = (end - start).bit_length() - 1
            parts.append(levels[height][start >> height])
            start += 1 << height
        value = parts.pop()
        while parts:
            value = sha256(b"\x01" + parts.pop() + value).digest()
        return value

    def root(self, size: int | None = None) -> bytes:
        """The root of the first `size` leaves (all by default)."""
        size = self._size(size)
        return self._range(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]): the sibling hashes from the leaf up to the root."""
        size = self._size(size)
        if not 0 <= index < size:
            raise ValueError(f"index: {index} is outside a tree of {size} leaves")
        path = []
        start, end = 0, size
        while end - start > 1:
            middle = start + _split(end - start)
            if index < middle:
                path.append(self._range(middle, end))
                end = middle
            else:
                path.append(self._range(start, middle))
                start = middle
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]); empty when old_size is 0 or equals new_size."""
        new_size = self._size(new_size)
        if not 0 <= old_size <= new_size:
            raise ValueError(f"old_size: {old_size} is outside 0..{new_size}")
        if old_size in (0, new_size):
            return []
        proof = []
        start, end, whole = 0, new_size, True  # SUBPROOF(old_size - start, D[start:end], whole)
        while old_size != end:
            middle = start + _split(end - start)
            if old_size <= middle:
                proof.append(self._range(middle, end))
                end = middle
            else:
                proof.append(self._range(start, middle))
                start, whole = middle, False
        if not whole:
            proof.append(self._range(start, end))
        proof.reverse()
        return proof


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` place `leaf_hash` at `index` under `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, value = index, size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            value = sha256(b"\x01" + sibling + value).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            value = sha256(b"\x01" + value + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and value == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of `new_size` an extension of that of `old_size`?

    The sizes the RFC leaves aside are settled as the reference logs do: a tree is consistent
    with itself (an empty proof, equal roots) and every tree extends the empty one (an empty
    proof, the old root that of the empty tree).
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for value in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = sha256(b"\x01" + value + first).digest()
            second = sha256(b"\x01" + value + second).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            second = sha256(b"\x01" + second + value).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and first == old_root and second == new_root

"""Finding ids among ids: the position of each of 24 million input rows' ids among 10^6 products.

Arrow's ``index_in`` hashes each string and compares it with a table of strings: two dependent
memory accesses per row, about 3.3 s of CPU for the inputs of 10^6 products.  Most ids are
short codes (``p0000001``, BEA's ``1111A0``): an id of at most 8 bytes with no NUL at its end is
fully described by its bytes read as one little-endian 64-bit integer, zero-padded.  Those keys
go into an open-addressing hash table (linear probing) built and probed with vectorised numpy,
block by block so that the temporaries stay in cache: about 5 times less time.  Columns with a
longer id, a null or an id ending in NUL are looked up by Arrow as before; the answers are the
same (the position of the first equal id, -1 where none).
"""

from __future__ import annotations

import weakref

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

KEY_BYTES = 8
GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * 2^64 / phi
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(KEY_BYTES)] + [2**64 - 1], np.uint64)
BLOCK = 1 << 16  # rows probed at once: their temporaries fit in a core's cache
RUN_SAMPLE = 10_000  # rows looked at to tell whether the values come in runs


def short_keys(values: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.uint64] | None:
    """Each id as a 64-bit integer (its bytes, zero-padded), or None when some id is null, empty,
    longer than 8 bytes or ends in a NUL byte (then two ids could share a key)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    keys = []
    for chunk in chunks:
        found = _chunk_keys(chunk)
        if found is None:
            return None
        keys.append(found)
    if len(keys) == 1:
        return keys[0]
    return np.concatenate(keys) if keys else np.zeros(0, np.uint64)


def _chunk_keys(array: pa.Array) -> npt.NDArray[np.uint64] | None:
    if not pa.types.is_string(array.type) or array.null_count:
        return None
    n = len(array)
    if n == 0:
        return np.zeros(0, np.uint64)
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], np.int32, count=n + 1, offset=array.offset * 4)
    start, end = int(offsets[0]), int(offsets[-1])
    lengths = np.diff(offsets)
    if lengths.min() == 0 or lengths.max() > KEY_BYTES:
        return None
    text = np.frombuffer(buffers[2], np.uint8, count=end - start, offset=start)
    if not text[offsets[1:] - start - 1].all():  # an id ending in NUL: its key is another id's
        return None
    if end - start == KEY_BYTES * n and lengths.min() == KEY_BYTES:
        keys: npt.NDArray[np.uint64] = text.view("<u8")  # every id 8 bytes: no copy
        return keys
    padded = np.zeros(end - start + KEY_BYTES, np.uint8)
    padded[: end - start] = text
    # every byte offset seen as the start of an 8-byte word, read where each id starts
    words = np.ndarray((end - start + 1,), "<u8", padded, 0, (1,))
    keys = words[offsets[:-1] - start] & _MASKS[lengths]
    return keys


class IdIndex:
    """The positions of ``ids`` (file order), ready to look values up; whether they are unique."""

    def __init__(self, ids: pa.Array) -> None:
        self.ids = ids
        keys = short_keys(ids)
        self.keys = keys
        self.unique: bool | None = None
        if keys is not None:
            self._build(keys)

    def _build(self, keys: npt.NDArray[np.uint64]) -> None:
        bits = int(np.ceil(np.log2(max(len(keys), 1)))) + 2  # a quarter full: short probes
        self.shift = np.uint64(64 - bits)
        self.mask = np.uint64((1 << bits) - 1)
        self.table = np.zeros(1 << bits, np.uint64)  # 0: an empty slot (no id has key 0)
        self.where = np.full(1 << bits, -1, np.int32)
        pending, slots = np.arange(len(keys)), self._hash(keys)
        unique = True
        while len(pending):
            wanted, held = keys[pending], self.table[slots]
            again = held == wanted  # an id seen before: it keeps the first position
            if again.any():
                unique = False
                pending, slots, wanted, held = (pending[~again], slots[~again], wanted[~again],
                                                held[~again])
            free = held == 0
            bidders, bid = pending[free], slots[free]
            # among ids bidding for one slot, the first in file order gets it (last write wins)
            self.table[bid[::-1]] = wanted[free][::-1]
            self.where[bid[::-1]] = bidders[::-1]
            placed = np.zeros(len(pending), bool)
            placed[free] = self.where[bid] == bidders
            repeat = ~placed[free] & (self.table[bid] == wanted[free])  # an equal id took it
            if repeat.any():
                unique = False
                placed[free] |= repeat
            pending, slots = pending[~placed], (slots[~placed] + np.uint64(1)) & self.mask
        self.unique = unique

    def _hash(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        # the last characters of a code vary most and sit in the high bytes: fold them down
        # before multiplying, which carries low bits up into the slot's (top) bits
        slots: npt.NDArray[np.uint64] = ((keys ^ (keys >> np.uint64(32))) * GOLDEN) >> self.shift
        return slots

    def positions(self, values: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.int32]:
        """Position of each value among the ids (the first, if repeated), -1 where unknown."""
        if self.keys is not None:
            found = []
            for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
                keys = _chunk_keys(chunk)  # chunk by chunk: no copy of a column of keys
                if keys is None:
                    break
                found.append(self.positions_of_keys(keys))
            else:
                return np.concatenate(found) if found else np.zeros(0, np.int32)
        return arrow_positions(values, self.ids)

    def positions_of_keys(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
        """``positions`` of values given by their ``short_keys``; runs of one value (inputs
        grouped by technique) are looked up once."""
        head = keys[:RUN_SAMPLE]
        if len(keys) > 1 and np.count_nonzero(head[1:] != head[:-1]) * 4 < len(head):
            starts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
            if len(starts) * 4 < len(keys):
                starts = np.concatenate(([0], starts))
                lengths = np.diff(np.append(starts, len(keys)))
                repeated: npt.NDArray[np.int32] = np.repeat(self.positions_of_keys(keys[starts]),
                                                            lengths)
                return repeated
        found = np.empty(len(keys), np.int32)
        for start in range(0, len(keys), BLOCK):
            found[start:start + BLOCK] = self._probe(keys[start:start + BLOCK])
        return found

    def _probe(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
        slots = self._hash(keys)
        held = self.table[slots]
        hit = held == keys
        found = np.where(hit, self.where[slots], -1).astype(np.int32)
        left = np.flatnonzero(~hit & (held != 0))  # a slot taken by another id: probe the next
        slots = slots[left]
        while len(left):
            slots = (slots + np.uint64(1)) & self.mask
            wanted, held = keys[left], self.table[slots]
            hit = held == wanted
            found[left[hit]] = self.where[slots[hit]]
            going = ~hit & (held != 0)
            left, slots = left[going], slots[going]
        return found


def arrow_positions(values: pa.Array | pa.ChunkedArray, ids: pa.Array) -> npt.NDArray[np.int32]:
    """Arrow's lookup: the position of each value among ``ids`` (the first), -1 where unknown."""
    found = pc.index_in(values, value_set=ids)
    if found.null_count:
        found = found.fill_null(-1)
    where: npt.NDArray[np.int32] = found.to_numpy(zero_copy_only=False)  # index_in answers int32
    return where


_indices: dict[int, tuple[weakref.ref[pa.Array], IdIndex]] = {}


def id_index(ids: pa.Array) -> IdIndex:
    """The index of ``ids``, built once while the array lives (products are looked up from
    techniques, inputs, resources and needs)."""
    kept = _indices.get(id(ids))
    if kept is not None and kept[0]() is ids:
        return kept[1]
    index = IdIndex(ids)
    forget = lambda _ref, key=id(ids), kept=_indices: kept.pop(key, None)  # noqa: E731
    _indices[id(ids)] = (weakref.ref(ids, forget), index)
    return index

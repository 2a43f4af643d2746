"""Looking ids up: the integer keys of short ids give the answers Arrow's index_in gives."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from commonplan.economy.ids import IdIndex, arrow_positions, id_index, short_keys

# short codes (the fast path), longer ids, and the troublesome: empty, NUL bytes, non-ASCII
ID = st.one_of(st.text("pqt019-", min_size=1, max_size=8), st.text(min_size=0, max_size=12),
               st.sampled_from(["a\x00", "a", "\x00a", "é", "p0000001", "p00000010"]))


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(ID, max_size=40), values=st.lists(ID, max_size=60), chunks=st.integers(1, 3))
def test_positions_are_those_of_arrow_for_any_ids_and_values(ids: list[str], values: list[str],
                                                             chunks: int) -> None:
    id_array = pa.array(ids, pa.string())
    cut = np.array_split(np.arange(len(values)), chunks)
    value_array = pa.chunked_array([pa.array([values[i] for i in part], pa.string())
                                    for part in cut], pa.string())
    index = IdIndex(id_array)
    assert index.positions(value_array).tolist() == arrow_positions(value_array, id_array).tolist()
    if index.unique is not None:
        assert index.unique == (len(set(ids)) == len(ids))


@settings(max_examples=50, deadline=None)
@given(size=st.integers(1, 5_000), repeats=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_codes_in_runs_are_found_at_their_first_position(size: int, repeats: int, seed: int) -> None:
    """Many ids, looked up in runs (inputs grouped by technique) and shuffled; a repeated id
    answers its first position."""
    rng = np.random.default_rng(seed)
    ids = [f"t{i:07d}" for i in range(size)] + ["t0000000"]  # the last repeats the first
    values = np.repeat(rng.integers(0, size + 2, size), repeats)
    names = [f"t{v:07d}" if v < size else "t0000000" if v == size else "t-none" for v in values]
    expected = [v if v < size else (0 if v == size else -1) for v in values]
    index = IdIndex(pa.array(ids))
    assert index.unique is False
    assert index.positions(pa.array(names)).tolist() == expected
    shuffled = rng.permutation(len(names))
    assert index.positions(pa.array([names[i] for i in shuffled])).tolist() == \
        [expected[i] for i in shuffled]


def test_keys_are_the_bytes_of_ids_up_to_8_long_and_none_otherwise() -> None:
    assert short_keys(pa.array(["a", "ab"])).tolist() == [ord("a"), ord("a") + 256 * ord("b")]
    assert short_keys(pa.array(["abcdefgh"])).tolist() == [int.from_bytes(b"abcdefgh", "little")]
    assert short_keys(pa.array(["abcdefghi"])) is None
    assert short_keys(pa.array([""])) is None
    assert short_keys(pa.array(["a\x00"])) is None  # would share a key with "a"
    assert short_keys(pa.array(["a", None])) is None


def test_an_index_is_built_once_per_array_while_it_lives() -> None:
    ids = pa.array(["x", "y"])
    assert id_index(ids) is id_index(ids)
    assert id_index(pa.array(["x", "y"])) is not id_index(ids)

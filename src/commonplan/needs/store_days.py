"""Store-product-days from integer keys: purchases summed per key, merged with the days that ended
empty, by sorting in numpy.

**Why not SQL's GROUP BY:** grouping 29 million rows (10^7 purchases and 1.9 x 10^7 empty days)
into 21 million keys took DuckDB 19 s within its memory limit; fetching the keys takes 2 s and
sorting and merging them here 3 s (docs/benchmarks.md).  The order of the result depends only
on the keys (not on the order DuckDB returns rows in), so a run is repeatable to the bit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def merged(bought: np.ndarray, quantity: np.ndarray, emptied: np.ndarray
           ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """The distinct keys of ``bought`` (one per purchase row) and ``emptied`` (one per stock row
    that ended empty, repeats allowed): those with purchases in order, then the others in order;
    per key what was sold (the sum of ``quantity``
    over its purchase rows, 0 where none) and whether it ended empty."""
    order = np.argsort(bought, kind="stable")
    keys = bought[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else \
        np.zeros(0, np.int64)
    sold = (np.add.reduceat(np.asarray(quantity, np.float64)[order], starts) if len(starts)
            else np.zeros(0))
    del order
    keys = keys[starts]
    empty_keys = np.sort(emptied)  # np.unique hashes: 30 times slower on 10^7 keys (numpy 2.4)
    if len(empty_keys):
        empty_keys = empty_keys[np.concatenate([[True], empty_keys[1:] != empty_keys[:-1]])]
    at = np.searchsorted(empty_keys, keys)
    hit = empty_keys[np.minimum(at, max(len(empty_keys) - 1, 0))] == keys if len(empty_keys) else \
        np.zeros(len(keys), bool)
    only = np.ones(len(empty_keys), bool)
    only[at[hit]] = False
    extra = int(only.sum())
    return (np.concatenate([keys, empty_keys[only]]).astype(np.int64, copy=False),
            np.concatenate([sold, np.zeros(extra)]).astype(np.float32),
            np.concatenate([hit, np.ones(extra, bool)]))

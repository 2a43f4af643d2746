"""A public, seeded lottery that anyone can replay with ``sha256sum``.

The seed is drawn once (:func:`new_seed`) and published before the draw; the purpose names the
draw ("approval tie", "stv tie at stage 3: exclusion"), so one seed serves many draws without one
draw predicting another.

Order (:func:`lottery_order`): every item gets the key SHA-256(seed + "\\n" + purpose + "\\n" + item)
in lowercase hex (UTF-8, no trailing newline); items are sorted by key ascending.  Replay::

    printf '%s\\n%s\\n%s' "$SEED" "approval tie" "candidate:7" | sha256sum

Weighted draw (:func:`draw_index`): u = int(SHA-256(seed + "\\n" + purpose), 16) / 2**256 (a float
in [0, 1)); the index drawn is the first i whose cumulative weight fsum(weights[0..i]) exceeds
u * fsum(weights).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Sequence
from fractions import Fraction


def _key(seed: str, purpose: str, item: str) -> str:
    return hashlib.sha256(f"{seed}\n{purpose}\n{item}".encode()).hexdigest()


def lottery_order(items: Sequence[str], seed: str, purpose: str) -> list[str]:
    """The items in ascending order of SHA-256(seed \\n purpose \\n item) (hex); equal items stay together."""
    return sorted(items, key=lambda item: (_key(seed, purpose, item), item))


def draw_index(weights: Sequence[float], seed: str, purpose: str) -> int:
    """An index drawn with probability proportional to ``weights`` (finite, >= 0, not all 0).

    u = int(SHA-256(seed \\n purpose), 16) / 2**256; the first i with fsum(weights[:i+1]) > u *
    fsum(weights).  Each cumulative sum is the correctly rounded sum of the prefix, as math.fsum.
    """
    if not weights:
        raise ValueError("weights: nothing to draw from (the sequence is empty)")
    for i, weight in enumerate(weights):
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weights[{i}]: {weight!r} is not a finite number >= 0")
    total = math.fsum(weights)
    if total <= 0:
        raise ValueError("weights: all weights are 0")
    u = int(hashlib.sha256(f"{seed}\n{purpose}".encode()).hexdigest(), 16) / 2**256
    target = u * total
    exact = Fraction(0)
    last_positive = 0
    for i, weight in enumerate(weights):
        exact += Fraction(weight)
        if weight > 0:
            last_positive = i
            if float(exact) > target:  # float(exact prefix) == fsum(weights[:i + 1])
                return i
    return last_positive  # only if rounding put the target at the total


def new_seed(random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    """A fresh seed: 32 random bytes as 64 lowercase hex characters (inject ``random_bytes`` in tests)."""
    data = random_bytes(32)
    if len(data) != 32:
        raise ValueError(f"random_bytes: asked for 32 bytes, got {len(data)}")
    return data.hex()

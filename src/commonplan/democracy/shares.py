"""The shares of work for consumption, investment and public services.

Each member proposes three shares (fractions summing to 1).  Two aggregates:

- ``"median"`` (the default): for each category the median of the proposed shares (the mean of
  the two middle ones for an even count), then all three divided by their sum so they add up to
  1 (equal shares if every median is 0).  Simple to check by hand.  It is not strategy-proof in
  general: the renormalisation lets a member shift the others' shares by exaggerating one share,
  although a member can move a category's median only by crossing it.
- ``"independent markets"``: the moving-phantom mechanism of Freeman, Pennock, Peters and Wortman
  Vaughan, "Truthful aggregation of budget proposals" (EC 2019; J. Economic Theory 193, 2021).
  Beside the n proposals stand n + 1 phantom proposals f_k(t) = min(1, t (n - k)), k = 0..n; each
  category gets the median of its n proposals and n + 1 phantoms, and t in [0, 1] rises until
  these medians sum to 1.  It is truthful (no member gains by misreporting, for preferences that
  measure the distance between their proposal and the result by the l1 norm) and sums to 1 by
  construction; t is found by bisection in floats, then the last rounding is renormalised away.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from commonplan.democracy.refusals import INVALID_BALLOT, Refusal
from commonplan.economy.model import PART_LABELS

CATEGORIES = PART_LABELS  # the parts of the economy (economy.model.Part)
METHODS = ("median", "independent markets")
TOLERANCE = 1e-9


def proposal_checked(content: Mapping[str, float]) -> dict[str, float]:
    """The proposal as a dict over :data:`CATEGORIES` (finite, >= 0, summing to 1 within 1e-9)."""
    if not isinstance(content, Mapping):
        raise Refusal(INVALID_BALLOT, f"a proposal of shares must map categories to shares, not "
                                      f"{type(content).__name__}")
    for key in content:
        if key not in CATEGORIES:
            raise Refusal(INVALID_BALLOT, f"{key!r} is not a category of work ({', '.join(CATEGORIES)})")
    checked: dict[str, float] = {}
    for key in CATEGORIES:
        if key not in content:
            raise Refusal(INVALID_BALLOT, f"the proposal gives no share for {key}")
        value = content[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Refusal(INVALID_BALLOT, f"the share for {key}, {value!r}, is not a number")
        if not math.isfinite(value) or value < 0:
            raise Refusal(INVALID_BALLOT, f"the share for {key}, {value}, is not a finite number >= 0")
        checked[key] = float(value)
    total = math.fsum(checked.values())
    if abs(total - 1) > TOLERANCE:
        raise Refusal(INVALID_BALLOT, f"the shares sum to {total}, not 1 (give fractions: 0.5 for half)")
    return checked


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _normalised(values: dict[str, float]) -> dict[str, float]:
    total = math.fsum(values.values())
    if total <= 0:
        return {key: 1 / len(CATEGORIES) for key in CATEGORIES}
    return {key: value / total for key, value in values.items()}


def _phantom_medians(proposals: Sequence[Mapping[str, float]], t: float) -> dict[str, float]:
    n = len(proposals)
    phantoms = [min(1.0, t * (n - k)) for k in range(n + 1)]
    return {key: _median([p[key] for p in proposals] + phantoms) for key in CATEGORIES}


def _independent_markets(proposals: Sequence[Mapping[str, float]]) -> dict[str, float]:
    low, high = 0.0, 1.0  # the medians sum to 0 at t = 0 and to sum of maxima >= 1 at t = 1
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if math.fsum(_phantom_medians(proposals, middle).values()) < 1:
            low = middle
        else:
            high = middle
    below, above = _phantom_medians(proposals, low), _phantom_medians(proposals, high)
    s_low, s_high = math.fsum(below.values()), math.fsum(above.values())
    weight = 0.0 if s_high == s_low else (1 - s_low) / (s_high - s_low)
    weight = min(1.0, max(0.0, weight))  # the medians are linear in t between such close points
    return _normalised({key: below[key] + weight * (above[key] - below[key]) for key in CATEGORIES})


def aggregate_shares(proposals: Sequence[Mapping[str, float]], method: str = "median") -> dict[str, float]:
    """The council's shares from the members' (checked) proposals; see the module docstring."""
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {', '.join(METHODS)}")
    if not proposals:
        raise ValueError("proposals: there are no proposals to aggregate")
    if method == "independent markets":
        return _independent_markets(proposals)
    return _normalised({key: _median([p[key] for p in proposals]) for key in CATEGORIES})

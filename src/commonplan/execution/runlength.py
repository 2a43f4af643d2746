"""How long a CUSUM runs before it signals, computed rather than simulated: the Markov-chain
method of Brook and Evans (1972, *Biometrika* 59, 539-549), used to choose the alarm's decision
interval H (execution.forecast) and printed by bench/detection.py beside what it measures.

The upper one-sided CUSUM ``C_t = max(0, C_{t-1} + z_t - k)`` on standard normal ``z_t`` shifted
by ``delta`` signals when C passes h. The interval [0, h] is cut into ``m`` states of width
``w = 2h / (2m - 1)``: state 0 is [0, w/2] (the chain's atom at zero), state i is the cell
around ``i w``. From state i the chain moves to state j with the probability that
``i w + z - k`` falls in j's cell, to 0 when it falls below ``w/2``; what is left is the
probability of a signal. With R the m x m matrix of those moves, the average run length from
each state is ``(I - R)^-1 1`` (the first entry: from zero), and ``P(RL > t) = p_0 R_1 ... R_t 1``
for moves that change with t (a drift). The two-sided scheme (an upper and a lower CUSUM, both
restarting at a signal) has ``1/ARL = 1/ARL+ + 1/ARL-`` (Montgomery, *Introduction to
Statistical Quality Control*, 9.1.6; close to exact for k = 0.5). Checked against Montgomery's
Table 9.3 (from Hawkins 1993): k = 0.5, h = 5: ARL0 = 465 two-sided (930 one-sided), 10.4 at a
1-sigma shift, 4.01 at 2 sigma; h = 4: 168, 8.38, 3.34.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

STATES = 300  # cells of [0, h]: the figures move by less than 0.1% beyond it for h <= 8


def transitions(h: float, k: float, shift: float = 0.0, states: int = STATES) -> np.ndarray:
    """R: the probability of moving from state i to state j in one step without a signal."""
    if not (h > 0 and k >= 0 and states >= 2):
        raise ValueError(f"a CUSUM has h > 0, k >= 0 and at least 2 states, not h={h}, k={k}, {states}")
    w = 2 * h / (2 * states - 1)
    cells = np.arange(states)
    step = (cells[None, :] - cells[:, None]) * w + k - shift
    moves = stats.norm.cdf(step + w / 2) - stats.norm.cdf(step - w / 2)
    moves[:, 0] = stats.norm.cdf(-cells * w + w / 2 + k - shift)
    return np.asarray(moves)


def arl_one_sided(h: float, k: float, shift: float = 0.0, *, head_start: float = 0.0,
                  states: int = STATES) -> float:
    """The average run length of the upper CUSUM from ``head_start`` (0: the zero state; h/2 is
    Lucas and Crosier's fast initial response) when the mean has moved by ``shift`` sigmas."""
    moves = transitions(h, k, shift, states)
    lengths = np.linalg.solve(np.eye(states) - moves, np.ones(states))
    w = 2 * h / (2 * states - 1)
    return float(lengths[min(round(head_start / w), states - 1)])


def arl_two_sided(h: float, k: float, shift: float = 0.0, *, states: int = STATES) -> float:
    """The average run length of the two-sided CUSUM (an upper and a lower one, h and k alike)
    when the mean has moved by ``shift`` sigmas."""
    upper = arl_one_sided(h, k, shift, states=states)
    lower = arl_one_sided(h, k, -shift, states=states)
    return 1.0 / (1.0 / upper + 1.0 / lower)


def survival(h: float, k: float, shifts: Sequence[float], *, warmup: int = 0,
             states: int = STATES) -> np.ndarray:
    """``P(RL > t)`` for t = 1, ..., len(shifts) of the CUSUM on the side a shift moves towards,
    the mean moved by ``shifts[t-1]`` sigmas at step t (a step change: all alike; a drift: growing),
    after ``warmup`` in-control steps without a signal (the state they leave, conditioned on no
    signal; 0: the zero state)."""
    start = np.zeros(states)
    start[0] = 1.0
    if warmup:
        still = transitions(h, k, 0.0, states)
        for _ in range(warmup):
            start = start @ still
            start /= start.sum()
    cache: dict[float, np.ndarray] = {}
    left = np.empty(len(shifts))
    for t, shift in enumerate(shifts):
        size = abs(float(shift))
        if size not in cache:
            cache[size] = transitions(h, k, size, states)
        start = start @ cache[size]
        left[t] = start.sum()
    return left


def quantile(left: np.ndarray, q: float) -> int:
    """The least t with ``P(RL <= t) >= q`` from :func:`survival`'s ``P(RL > t)`` (len + 1 when
    beyond the horizon)."""
    hits = np.nonzero(left <= 1 - q)[0]
    return int(hits[0]) + 1 if hits.size else len(left) + 1


def decision_interval(k: float, arl0: float, *, low: float = 1.0, high: float = 20.0,
                      states: int = STATES) -> float:
    """The least h (to 1e-4) whose two-sided in-control ARL is at least ``arl0``."""
    while high - low > 1e-4:
        middle = (low + high) / 2
        if arl_two_sided(middle, k, states=states) >= arl0:
            high = middle
        else:
            low = middle
    return high

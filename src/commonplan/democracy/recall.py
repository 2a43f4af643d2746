"""Recall of delegates at any time: a petition of members, then a vote of the members.

A petition carries when at least ``petition_threshold(members)`` members signed it (by default a
fifth of the council's members, rounded up, at least one).  The recall vote carries only when
more members vote to remove the delegate than to keep them (a majority of the votes cast, so a
tie keeps the delegate) **and** enough members took part: the council's quorum, by default half
its members, rounded up.  A recall that one member, or a few, could decide alone would be a
weapon, not a safeguard.  The seat then goes to the runner-up of the election that filled it, or
to a by-election, as the council chose beforehand.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from commonplan.democracy.elections import Outcome
from commonplan.democracy.refusals import ALREADY_SIGNED, BALLOT_CLOSED, NOT_A_MEMBER, Refusal

DEFAULT_THRESHOLD = Fraction(1, 5)
DEFAULT_QUORUM = Fraction(1, 2)
RULES = ("by-election", "runner-up")


def petition_threshold(members: int, fraction: Fraction = DEFAULT_THRESHOLD) -> int:
    """Signatures a recall petition needs: max(1, ceil(members * fraction))."""
    if members < 0:
        raise ValueError(f"members: {members} is negative")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction: {fraction} is not in (0, 1]")
    return max(1, math.ceil(members * Fraction(fraction)))


def petition_carries(signatures: int, members: int, fraction: Fraction = DEFAULT_THRESHOLD) -> bool:
    """Whether ``signatures`` reach the threshold for a council of ``members``."""
    return signatures >= petition_threshold(members, fraction)


def recall_carried(remove: int, keep: int) -> bool:
    """A majority of the votes cast to remove: remove > keep (a tie keeps the delegate)."""
    if remove < 0 or keep < 0:
        raise ValueError(f"remove, keep: votes cannot be negative ({remove}, {keep})")
    return remove > keep


def quorum(members: int, fraction: Fraction = DEFAULT_QUORUM) -> int:
    """Members who must take part in a recall vote: max(1, ceil(members * fraction))."""
    return petition_threshold(members, fraction)


@dataclass(frozen=True)
class RecallDecision:
    """The outcome of a recall vote and why, in words for the record."""

    carried: bool
    remove: int
    keep: int
    voted: int
    quorum: int
    why: str


def shortfall(ayes: int, noes: int, members: int, fraction: Fraction = DEFAULT_QUORUM) -> str | None:
    """Why a binding yes-or-no vote (a recall, a pay) does not carry, or None when it does: it
    carries with more ayes than noes and at least ``quorum(members, fraction)`` members voting."""
    voted, needed = ayes + noes, quorum(members, fraction)
    if voted < needed:
        return f"{voted} of {members} members voted, fewer than the quorum of {needed}"
    if not recall_carried(ayes, noes):
        return f"{ayes} voted for, {noes} against, not a majority"
    return None


def recall_decision(remove: int, keep: int, members: int,
                    fraction: Fraction = DEFAULT_QUORUM) -> RecallDecision:
    """Whether the recall carries: a majority of the votes cast to remove, with at least
    ``quorum(members, fraction)`` members taking part; otherwise the delegate stays."""
    voted, needed = remove + keep, quorum(members, fraction)
    short = shortfall(remove, keep, members, fraction)
    why = (f"the delegate stays: {short}" if short else
           f"recalled: {remove} voted to remove, {keep} to keep, {voted} of {members} members took part")
    return RecallDecision(short is None, remove, keep, voted, needed, why)


def check_signature(already_signed: bool, is_member: bool, petition_open: bool) -> None:
    """Refuse a signature that is not allowed: closed petition, not a member, or a second signature."""
    if not petition_open:
        raise Refusal(BALLOT_CLOSED, "the recall petition is closed")
    if not is_member:
        raise Refusal(NOT_A_MEMBER, "only members of the council may sign its recall petition")
    if already_signed:
        raise Refusal(ALREADY_SIGNED, "the member has already signed this recall petition")


def successor(outcome: Outcome, recalled: str,
              rule: Literal["by-election", "runner-up"], holders: Collection[str]) -> str | None:
    """Who takes the recalled delegate's seat.

    runner-up: the first of ``outcome.runners_up`` who holds no seat now (not in ``holders``),
    or None when there is none (then a by-election opens); by-election: None (a new election opens).
    """
    if rule not in RULES:
        raise ValueError(f"rule: {rule!r} is not one of {', '.join(RULES)}")
    if rule == "by-election":
        return None
    held = set(holders) | {recalled}
    return next((name for name in outcome.runners_up if name not in held), None)

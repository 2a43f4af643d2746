"""Councils and their federations.

Base councils are workplace, consumer and neighbourhood councils.  District, region and economy
councils are federations: each federates councils of lower levels (a workplace council may
belong to a district, a region or the economy council directly; a district to a region or the
economy; a region to the economy).  The economy council has no parent.
"""

from __future__ import annotations

from commonplan.democracy.refusals import INVALID_COUNCIL, NOT_A_MEMBER, Refusal

LEVELS = ("workplace", "consumer", "neighbourhood", "district", "region", "economy")
FEDERATIONS = ("district", "region", "economy")
_RANK = {"workplace": 0, "consumer": 0, "neighbourhood": 0, "district": 1, "region": 2, "economy": 3}


def check_level(level: str) -> None:
    """Refuse a level that is not one of :data:`LEVELS`."""
    if level not in _RANK:
        raise Refusal(INVALID_COUNCIL, f"{level!r} is not a level of council ({', '.join(LEVELS)})")


def check_parent(child_level: str, parent_level: str) -> None:
    """Refuse a parent that is not a federation of a higher level than the child."""
    check_level(child_level)
    check_level(parent_level)
    if child_level == "economy":
        raise Refusal(INVALID_COUNCIL, "the economy council federates all others and has no parent")
    if parent_level not in FEDERATIONS or _RANK[parent_level] <= _RANK[child_level]:
        allowed = [level for level in FEDERATIONS if _RANK[level] > _RANK[child_level]]
        raise Refusal(INVALID_COUNCIL, f"a {child_level} council can belong to a {' or '.join(allowed)} "
                                       f"council, not to a {parent_level} council")


def check_member(is_member: bool, member: str, council: str) -> None:
    """Refuse an act of someone who is not a member: "member:ab12 is not a member of council 3"."""
    if not is_member:
        raise Refusal(NOT_A_MEMBER, f"{member} is not a member of {council}")

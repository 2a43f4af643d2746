"""Ballots on the priority tiers of needs: tier 1 comes first, then 2, and so on.

Each ballot gives some products a tier from 1 to ``max_tier``.  For each product the result is
the lower median of the tiers given to it: the tiers sorted, the middle one, and for an even
count the smaller (more urgent) of the two middle ones, so the result is always a tier someone
voted for.  A product no ballot rated gets no entry (it keeps its tier in the plan).  The result
is the ``priority`` of each needs row in a plan variant.

A ballot may also list groups of products (the bundle's product groups, economy.groups): a
member rates a group as one, and each product of a group gets the group's tier, so that people
rate a few dozen named categories, not hundreds of codes.  A product is on a ballot once: by
itself or in one group.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from commonplan.democracy.refusals import INVALID_BALLOT, Refusal


def tier_ballot_checked(content: Mapping[str, int], products: Collection[str],
                        max_tier: int = 9, *, what: str = "product") -> dict[str, int]:
    """The ballot as a dict product (or group) -> tier, or Refusal("invalid_ballot") naming it;
    ``what`` says what the names on the ballot are."""
    if not isinstance(content, Mapping):
        raise Refusal(INVALID_BALLOT, f"a ballot on tiers must map products to tiers, not "
                                      f"{type(content).__name__}")
    known = set(products)
    checked: dict[str, int] = {}
    for product, tier in content.items():
        if product not in known:
            raise Refusal(INVALID_BALLOT, f"{product!r} is not a {what} on this ballot")
        if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= max_tier:
            raise Refusal(INVALID_BALLOT, f"the tier of {product}, {tier!r}, is not a whole number "
                                          f"from 1 to {max_tier}")
        checked[product] = tier
    return checked


def lower_median(values: Sequence[int]) -> int:
    """The middle value; for an even count the smaller of the two middle ones."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def aggregate_tiers(ballots: Sequence[Mapping[str, int]], products: Sequence[str]) -> dict[str, int]:
    """For each product, the lower median of the tiers of the ballots that rated it."""
    given: dict[str, list[int]] = {product: [] for product in products}
    for ballot in ballots:
        for product, tier in ballot.items():
            if product in given:
                given[product].append(tier)
    return {product: lower_median(tiers) for product, tiers in given.items() if tiers}


def groups_checked(groups: Any, products: Collection[str]) -> list[dict[str, Any]]:
    """A ballot's groups in their normal form, ``[{"name", "products", "quantity", "unit"}]``
    (``quantity`` and ``unit``, what the needs of the group add up to, may be null), or
    Refusal("invalid_ballot") naming the fault: a name twice, a group without products, a
    product in two groups or both in a group and on the ballot by itself (``products``)."""
    if not isinstance(groups, list) or not groups:
        raise Refusal(INVALID_BALLOT, "groups must be a non-empty list of {name, products}, or the "
                                      "names of the groups of the ballot's economy")
    if all(isinstance(group, str) for group in groups):
        raise Refusal(INVALID_BALLOT, "groups given by name are the groups of an economy: name it "
                                      "(economy: its number)")
    alone = set(products)
    placed: dict[str, str] = {}
    checked = []
    for group in groups:
        checked.append(_group_checked(group))
        name = checked[-1]["name"]
        if name in alone or any(other["name"] == name for other in checked[:-1]):
            raise Refusal(INVALID_BALLOT, f"{name!r} is on the ballot twice")
        for product in checked[-1]["products"]:
            if product in alone or product in placed:
                where = "by itself" if product in alone else f"in group {placed[product]!r}"
                raise Refusal(INVALID_BALLOT, f"product {product!r} of group {name!r} is also {where}")
            placed[product] = name
    return checked


def _group_checked(group: Any) -> dict[str, Any]:
    if not isinstance(group, Mapping) or not set(group) <= {"name", "products", "quantity", "unit"}:
        raise Refusal(INVALID_BALLOT, "a group is {name, products} (with its quantity and unit, if known)")
    name, products = group.get("name"), group.get("products")
    quantity, unit = group.get("quantity"), group.get("unit")
    if not isinstance(name, str) or not name.strip():
        raise Refusal(INVALID_BALLOT, "a group needs a name")
    if (not isinstance(products, list) or not products or len(set(products)) != len(products)
            or not all(isinstance(product, str) and product for product in products)):
        raise Refusal(INVALID_BALLOT, f"group {name!r} must list its products, each once")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int | float)
                                 or not 0 <= quantity < float("inf")):
        raise Refusal(INVALID_BALLOT, f"the quantity of group {name!r} must be a number of at least 0")
    if unit is not None and not isinstance(unit, str):
        raise Refusal(INVALID_BALLOT, f"the unit of group {name!r} must be text")
    return {"name": name, "products": list(products), "quantity": quantity, "unit": unit}


def expanded_tiers(rated: Mapping[str, int], groups: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """The tier of each product from the tiers ``rated`` (of products and of ``groups``, name ->
    its products): a product rated by itself keeps its tier, and every product of a rated group
    gets the group's."""
    tiers = {name: tier for name, tier in rated.items() if name not in groups}
    for name, members in groups.items():
        if name in rated:
            tiers |= dict.fromkeys(members, rated[name])
    return tiers

"""Ballots on the priority tiers of needs: tier 1 comes first, then 2, and so on.

Each ballot gives some products a tier from 1 to ``max_tier``.  For each product the result is
the lower median of the tiers given to it: the tiers sorted, the middle one, and for an even
count the smaller (more urgent) of the two middle ones, so the result is always a tier someone
voted for.  A product no ballot rated gets no entry (it keeps its tier in the plan).  The result
is the ``priority`` of each needs row in a plan variant.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from commonplan.democracy.refusals import INVALID_BALLOT, Refusal


def tier_ballot_checked(content: Mapping[str, int], products: Collection[str],
                        max_tier: int = 9) -> dict[str, int]:
    """The ballot as a dict product -> tier, or Refusal("invalid_ballot") naming the product."""
    if not isinstance(content, Mapping):
        raise Refusal(INVALID_BALLOT, f"a ballot on tiers must map products to tiers, not "
                                      f"{type(content).__name__}")
    known = set(products)
    checked: dict[str, int] = {}
    for product, tier in content.items():
        if product not in known:
            raise Refusal(INVALID_BALLOT, f"{product!r} is not a product on this ballot")
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

"""Named scenarios of the shopper simulator: the cases where needs are hardest to see.

Each is a seeded ``Shoppers``; the same name and seed always give the same records and truth.
They are documented in docs/needs.md and measured by ``bench/needs_accuracy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from commonplan.needs.simulate import Shoppers


@dataclass(frozen=True)
class Scenario:
    """A named simulation and what it shows."""

    name: str
    description: str
    shoppers: Shoppers


BASE = Shoppers(products=300, stores=20, days=365, rows=300_000, groups=12)
CHRONIC = replace(BASE, short_share=0.4, short_by_product=True, short_cover=(0.5, 0.5))

SCENARIOS: dict[str, Scenario] = {scenario.name: scenario for scenario in (
    Scenario("baseline", "30% of store-products restocked every 1-7 days to 30-90% of demand, "
                         "the rest ample", BASE),
    Scenario("chronic-3", "four products in ten restocked every 3 days to half of demand at every store",
             replace(CHRONIC, short_cycles=(3,))),
    Scenario("chronic-7", "four products in ten restocked every 7 days to half of demand at every store",
             replace(CHRONIC, short_cycles=(7,))),
    Scenario("chronic-mix", "four products in ten restocked to half of demand, every 3 or 7 days "
                            "depending on the store", replace(CHRONIC, short_cycles=(3, 7))),
    Scenario("substitution", "as chronic-mix, and a third of products declare a substitute in their "
                             "group to which 60% of their unmet demand moves",
             replace(CHRONIC, short_cycles=(3, 7), substitute_share=0.33, transfer=0.6)),
    Scenario("cycles", "strong weekly (+-50%) and yearly (+-60%) cycles shared within groups",
             replace(BASE, weekly=0.5, yearly=0.6)),
    Scenario("trend", "trends of up to +-30% a year", replace(BASE, trend=0.3)),
    Scenario("new-products", "15% of products launched in the last quarter of the year, 5% never on "
                             "the shelf (known only from requests, 20% of lost units)",
             replace(BASE, new_share=0.15, unlisted_share=0.05, request_share=0.2)),
    Scenario("requests", "requests with a state: 40% served, 10% cancelled, the rest open",
             replace(BASE, request_share=0.2, served_share=0.4, cancelled_share=0.1)),
)}


def scenario(name: str, seed: int = 0) -> Scenario:
    """The named scenario with the given seed (KeyError naming the known ones if unknown)."""
    if name not in SCENARIOS:
        raise KeyError(f"no scenario {name!r}; known: {', '.join(SCENARIOS)}")
    found = SCENARIOS[name]
    return replace(found, shoppers=replace(found.shoppers, seed=seed))

"""The plan variant for the voted priorities: the economy's needs with each voted product's
rows moved to the tier the people chose (democracy.priorities.aggregate_tiers); products nobody
rated keep the priority their needs table gives them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from commonplan.democracy.refusals import Refusal
from commonplan.economy.model import Economy, Needs


def needs_with_tiers(economy: Economy, tiers: Mapping[str, int]) -> Needs:
    """``economy``'s needs with the voted ``tiers`` (product id to priority) applied."""
    position = {product: index for index, product in enumerate(economy.products.ids.to_pylist())}
    unknown = sorted(set(tiers) - set(position))
    if unknown:
        raise Refusal("invalid_ballot",
                      f"the voted tiers name products this economy lacks: {', '.join(unknown)}")
    voted = np.zeros(len(position), np.int64)  # 0: not voted
    for product, tier in tiers.items():
        voted[position[product]] = tier
    needs = economy.needs
    row_tiers = voted[needs.products]
    priorities = np.where(row_tiers > 0, row_tiers, needs.priorities)
    return Needs(needs.products.copy(), needs.quantities.copy(), priorities.astype(np.int64))

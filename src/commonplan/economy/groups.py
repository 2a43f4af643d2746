"""The needs by product group (the products table's ``group`` column): what people rate on a
priorities ballot instead of hundreds of product codes.

A group's quantity is the sum of its needs, all priorities and parts added up; it is a single
figure only when the group's needed products share one unit (all million USD in the US bundle),
and None otherwise (adding tonnes to hours means nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonplan.economy.model import Needs, Products


@dataclass(frozen=True)
class NeedGroup:
    """A group of needed products: its ``name``, the ids of its ``products`` with a need (in
    file order), their needs added up (``quantity``, in ``unit``; both None when their units differ)."""

    name: str
    products: tuple[str, ...]
    quantity: float | None
    unit: str | None


def needed_groups(products: Products, needs: Needs) -> tuple[list[NeedGroup], list[str]]:
    """The groups of the needed products, in the order of their first needed product, and the
    needed products in no group (both in file order). No group column: every needed product
    is in none."""
    total = needs.total(len(products))
    needed = np.zeros(len(products), bool)
    needed[needs.products[needs.products >= 0]] = True
    ids = products.ids.to_pylist()
    groups = products.groups.to_pylist() if products.groups is not None else [None] * len(ids)
    units = products.units.to_pylist() if products.units is not None else [None] * len(ids)
    members: dict[str, list[int]] = {}
    ungrouped = []
    for position in np.flatnonzero(needed):
        group = groups[position]
        if group is None:
            ungrouped.append(ids[position])
        else:
            members.setdefault(group, []).append(int(position))
    return [_group(name, positions, ids, units, total) for name, positions in members.items()], ungrouped


def _group(name: str, positions: list[int], ids: list[str], units: list[str | None],
           total: np.ndarray) -> NeedGroup:
    shared = {units[p] for p in positions}
    one_unit = len(shared) == 1
    return NeedGroup(name, tuple(ids[p] for p in positions),
                     float(total[positions].sum()) if one_unit else None, shared.pop() if one_unit else None)

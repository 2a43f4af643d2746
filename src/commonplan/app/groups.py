"""The product groups of an economy's needs, for a priorities ballot by group: read from the
stored bundle (its products table's ``group`` column and its needs), so that a council opens a
ballot on the groups of an economy by naming it, and people rate named categories with the
quantities learned, not hundreds of codes."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from commonplan.app.comparisons import tables_of_bundle
from commonplan.app.guard import readable_row
from commonplan.democracy.refusals import Refusal
from commonplan.economy.assemble import needs_from, products_from
from commonplan.economy.groups import NeedGroup, needed_groups
from commonplan.economy.problems import Problem
from commonplan.store.models import Member, StoredEconomy


def groups_of_bundle(bundle: bytes) -> tuple[list[NeedGroup], list[str]]:
    """The groups of the needed products of a stored bundle and the needed products in no
    group (economy.groups); none when it has no products table (it was accepted at upload)."""
    tables = tables_of_bundle(bundle, ("products", "needs"))
    if "products" not in tables:
        return [], []
    problems: list[Problem] = []
    products = products_from(tables["products"], problems)
    return needed_groups(products, needs_from(tables.get("needs"), products, problems))


def economy_groups(session: Session, member: Member, economy_id: int) -> list[NeedGroup]:
    """The groups of the economy ``economy_id`` that ``member`` may read; Refusal when it is no
    such economy or its needs are in no group."""
    stored = readable_row(session, StoredEconomy, economy_id, member)
    groups, _ungrouped = groups_of_bundle(stored.bundle)
    if not groups:
        raise Refusal("invalid_ballot", f"the needs of economy {economy_id} are in no product group "
                                        "(the products table has no group column)")
    return groups


def group_option(group: NeedGroup) -> dict[str, Any]:
    """A group as a ballot's options hold it (JSON)."""
    return {**dataclasses.asdict(group), "products": list(group.products)}

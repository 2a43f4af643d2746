"""The kinds of record a council sends (SPEC section 4: purchases, end-of-day stock, requests)
and the tables that guide the estimate (a product's group, its declared substitutes): their
columns and the checks on them, defined once for the reader (needs.records), the command line
and the rounds' API, without loading the reader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its name, its required and optional columns and the checks on them."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    numbers: tuple[str, ...]
    dates: tuple[str, ...]
    ids: tuple[str, ...]
    people: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()


PURCHASES = RecordKind("purchases", ("date", "store", "product", "quantity"), ("card",),
                       ("quantity",), ("date",), ("store", "product"), ("card",))
STOCK = RecordKind("stock", ("date", "store", "product", "on_hand"), (),
                   ("on_hand",), ("date",), ("store", "product"), ())
REQUEST_STATES = ("open", "served", "cancelled")
REQUESTS = RecordKind("requests", ("product", "quantity"), ("date", "member", "state"),
                      ("quantity",), ("date",), ("product",), ("member",), (("state", REQUEST_STATES),))
GROUPS = RecordKind("groups", ("product", "group"), (), (), (), ("product", "group"), ())
SUBSTITUTES = RecordKind("substitutes", ("product", "substitute"), (), (), (), ("product", "substitute"), ())
# every kind a council may send a round, by name: the records and the tables that guide the estimate
KINDS: Mapping[str, RecordKind] = MappingProxyType({kind.name: kind for kind in (
    PURCHASES, STOCK, REQUESTS, GROUPS, SUBSTITUTES)})

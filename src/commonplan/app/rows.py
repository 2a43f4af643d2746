"""Finding rows for the use cases, refusing what is not there: a row by its key, and the
councils above a council. The acts (app.acts) and the other use cases share these."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from commonplan.democracy.refusals import Refusal
from commonplan.store.models import Base, Council

Row = TypeVar("Row", bound=Base)
MAX_ID = 2**31 - 1
MAX_DEPTH = 8  # levels of councils looked through above a council, at most


def found(session: Session, table: type[Row], key: int, what: str) -> Row:
    """The row ``key`` of ``table``, or a refusal naming it as not found."""
    row = session.get(table, key) if 1 <= key <= MAX_ID else None  # a larger key no column holds
    if row is None:
        raise Refusal("not_found", f"there is no {what} {key}")
    return row


def ancestors(session: Session, council: Council) -> list[int]:
    """The councils above ``council``, nearest first (at most MAX_DEPTH)."""
    above: list[int] = []
    parent = council.parent_id
    while parent is not None and len(above) < MAX_DEPTH:
        above.append(parent)
        row = session.get(Council, parent)
        parent = row.parent_id if row is not None else None
    return above

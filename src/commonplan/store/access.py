"""Who may do what with economies and jobs: the one rule every route and page calls.

A member reads, runs and uploads their own. A delegate also reads every economy and job and
computes plans on any economy (for the council that sent them); a workplace reporter also reads
every economy and job (to see their workplace's targets); an auditor reads everything and
changes nothing.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Select, select

from commonplan.store.models import Member

Action = Literal["read", "run", "upload"]
Scope = Literal["own", "any"]

GRANTS: dict[str, dict[Action, Scope]] = {
    "member": {"read": "own", "run": "own", "upload": "own"},
    "delegate": {"read": "any", "run": "any", "upload": "own"},
    "workplace reporter": {"read": "any", "run": "own", "upload": "own"},
    "auditor": {"read": "any"},
}


def may(member: Member, action: Action, owner_id: int | None = None) -> bool:
    """Whether ``member`` may do ``action`` to a row owned by ``owner_id`` (None: a new row of
    their own, as an upload)."""
    scope = GRANTS.get(member.role, {}).get(action)
    return scope == "any" or (scope == "own" and owner_id in (None, member.id))


def readable(member: Member, table: type) -> Select:
    """The rows of ``table`` ``member`` may read, newest first."""
    query = select(table).order_by(table.id.desc())  # type: ignore[attr-defined]
    if GRANTS.get(member.role, {}).get("read") == "any":
        return query
    return query.where(table.owner_id == member.id)  # type: ignore[attr-defined]

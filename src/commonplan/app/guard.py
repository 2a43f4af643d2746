"""The access rule (store.access.may) applied to a request: what a member may not read answers
404, as what does not exist; what they may read but not change answers 403 with the reason.
The API and the pages both call these."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from commonplan.democracy.refusals import Refusal
from commonplan.store.access import may
from commonplan.store.models import Job, Member, StoredEconomy

NAMES: dict[type, str] = {StoredEconomy: "economy", Job: "job"}
Owned = TypeVar("Owned", StoredEconomy, Job)  # the rows the access rule guards


def readable_row(db: Session, table: type[Owned], key: int, me: Member) -> Owned:
    """The row ``key`` of ``table`` if ``me`` may read it; otherwise 404."""
    row = db.get(table, key)
    if row is None or not may(me, "read", row):
        raise Refusal("not_found", f"no {NAMES[table]} {key} that you may read")
    return row


def runnable_economy(db: Session, key: int, me: Member) -> StoredEconomy:
    """The economy ``key`` if ``me`` may compute on it; 404 or 403 (naming the role) otherwise."""
    return _runnable(db, StoredEconomy, key, me, "start jobs on another member's economy")


def cancellable_job(db: Session, key: int, me: Member) -> Job:
    """The job ``key`` if ``me`` may cancel it (who may start it may stop it); 404 or 403."""
    return _runnable(db, Job, key, me, "cancel another member's job")


def _runnable(db: Session, table: type[Owned], key: int, me: Member, refused: str) -> Owned:
    row = readable_row(db, table, key, me)
    if not may(me, "run", row):
        raise Refusal("forbidden", f"a {me.role} may not {refused}")
    return row


def check_upload(me: Member) -> None:
    """403 when ``me``'s role may not upload economies (an auditor reads, and changes nothing)."""
    if not may(me, "upload"):
        raise Refusal("forbidden", f"a {me.role} may not upload economies")

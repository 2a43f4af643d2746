"""A city-sized electorate in one go: the server's operator imports a roll of members (a CSV
file of email addresses), each made a member with no password yet and a one-time invitation
to set one (``commonplan roll``; docs/api.md, Accounts). No password is hashed at import: each
member pays the argon2 of their own password when they accept, so 10^5 members are imported in
seconds, not hours. The invitations are printed once, for the operator to send; only their
hashes are kept."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from commonplan.democracy.refusals import Refusal
from commonplan.errors import InputError
from commonplan.store.accounts import (
    EMAIL,
    AccountRefused,
    accept_invitation,
    email_too_long,
    invite_members,
    registered_of,
)
from commonplan.store.models import Member

MAX_ROLL = 1_000_000  # members of one roll
MAX_ROLL_BYTES = 256 * 2**20  # octets of a roll's file
MAX_PROBLEMS = 100  # problems of a roll named (the rest counted)
MAX_DAYS = 365  # how long an invitation may wait


class RollError(InputError):
    """A roll that cannot be imported: every problem by file, row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    """A roll imported: the invitations of the new members (email, invitation), and how many
    were registered already (left as they are)."""

    invitations: list[tuple[str, str]]
    registered: int


def read_roll(name: str, content: bytes) -> list[str]:
    """The roll's email addresses, lower-cased, in order: a CSV file with an ``email`` column
    (other columns, a name say, are for people and not read); RollError naming every bad row."""
    if len(content) > MAX_ROLL_BYTES:
        raise RollError([f"{name}: {len(content):,} octets: a roll has at most {MAX_ROLL_BYTES:,}"])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RollError([f"{name}: not UTF-8 text (octet {error.start})"]) from None
    reader = csv.DictReader(io.StringIO(text))
    if "email" not in (reader.fieldnames or []):
        raise RollError([f"{name}:1: a roll has a header row with an email column"])
    emails: list[str] = []
    problems: list[str] = []
    first: dict[str, int] = {}
    for row, line in enumerate(reader, start=2):
        if len(emails) >= MAX_ROLL:
            raise RollError([f"{name}:{row}: a roll has at most {MAX_ROLL:,} members"])
        email = (line.get("email") or "").strip().lower()
        problem = _email_problem(email, first.get(email))
        if problem:
            problems.append(f"{name}:{row}:email: {problem}")
        else:
            first[email] = row
            emails.append(email)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        raise RollError(shown + ([f"{name}: and {more:,} more problems"] if more else []))
    return emails


def _email_problem(email: str, earlier: int | None) -> str | None:
    if not email:
        return "is empty"
    if not EMAIL.match(email):
        return f"{email!r} is not an email address"
    if too_long := email_too_long(email):
        return too_long
    if earlier is not None:
        return f"{email!r} is on row {earlier} already"
    return None


def import_roll(session: Session, emails: list[str], days: int = 30) -> Imported:
    """The roll's members not registered yet, made members with an invitation valid ``days``
    days; those registered already are left as they are (a roll may be imported again as it grows)."""
    if not 1 <= days <= MAX_DAYS:
        raise RollError([f"--days {days}: an invitation waits 1 to {MAX_DAYS} days"])
    registered = registered_of(session, emails)
    new = [email for email in emails if email not in registered]
    return Imported(invite_members(session, new, timedelta(days=days)), len(emails) - len(new))


def accept(session: Session, invitation: str, password: str) -> Member:
    """The invited member with their password set (the invitation spent); refused naming the field."""
    try:
        return accept_invitation(session, invitation, password)
    except AccountRefused as refused:
        code = "unauthorised" if refused.field == "invitation" else "refused"
        raise Refusal(code, f"{refused.field} {refused.detail}", field=refused.field) from None

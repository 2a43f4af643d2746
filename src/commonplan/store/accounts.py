"""Members' accounts: registration and login, passwords kept only as argon2 hashes.

A refusal names the field at fault, so the API can answer 4xx with ``"field"``; a failed
login says nothing about which of email and password was wrong.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from commonplan.store.models import ROLES, LoginAttempt, Member, Token, now

MIN_PASSWORD = 12
LIFETIME = {"bearer": timedelta(days=30), "session": timedelta(hours=12)}  # of a token, by kind
MAX_EMAIL = 254  # octets of an e-mail address (RFC 5321, a path of 256 less its angle brackets)
MAX_EMAIL_LOCAL = 64  # octets of its local part, before the last "@" (RFC 5321, 4.5.3.1.1)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class AccountRefused(Exception):
    """A registration refused: which field, and why."""

    field: str
    detail: str


def email_too_long(email: str) -> str | None:
    """Why ``email`` passes RFC 5321's lengths (254 octets, 64 before the last "@"), or None."""
    octets, local = len(email.encode()), len(email.rpartition("@")[0].encode())
    if octets > MAX_EMAIL:
        return f"has {octets} octets: an e-mail address has at most {MAX_EMAIL}"
    if local > MAX_EMAIL_LOCAL:
        return f"has {local} octets before the @: at most {MAX_EMAIL_LOCAL} (RFC 5321)"
    return None


def register_member(session: Session, email: str, password: str, role: str = "member") -> Member:
    """A new member; refused when the email is malformed or taken, the password too short, or
    the role unknown."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountRefused("email", "is not an email address")
    if too_long := email_too_long(email):
        raise AccountRefused("email", too_long)
    if len(password) < MIN_PASSWORD:
        raise AccountRefused("password", f"must have at least {MIN_PASSWORD} characters")
    if role not in ROLES:
        raise AccountRefused("role", f"must be one of {', '.join(ROLES)}")
    if session.scalar(select(Member.id).where(Member.email == email)) is not None:
        raise AccountRefused("email", "is already registered")
    member = Member(email=email, password_hash=_hasher.hash(password), role=role)
    session.add(member)
    session.flush()
    return member


def authenticate(session: Session, email: str, password: str) -> Member | None:
    """The member whose email and password these are, or None; a hash made with older argon2
    parameters is renewed on the way."""
    member = session.scalar(select(Member).where(Member.email == email.strip().lower()))
    if member is None:
        _hasher.hash(password)  # as slow as a wrong password: timing tells nothing
        return None
    try:
        _hasher.verify(member.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = _hasher.hash(password)
    return member


def set_role(session: Session, email: str, role: str) -> Member:
    """Give the member with ``email`` the role (the server operator's act); refused, naming the
    field, when either is unknown."""
    if role not in ROLES:
        raise AccountRefused("role", f"must be one of {', '.join(ROLES)}")
    member = session.scalar(select(Member).where(Member.email == email.strip().lower()))
    if member is None:
        raise AccountRefused("email", "is not registered")
    member.role = role
    return member


def issue_token(session: Session, member: Member, kind: str = "bearer") -> str:
    """A new token of ``kind`` ("bearer" for the API, "session" for the pages' cookie) for
    ``member``, valid for LIFETIME[kind]; shown once, only its hash is stored. The member's
    expired tokens are forgotten on the way, so they do not pile up."""
    session.execute(delete(Token).where(Token.member_id == member.id, Token.expires_at <= now()))
    token = secrets.token_urlsafe(32)
    session.add(Token(member_id=member.id, token_sha256=_digest(token), kind=kind,
                      expires_at=now() + LIFETIME[kind]))
    session.flush()
    return token


# Built once: it runs on every request, and building the query cost more than running it.
_MEMBER_OF_TOKEN = select(Member).join(Token, Token.member_id == Member.id).where(
    Token.token_sha256 == bindparam("digest"), Token.kind == bindparam("kind"),
    Token.expires_at > bindparam("now"))


def member_of_token(session: Session, token: str, kind: str = "bearer") -> Member | None:
    """The member a valid, unexpired token of ``kind`` belongs to, or None (one query: it runs
    on every request)."""
    return session.scalar(_MEMBER_OF_TOKEN, {"digest": _digest(token), "kind": kind, "now": now()})


def revoke_token(session: Session, token: str) -> None:
    """Forget a token (logging out): it signs nobody in again."""
    session.execute(delete(Token).where(Token.token_sha256 == _digest(token)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin_login(session: Session, email: str, at: datetime, since: datetime) -> int:
    """Note a sign-in to ``email`` beginning ``at`` (its id), forgetting every attempt before
    ``since`` (so the table holds one window's attempts at most)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < since))
    attempt = LoginAttempt(email_sha256=_digest(email.strip().lower()), at=at)
    session.add(attempt)
    session.flush()
    return attempt.id


def login_attempts(session: Session, email: str, since: datetime) -> int:
    """How many sign-ins to ``email`` began or failed since ``since`` (every process's)."""
    return session.scalar(select(func.count()).where(
        LoginAttempt.email_sha256 == _digest(email.strip().lower()), LoginAttempt.at >= since)) or 0


def end_login(session: Session, attempt: int) -> None:
    """Forget an attempt that succeeded or was refused unchecked: only failures count."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt))

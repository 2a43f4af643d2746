"""Members' accounts: registration and login, passwords kept only as argon2 hashes.

A refusal names the field at fault, so the API can answer 4xx with ``"field"``; a failed
login says nothing about which of email and password was wrong.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from commonplan.store.models import ROLES, Member, Token

MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class AccountRefused(Exception):
    """A registration refused: which field, and why."""

    field: str
    detail: str


def register_member(session: Session, email: str, password: str, role: str = "member") -> Member:
    """A new member; refused when the email is malformed or taken, the password too short, or
    the role unknown."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountRefused("email", "is not an email address")
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


def issue_token(session: Session, member: Member) -> str:
    """A new bearer token for ``member`` (shown once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(Token(member_id=member.id, token_sha256=_digest(token)))
    session.flush()
    return token


def member_of_token(session: Session, token: str) -> Member | None:
    member_id = session.scalar(select(Token.member_id).where(Token.token_sha256 == _digest(token)))
    return None if member_id is None else session.get(Member, member_id)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

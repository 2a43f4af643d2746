"""Accounts on SQLite and PostgreSQL: argon2 hashes only, clear refusals, logins that tell nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from commonplan.store.accounts import (
    AccountRefused,
    authenticate,
    issue_token,
    member_of_token,
    register_member,
    revoke_token,
)
from commonplan.store.database import sessions
from commonplan.store.models import Token, now

PASSWORD = "correct horse battery"


def test_a_member_registers_and_logs_in_and_the_password_is_kept_only_hashed(engine):
    with sessions(engine)() as session, session.begin():
        member = register_member(session, " Ada@Example.org ", PASSWORD)
        assert member.email == "ada@example.org"
        assert member.password_hash.startswith("$argon2id$")
        assert PASSWORD not in member.password_hash
    with sessions(engine)() as session:
        assert authenticate(session, "ada@example.org", PASSWORD).email == "ada@example.org"
        assert authenticate(session, "ada@example.org", PASSWORD + "!") is None
        assert authenticate(session, "nobody@example.org", PASSWORD) is None


@pytest.mark.parametrize(("email", "password", "role", "field"), [
    ("not an email", PASSWORD, "member", "email"),
    ("ada@example.org", "short", "member", "password"),
    ("ada@example.org", PASSWORD, "chairman", "role"),
    ("a" * 65 + "@example.org", PASSWORD, "member", "email"),  # RFC 5321, whoever calls (the API or not)
    ("a@" + "b" * 250 + ".org", PASSWORD, "member", "email"),
])
def test_a_bad_registration_names_the_field(engine, email, password, role, field):
    with sessions(engine)() as session, pytest.raises(AccountRefused) as refused:
        register_member(session, email, password, role)
    assert refused.value.field == field


def test_an_email_registers_once(engine):
    with sessions(engine)() as session, session.begin():
        register_member(session, "ada@example.org", PASSWORD)
    with sessions(engine)() as session, pytest.raises(AccountRefused) as refused:
        register_member(session, "ADA@example.org", PASSWORD)
    assert (refused.value.field, refused.value.detail) == ("email", "is already registered")


def test_a_token_signs_in_for_its_kind_until_it_expires_or_is_revoked(engine):
    with sessions(engine)() as db, db.begin():
        member = register_member(db, "ada@example.org", "correct horse battery")
        bearer, session = issue_token(db, member), issue_token(db, member, kind="session")
        assert member_of_token(db, bearer) is member and member_of_token(db, session, "session") is member
        assert member_of_token(db, session) is None and member_of_token(db, bearer, "session") is None
        db.execute(update(Token).where(Token.kind == "session").values(expires_at=now() - timedelta(1)))
        assert member_of_token(db, session, "session") is None  # expired
        issue_token(db, member)  # forgets the expired one
        assert db.scalar(select(func.count()).select_from(Token)) == 2
        revoke_token(db, bearer)
        assert member_of_token(db, bearer) is None

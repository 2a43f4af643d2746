"""Accounts on SQLite and PostgreSQL: argon2 hashes only, clear refusals, logins that tell nothing."""

from __future__ import annotations

import pytest

from commonplan.store.accounts import AccountRefused, authenticate, register_member
from commonplan.store.database import sessions

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

"""A roll imported in one go, on SQLite and PostgreSQL: each new email a member without a
password and with a one-time invitation; the roll's every bad row named; an invitation serves
once, even when two use it at the same instant, and not after it expires; an invited member
cannot sign in before choosing a password."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from commonplan.app.roll import RollError, accept, import_roll, read_roll
from commonplan.democracy.refusals import Refusal
from commonplan.store import accounts
from commonplan.store.accounts import authenticate, register_member
from commonplan.store.database import sessions
from commonplan.store.models import Token, now

PASSWORD = "correct horse battery"


@pytest.fixture
def made(engine, monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    return sessions(engine)


def test_every_bad_row_of_a_roll_is_named_by_row_and_column():
    roll = b"name,email\nAda,ada@example.org\nBob,\nEve,not an address\nAda again,ADA@example.org\n"
    with pytest.raises(RollError) as refused:
        read_roll("city.csv", roll)
    assert refused.value.problems == [
        "city.csv:3:email: is empty", "city.csv:4:email: 'not an address' is not an email address",
        "city.csv:5:email: 'ada@example.org' is on row 2 already"]
    with pytest.raises(RollError) as headless:
        read_roll("city.csv", b"mail\nada@example.org\n")
    assert headless.value.problems == ["city.csv:1: a roll has a header row with an email column"]
    assert read_roll("city.csv", b"\xef\xbb\xbfemail\nAda@Example.org\n") == ["ada@example.org"]


def test_an_invitation_sets_a_password_once_and_signs_nobody_in_before(made):
    with made() as session, session.begin():
        register_member(session, "old@example.org", PASSWORD)
        imported = import_roll(session, ["old@example.org", "ada@example.org", "bob@example.org"])
    assert imported.registered == 1 and [email for email, _ in imported.invitations] == [
        "ada@example.org", "bob@example.org"]
    (_, ada), (_, bob) = imported.invitations
    with made() as session:
        assert authenticate(session, "ada@example.org", "") is None  # no password yet
    with made() as session, session.begin():
        assert accept(session, ada, PASSWORD).email == "ada@example.org"
    with made() as session, session.begin():
        assert authenticate(session, "ada@example.org", PASSWORD) is not None
        with pytest.raises(Refusal) as spent:
            accept(session, ada, "another long password")
        assert (spent.value.code, spent.value.field) == ("unauthorised", "invitation")
        with pytest.raises(Refusal) as short:
            accept(session, bob, "short")
        assert short.value.field == "password"
    with made() as session, session.begin():
        again = import_roll(session, ["ada@example.org", "bob@example.org", "cy@example.org"])
    assert again.registered == 2 and [email for email, _ in again.invitations] == ["cy@example.org"]


def test_an_invitation_used_twice_at_the_same_instant_sets_one_password(made):
    with made() as session, session.begin():
        [(_, invitation)] = import_roll(session, ["ada@example.org"]).invitations

    def use(password: str) -> str:
        try:
            with made() as session, session.begin():
                accept(session, invitation, password)
            return password
        except Refusal:
            return ""
        except Exception as error:  # a write conflict of the database is a refusal too
            return "" if "lock" in str(error).lower() or "serializ" in str(error).lower() else repr(error)

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(use, [f"password number {n:02}" for n in range(8)]))
    [won] = [outcome for outcome in outcomes if outcome]
    with made() as session:
        assert authenticate(session, "ada@example.org", won) is not None


def test_an_expired_invitation_is_refused(made):
    with made() as session, session.begin():
        [(_, invitation)] = import_roll(session, ["ada@example.org"], days=1).invitations
        session.execute(update(Token).values(expires_at=now() - timedelta(seconds=1)))
    with made() as session, session.begin(), pytest.raises(Refusal) as expired:
        accept(session, invitation, PASSWORD)
    assert expired.value.field == "invitation"


@settings(max_examples=20)
@given(st.lists(st.from_regex(r"[a-z]{1,8}@[a-z]{1,6}\.org", fullmatch=True), max_size=30, unique=True))
def test_a_roll_of_distinct_addresses_reads_back_whole_and_in_order(emails):
    rows = "email\n" + "".join(f"{email}\n" for email in emails)
    assert read_roll("roll.csv", rows.encode()) == emails

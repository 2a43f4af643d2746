"""The login limit counted in the database: the same for every server process, bounded in
size, and not to be raced past by sign-ins sent at once (on both databases)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from commonplan.app.accounts import LOCKOUT_SECONDS, LOGIN_ATTEMPTS, LoginLimit, log_in
from commonplan.democracy.refusals import Refusal
from commonplan.store.accounts import register_member
from commonplan.store.database import sessions
from commonplan.store.models import LoginAttempt

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def made(engine):
    made = sessions(engine)
    with made() as session, session.begin():
        register_member(session, "ada@example.org", PASSWORD)
    return made


def sign_in(made, logins: LoginLimit, password: str, email: str = "ada@example.org") -> str:
    with made() as session:
        try:
            log_in(session, logins, email, password)
        except Refusal as refusal:
            return refusal.code
        return "ok"


def stored(made) -> int:
    with made() as session:
        return session.scalar(select(func.count()).select_from(LoginAttempt)) or 0


def test_two_server_processes_count_the_same_failures(made):
    clock = Clock()
    one, other = LoginLimit(made, clock), LoginLimit(made, clock)  # as two processes would hold
    tried = [sign_in(made, (one, other)[n % 2], "wrong guess") for n in range(LOGIN_ATTEMPTS)]
    assert tried == ["unauthorised"] * LOGIN_ATTEMPTS
    assert sign_in(made, one, PASSWORD) == sign_in(made, other, PASSWORD) == "too_many_logins"
    clock.moment += timedelta(seconds=LOCKOUT_SECONDS + 1)
    assert sign_in(made, other, PASSWORD) == "ok"


def test_only_failures_stay_and_only_for_one_window(made):
    clock = Clock()
    logins = LoginLimit(made, clock)
    for _ in range(3):
        assert sign_in(made, logins, PASSWORD) == "ok"
    for n in range(20):  # addresses merely tried
        assert sign_in(made, logins, "guess", f"member{n}@example.org") == "unauthorised"
    assert stored(made) == 20
    with made() as session:
        kept = [row.email_sha256 for row in session.scalars(select(LoginAttempt))]
    assert all(len(kept_one) == 64 and "@" not in kept_one for kept_one in kept)  # no address kept
    clock.moment += timedelta(seconds=LOCKOUT_SECONDS + 1)
    assert sign_in(made, logins, PASSWORD) == "ok"
    assert stored(made) == 0  # the window's end forgets them


def test_sign_ins_sent_at_once_check_at_most_the_allowed_number_of_passwords(made):
    """Thirty guesses racing one another (threads, each with its own connection, as processes
    would), then ten more in turn: of them all, exactly LOGIN_ATTEMPTS reach the password check."""
    logins = LoginLimit(made)
    with ThreadPoolExecutor(8) as pool:
        raced = list(pool.map(lambda _: sign_in(made, logins, "wrong guess"), range(30)))
    assert raced.count("unauthorised") <= LOGIN_ATTEMPTS
    assert set(raced) <= {"unauthorised", "too_many_logins"}
    after = [sign_in(made, logins, "wrong guess") for _ in range(10)]
    assert (raced + after).count("unauthorised") == LOGIN_ATTEMPTS
    assert sign_in(made, logins, PASSWORD) == "too_many_logins"

"""Accounts, the use cases of signing up and in: a member registered under the accounts'
rules (store.accounts), a sign-in checked and slowed down after failures. The API and the pages
both call these."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from commonplan.democracy.refusals import Refusal
from commonplan.store.accounts import (
    AccountRefused,
    authenticate,
    begin_login,
    end_login,
    login_attempts,
    register_member,
)
from commonplan.store.models import Member, now

LOGIN_ATTEMPTS = 5  # failed logins of one email allowed per window
LOCKOUT_SECONDS = 300


class LoginLimit:
    """At most LOGIN_ATTEMPTS failed sign-ins per email in LOCKOUT_SECONDS, counted in the
    database (store.accounts.begin_login), so that every server process counts the same
    failures and guessing is slowed down to a crawl however many processes serve. The API and
    the pages share it.

    Each sign-in is noted, and committed, *before* its password is checked, then the attempts
    of the window counted: of sign-ins racing one another on several processes, the k-th to
    commit counts at least k, so at most LOGIN_ATTEMPTS passwords are ever checked per window.
    A sign-in that succeeds, or is refused by the limit, is forgotten: only failures count."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = now) -> None:
        self.sessions, self.clock = sessions, clock

    def begin(self, email: str) -> int:
        """The attempt noted for ``email``; refused (too_many_logins) when it failed too often lately."""
        at = self.clock()
        since = at - timedelta(seconds=LOCKOUT_SECONDS)
        with self.sessions() as session, session.begin():
            attempt = begin_login(session, email, at, since)
        with self.sessions() as session:
            attempts = login_attempts(session, email, since)
        if attempts > LOGIN_ATTEMPTS:
            self.end(attempt)
            raise Refusal("too_many_logins", f"too many failed logins: try again in "
                                             f"{LOCKOUT_SECONDS} seconds", field="email")
        return attempt

    def end(self, attempt: int) -> None:
        """Forget an attempt that did not fail."""
        with self.sessions() as session, session.begin():
            end_login(session, attempt)


def log_in(session: Session, logins: LoginLimit, email: str, password: str) -> Member:
    """The member with these credentials, rate-limited per email; refused otherwise."""
    attempt = logins.begin(email)
    found = authenticate(session, email, password)
    if found is None:
        raise Refusal("unauthorised", "wrong email or password")
    logins.end(attempt)
    return found


def register(session: Session, email: str, password: str) -> Member:
    """A new member (role "member"); refused naming the field."""
    try:
        return register_member(session, email, password)
    except AccountRefused as refused:
        raise Refusal("refused", f"{refused.field} {refused.detail}", field=refused.field) from None

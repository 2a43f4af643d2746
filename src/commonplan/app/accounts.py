"""Accounts, the use cases of signing up and in: a member registered under the accounts'
rules (store.accounts), a sign-in checked and slowed down after failures. The API and the pages
both call these."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from commonplan.democracy.refusals import Refusal
from commonplan.store.accounts import AccountRefused, authenticate, register_member
from commonplan.store.models import Member

LOGIN_ATTEMPTS = 5  # failed logins of one email allowed per window
LOCKOUT_SECONDS = 300


class LoginLimit:
    """At most LOGIN_ATTEMPTS failed logins per email in LOCKOUT_SECONDS (guessing is slowed
    down to a crawl; one server process, kept in memory). The API and the pages share it."""

    def __init__(self) -> None:
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def check(self, email: str) -> None:
        """Refused (too_many_logins) when ``email`` failed too often lately."""
        with self.lock:
            if len(self._recent(email.strip().lower())) >= LOGIN_ATTEMPTS:
                raise Refusal("too_many_logins", f"too many failed logins: try again in "
                                                 f"{LOCKOUT_SECONDS} seconds", field="email")

    def failed(self, email: str) -> None:
        key = email.strip().lower()
        with self.lock:
            self.failures[key] = [*self._recent(key), time.monotonic()]

    def _recent(self, key: str) -> list[float]:
        """The failures of ``key`` within the window; an email with none is forgotten, so the
        count never grows with the emails merely tried."""
        since = time.monotonic() - LOCKOUT_SECONDS
        recent = [moment for moment in self.failures.pop(key, []) if moment > since]
        if recent:
            self.failures[key] = recent
        return recent


def log_in(session: Session, logins: LoginLimit, email: str, password: str) -> Member:
    """The member with these credentials, rate-limited per email; refused otherwise."""
    logins.check(email)
    found = authenticate(session, email, password)
    if found is None:
        logins.failed(email)
        raise Refusal("unauthorised", "wrong email or password")
    return found


def register(session: Session, email: str, password: str) -> Member:
    """A new member (role "member"); refused naming the field."""
    try:
        return register_member(session, email, password)
    except AccountRefused as refused:
        raise Refusal("refused", f"{refused.field} {refused.detail}", field=refused.field) from None

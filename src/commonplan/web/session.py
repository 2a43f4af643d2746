"""Who is signed in to the pages, and that a form was sent by our own pages: the session cookie
(a "session" token of store.accounts) and the CSRF token every POST form carries.

The CSRF token is an HMAC of the member's session under a random secret kept in a cookie of its
own (HttpOnly, SameSite=Strict); before signing in, of the secret alone (double submit). A forged
form from another site has neither cookie's value, and cannot read them to copy them."""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Header, Request
from fastapi.responses import Response

from commonplan.service.deps import Db
from commonplan.store.accounts import LIFETIME, member_of_token
from commonplan.store.models import Member

SESSION_COOKIE = "commonplan_session"
CSRF_COOKIE = "commonplan_csrf"
CSRF_FIELD = "csrf_token"  # the hidden field of every POST form
CSRF_HEADER = "X-CSRF-Token"  # the same token, sent by htmx (hx-headers)
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class PageError(Exception):
    """A refusal shown as an HTML page with its 4xx status (the API's refusals are JSON)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


class SignInRequired(Exception):
    """A member page asked for without a valid session: the reader is sent to the login page."""


def is_secure(request: Request) -> bool:
    """Whether the browser keeps Secure cookies for this request: over https, or on the loopback
    host (browsers treat http://127.0.0.1 and http://localhost as secure contexts)."""
    return request.url.scheme == "https" or request.url.hostname in LOOPBACK


def csrf_token(request: Request) -> str:
    """The token the forms of this page carry (a new CSRF secret is made when the browser has
    none; keep_cookies sets it on the answer)."""
    secret = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_secret", None)
    if not secret:
        secret = request.state.new_csrf_secret = secrets.token_urlsafe(32)
    return _signed(secret, request.cookies.get(SESSION_COOKIE, ""))


def check_csrf(request: Request, field: Annotated[str, Form(alias=CSRF_FIELD)] = "",
               header: Annotated[str, Header(alias=CSRF_HEADER)] = "") -> None:
    """403 unless the form (or an htmx request's header) carries this browser's CSRF token."""
    secret = request.cookies.get(CSRF_COOKIE, "")
    sent = field or header
    expected = _signed(secret, request.cookies.get(SESSION_COOKIE, "")) if secret else ""
    if not (sent and expected and hmac.compare_digest(sent.encode(), expected.encode())):
        raise PageError(403, "Form refused", "This form was not sent from a page of ours (its "
                                             "security token is missing or stale). Reload the page "
                                             "and send it again.")


def keep_cookies(request: Request, response: Response) -> None:
    """Set the CSRF secret made while answering ``request``, if one was made."""
    secret = getattr(request.state, "new_csrf_secret", None)
    if secret:
        response.set_cookie(CSRF_COOKIE, secret, httponly=True, samesite="strict",
                            secure=is_secure(request), path="/")


def start_session(request: Request, response: Response, token: str) -> None:
    """Sign the browser in with a session token (issue_token(..., kind="session"))."""
    response.set_cookie(SESSION_COOKIE, token, max_age=int(LIFETIME["session"].total_seconds()),
                        httponly=True, samesite="lax", secure=is_secure(request), path="/")


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=is_secure(request))


def signed_in_member(request: Request, db: Db) -> Member | None:
    """The member whose valid session cookie the request carries, or None (kept, as plain text,
    for the pages' header: the error page shows it after the database session closed)."""
    token = request.cookies.get(SESSION_COOKIE)
    member = member_of_token(db, token, kind="session") if token else None
    if member is not None:
        request.state.viewer = {"email": member.email, "role": member.role}
    return member


def session_member(member: Annotated[Member | None, Depends(signed_in_member)]) -> Member:
    """The signed-in member; SignInRequired (to the login page) otherwise."""
    if member is None:
        raise SignInRequired()
    return member


def _signed(secret: str, session: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{session}".encode(), hashlib.sha256).hexdigest()


Reader = Annotated[Member | None, Depends(signed_in_member)]
Me = Annotated[Member, Depends(session_member)]

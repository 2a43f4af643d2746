"""The REST API's accounts (docs/api.md): members registered, bearer tokens issued and revoked
(app.accounts)."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import StringConstraints

from commonplan.api.auth import BearerToken, Me
from commonplan.api.schemas.accounts import IssuedToken, MemberPublic
from commonplan.app import accounts, roll
from commonplan.service.deps import Db
from commonplan.service.limits import Email, Password, Strict
from commonplan.store.accounts import issue_token, revoke_token


class Credentials(Strict):
    email: Email
    password: Password


class Acceptance(Strict):
    invitation: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
    password: Password


router = APIRouter()


@router.post("/members", status_code=201, operation_id="register_member")
def register_route(body: Credentials, db: Db) -> MemberPublic:
    return MemberPublic.model_validate(accounts.register(db, body.email, body.password))


@router.post("/invitations", status_code=201, operation_id="accept_invitation")
def accept_route(body: Acceptance, db: Db) -> MemberPublic:
    """A member imported from a roll sets their password with the one-time invitation they were
    sent (docs/api.md, Accounts): they may then log in; the invitation is spent."""
    return MemberPublic.model_validate(roll.accept(db, body.invitation, body.password))


@router.post("/tokens", status_code=201, operation_id="log_in")
def log_in(body: Credentials, db: Db, request: Request) -> IssuedToken:
    found = accounts.log_in(db, request.app.state.logins, body.email, body.password)
    return IssuedToken(token=issue_token(db, found), token_type="bearer")


@router.delete("/tokens", status_code=204, operation_id="log_out")
def log_out(me: Me, db: Db, credentials: BearerToken) -> Response:
    """Revoke the bearer token this request carries: it signs nobody in again."""
    assert credentials is not None  # bearer_member (me) has checked it
    revoke_token(db, credentials.credentials)
    return Response(status_code=204)


@router.get("/members/me", operation_id="who_am_i")
def who_am_i(me: Me) -> MemberPublic:
    return MemberPublic.model_validate(me)

"""The REST API's accounts (docs/api.md): members registered, bearer tokens issued and revoked
(app.accounts)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from commonplan.api.auth import BearerToken, Me
from commonplan.app import accounts
from commonplan.service.deps import Db
from commonplan.service.limits import Email, Password, Strict
from commonplan.store.accounts import issue_token, revoke_token


class Credentials(Strict):
    email: Email
    password: Password


router = APIRouter()


@router.post("/members", status_code=201, operation_id="register_member")
def register_route(body: Credentials, db: Db) -> dict[str, Any]:
    new = accounts.register(db, body.email, body.password)
    return {"id": new.id, "email": new.email, "role": new.role}


@router.post("/tokens", status_code=201, operation_id="log_in")
def log_in(body: Credentials, db: Db, request: Request) -> dict[str, str]:
    found = accounts.log_in(db, request.app.state.logins, body.email, body.password)
    return {"token": issue_token(db, found), "token_type": "bearer"}


@router.delete("/tokens", status_code=204, operation_id="log_out")
def log_out(me: Me, db: Db, credentials: BearerToken) -> Response:
    """Revoke the bearer token this request carries: it signs nobody in again."""
    assert credentials is not None  # bearer_member (me) has checked it
    revoke_token(db, credentials.credentials)
    return Response(status_code=204)


@router.get("/members/me", operation_id="who_am_i")
def who_am_i(me: Me) -> dict[str, Any]:
    return {"id": me.id, "email": me.email, "role": me.role}

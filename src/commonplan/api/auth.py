"""Who calls the API: the member of the bearer token a request carries (401 without one)."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from commonplan.service.deps import Db
from commonplan.service.errors import ApiError
from commonplan.store.accounts import member_of_token
from commonplan.store.models import Member

_bearer = HTTPBearer(auto_error=False)

BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_member(db: Db, credentials: BearerToken) -> Member:
    found = member_of_token(db, credentials.credentials) if credentials else None
    if found is None:
        raise ApiError(401, "unauthorised", "a valid bearer token is required")
    return found


Me = Annotated[Member, Depends(bearer_member)]

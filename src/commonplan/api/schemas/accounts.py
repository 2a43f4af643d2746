"""The answers of the accounts' routes: a member's account and a bearer token."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MemberPublic(BaseModel):
    """A member's account, as its owner sees it (never the password's hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: str = Field(description="member, delegate, workplace reporter or auditor (docs/api.md, Roles)")


class IssuedToken(BaseModel):
    """A new bearer token: send it as ``Authorization: Bearer <token>``; it is valid 30 days."""

    token: str
    token_type: Literal["bearer"]

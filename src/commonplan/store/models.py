"""The tables: members, the economies they upload, and the background jobs computed on them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("member", "delegate", "workplace reporter", "auditor")
OPEN = ("queued", "running")  # a job's states while it may still run
ENDED = ("done", "failed", "cancelled")  # a job in these states never changes again


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Member(Base):
    """A member of the commonwealth with an account; the password only as an argon2 hash."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), default="member")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class StoredEconomy(Base):
    """An uploaded bundle (the zip as uploaded), identified by its content hash."""

    __tablename__ = "economies"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    name: Mapped[str] = mapped_column(String(200))
    bundle_sha256: Mapped[str] = mapped_column(String(64), index=True)
    bundle: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when asked for
    warnings: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # as accepted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Job(Base):
    """A computation on an economy (values, requirements, a plan), with its progress and result."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True, deferred=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


class Token(Base):
    """A bearer token of the API or a session of the pages (kind "bearer" or "session"); only its
    SHA-256 is kept, so a copy of the database signs nobody in."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="bearer", server_default="bearer")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

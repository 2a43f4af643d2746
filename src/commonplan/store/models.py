"""The tables: members, the economies they upload, the background jobs computed on them, the
councils with their offices, ballots and petitions, and the open books."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from commonplan.democracy.closing import BallotState

ROLES = ("member", "delegate", "workplace reporter", "auditor")


class JobState(StrEnum):
    """A background job's state, stored as its value."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN = (JobState.QUEUED, JobState.RUNNING)  # a job's states while it may still run
ENDED = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)  # a job in these states never changes again


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


def table_of(model: type[Base]) -> Table:
    """The table ``model`` maps, for plain statements on it. SQLAlchemy types ``__table__`` as any
    FROM clause (a class may map a join or a select); each class here maps one table."""
    table = model.__table__
    assert isinstance(table, Table), f"{model.__name__} maps no table"
    return table


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
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # as accepted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Job(Base):
    """A computation on an economy (values, requirements, a plan), with its progress and result."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, deferred=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # while running: the run that claimed it, and until when its process is known alive
    # (renewed by it; store.jobs.LEASE)
    runner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
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


class LoginAttempt(Base):
    """A sign-in under way or failed, kept for the window of the login limit (app.accounts) so
    that every server process counts the same failures; the email only as its SHA-256 (the
    addresses merely tried, of members or not, are nobody's business)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_sha256: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Council(Base):
    """A workplace, consumer or neighbourhood council, or a federation of councils (district,
    region, the whole economy) whose members are the delegates the councils below send."""

    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), nullable=True)
    reference_rate: Mapped[float] = mapped_column(Float)  # pay per hour of skilled work, the cap
    recall_fraction: Mapped[str] = mapped_column(String(20), default="1/5")  # of members to sign
    recall_fill: Mapped[str] = mapped_column(String(20), default="by-election")  # or "runner-up"
    recall_quorum: Mapped[str] = mapped_column(String(20), default="1/2", server_default="1/2")  # take part
    voting_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")  # a ballot's least
    producer: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CouncilMember(Base):
    __tablename__ = "council_members"

    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    public_name: Mapped[str] = mapped_column(String(200), default="")  # what the member chose to show
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Office(Base):
    """A seat of a council: a delegate to the council above (elected, recallable) or an
    administrative post (filled by lottery among volunteers, with a term limit)."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # a name of democracy.offices.OFFICE_KINDS
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    pay_rate: Mapped[float] = mapped_column(Float, default=0.0)
    term_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)  # terms in all, None: no cap
    elected_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the ballot, for runners-up


class Mandate(Base):
    """Who held an office, from when to when, and why it ended (recall, rotation, resignation)."""

    __tablename__ = "mandates"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_why: Mapped[str] = mapped_column(String(40), default="")


class Ballot(Base):
    """A vote of a council's members: an election, a recall, the shares of work, the priority
    tiers of needs, a participatory budget, or the adoption of a plan. The lottery's seed is
    committed (its SHA-256 published) at opening and revealed at closing."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default=BallotState.OPEN.value)
    seed: Mapped[str] = mapped_column(String(64))
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)  # None: council
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # at opening
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Round(Base):
    """A planning round of a federation (democracy.rounds): the economy and period it plans,
    where it stands and since when, each step's deadline, the ballots and plan variants it
    gathered, the variant adopted (frozen by the SHA-256 of its result) and the job publishing
    every workplace's targets in it."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economies.id"))
    period: Mapped[str] = mapped_column(String(100))
    step: Mapped[str] = mapped_column(String(20))  # a democracy.rounds.Step value
    step_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    deadlines: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # step -> ISO 8601 time
    needs: Mapped[str] = mapped_column(String(40), default="")  # "economy", or "job:N" (learned)
    ballots: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # ballot kind -> ballot
    variants: Mapped[list[int]] = mapped_column(JSON, default=list)  # plan jobs, in order
    adopted_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    plan_sha256: Mapped[str] = mapped_column(String(64), default="")
    targets_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)  # publishes them
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    report_every: Mapped[str] = mapped_column(String(10), default="week", server_default="week")  # Cadence
    executing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    alert_hours: Mapped[int] = mapped_column(Integer, default=48, server_default="48")  # execution.alerts


class RoundRecord(Base):
    """Records a council sent to a planning round (purchases, end-of-day stock or requests, as
    ``commonplan needs`` reads them): the latest file of each kind per council is the one used;
    the open books keep every sending by its SHA-256."""

    __tablename__ = "round_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    kind: Mapped[str] = mapped_column(String(20))  # purchases, stock or requests
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    sent_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    sendings: Mapped[int] = mapped_column(Integer, default=0)  # how often sent, replacements included
    __table_args__ = (UniqueConstraint("round_id", "council_id", "kind"),)


class RoundTarget(Base):
    """One workplace's targets in a round's adopted plan (planning.targets), stored once when the
    round publishes them, as the JSON document the API serves (app.targets); ``position`` is
    the producer's place in name order, for paging."""

    __tablename__ = "round_targets"
    __table_args__ = (UniqueConstraint("round_id", "producer"), UniqueConstraint("round_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    position: Mapped[int] = mapped_column(Integer)
    producer: Mapped[str] = mapped_column(Text)  # as the bundle's techniques name it
    document: Mapped[dict[str, Any]] = mapped_column(JSON)


class TargetDispute(Base):
    """A workplace council's dispute of one of its targets in a round (an output, an input or its
    labour), with the reason, for the federation to answer. ``open_slot`` is "open" until it is
    answered, then NULL: the unique constraint holds one open dispute per target per council
    (NULLs never clash, on SQLite as on PostgreSQL)."""

    __tablename__ = "target_disputes"
    __table_args__ = (UniqueConstraint("round_id", "council_id", "kind", "target", "open_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    producer: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # output, input or labour (app.acts.disputes)
    target: Mapped[str] = mapped_column(Text)  # the technique (output) or product (input, labour)
    reason: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    open_slot: Mapped[str | None] = mapped_column(String(10), nullable=True, default="open")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ExecutionReport(Base):
    """A workplace's report for one period of a round in execution (execution.reports): its
    canonical figures and their SHA-256. A correction is a new row of the next ``version`` for
    the same round, producer and period (the latest counts; every version stays, as on the open
    books); the unique constraint is the database's guard of one report per version."""

    __tablename__ = "execution_reports"
    __table_args__ = (UniqueConstraint("round_id", "producer", "period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    producer: Mapped[str] = mapped_column(Text)
    period: Mapped[str] = mapped_column(String(10))  # 2026-03-04 or 2026-W10 (execution.periods)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)  # 1 the first report, 2 and on its corrections
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    labour_hours: Mapped[float] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10))  # api, page or csv
    filed_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class RoundRevision(Base):
    """A revision of the rest of a round's execution (app.acts.revisions): the job computing it,
    the plan it revises (a job: the adopted plan, or the last revision applied), what became of
    it (``state``: computing, applied, voting, rejected, stale, failed), the ballot that decides
    it when it lowers a voted tier, and the SHA-256 of the targets it replaced and put in their
    place once applied. ``open_slot`` is "open" while it is computing or put to the vote, then
    NULL: the unique constraint holds one open revision per round (NULLs never clash)."""

    __tablename__ = "round_revisions"
    __table_args__ = (UniqueConstraint("round_id", "open_slot"), UniqueConstraint("round_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the round
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    plan_job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))  # the plan revised
    state: Mapped[str] = mapped_column(String(20), default="computing")
    open_slot: Mapped[str | None] = mapped_column(String(10), nullable=True, default="open")
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id"), nullable=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    old_targets_sha256: Mapped[str] = mapped_column(String(64), default="")
    new_targets_sha256: Mapped[str] = mapped_column(String(64), default="")


class Alert(Base):
    """An alert on a workplace's output target in a round in execution (execution.alerts): what
    raised it, its forecast, its consequences through the plan (execution.consequences) and
    their rank, the council holding it, its state and deadline. ``open_slot`` is "open" until it
    is acted on, then NULL: the unique constraint holds one open alert per target and direction
    (NULLs never clash)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("round_id", "producer", "product", "direction", "open_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))  # the workplace council responsible
    producer: Mapped[str] = mapped_column(Text)
    product: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(10))  # below or above plan
    cause: Mapped[str] = mapped_column(String(10))  # alarm or forecast
    period: Mapped[str] = mapped_column(String(10))  # of the report that raised it
    fulfilment: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    consequences: Mapped[dict[str, Any]] = mapped_column(JSON)
    rank_tier: Mapped[int] = mapped_column(Integer)  # the earliest tier at risk (a large number: none)
    rank_hours: Mapped[float] = mapped_column(Float)  # hours at risk in that tier
    state: Mapped[str] = mapped_column(String(20))  # an execution.alerts.AlertState value
    holder_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    steps: Mapped[int] = mapped_column(Integer, default=0)  # how often it climbed
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    open_slot: Mapped[str | None] = mapped_column(String(10), nullable=True, default="open")


class AlertEvent(Base):
    """One step of an alert's life, as on the open books: raised, escalated (from and to a council,
    the deadline passed), acknowledged or acted on (by whom, with the account): who saw what when."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # raised, escalated, acknowledged, acted
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))  # the holder (escalated: the new one)
    from_council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), nullable=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(100))  # the pseudonym, or the council for a rule's step
    deadline_passed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Participation(Base):
    """That a member voted in a ballot, never what: one row per member and ballot, the database's
    guard of one member, one vote."""

    __tablename__ = "participations"

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class BallotContent(Base):
    """What was voted, never by whom: kept under a random slot, with no time and no member, in a
    table stored in the order of its random keys (SQLite: WITHOUT ROWID), until the ballot
    closes and the contents go to the open books in random order."""

    __tablename__ = "ballot_contents"
    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    content: Mapped[Any] = mapped_column(JSON)  # in its kind's normal form: a list or a dict


class Petition(Base):
    """A petition to recall the holder of an office; at the threshold a recall ballot opens."""

    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    opened_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, balloting, done
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class PetitionSignature(Base):
    __tablename__ = "petition_signatures"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class Volunteer(Base):
    """A member who volunteers for an administrative post's next lottery, with the features the
    draw stratifies by (only what the member chose to state)."""

    __tablename__ = "volunteers"
    __table_args__ = (UniqueConstraint("office_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LedgerEntry(Base):
    """One entry of the open books: its canonical JSON (ledger.Entry.leaf_bytes) and leaf hash."""

    __tablename__ = "ledger_entries"

    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    leaf: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerTip(Base):
    """The one row every act locks first (so entries are numbered in turn) with the current
    signed tree head."""

    __tablename__ = "ledger_tip"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer, default=0)
    head: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LedgerHead(Base):
    """A signed tree head as published (shown or served), with the auditors' cosignatures."""

    __tablename__ = "ledger_heads"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    head: Mapped[dict[str, Any]] = mapped_column(JSON)


class LedgerKey(Base):
    """The public key the open books registered for a holder (the log, a member, a council)."""

    __tablename__ = "ledger_keys"

    holder: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))

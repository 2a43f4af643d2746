"""The democratic acts on the real store (SQLite and PostgreSQL): an OpenBooks with a fixed
secret, a clock that ticks a second a reading and replayable random bytes, members inserted
directly (no password hashing), and a council with members.

The migrations run once per worker and database: each SQLite test gets a copy of a migrated
file, each PostgreSQL test the worker's migrated schema emptied (a test here never shares its
data with another; the folder stays quick).
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.councils import found_council, join_council
from commonplan.democracy.refusals import Refusal
from commonplan.ledger import Entry, Verdict
from commonplan.store.books import OpenBooks, entries, verify_books
from commonplan.store.database import connect, open_database, sessions
from commonplan.store.models import (
    Base,
    Council,
    CouncilMember,
    Job,
    LedgerEntry,
    LedgerTip,
    Member,
    StoredEconomy,
)
from tests.store.conftest import POSTGRES

SECRET = bytes.fromhex("5e" * 32)
OWN_TRANSACTIONS = {close_ballot}  # a count holds no transaction
START = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
EMAILS = itertools.count()


class TickingClock:
    """A clock one second later at every reading (thread-safe), which a test can move on (to a
    ballot's closing time, say)."""

    def __init__(self, start: datetime = START) -> None:
        self.ticks, self.lock, self.moved = itertools.count(), threading.Lock(), timedelta(0)
        self.start = start

    def __call__(self) -> datetime:
        with self.lock:
            return self.start + self.moved + timedelta(seconds=next(self.ticks))

    def advance(self, delta: timedelta) -> None:
        with self.lock:
            self.moved += delta


def ticking_clock(start: datetime = START) -> TickingClock:
    return TickingClock(start)


def replayable_bytes(label: str = "seed") -> Callable[[int], bytes]:
    """Random bytes from a counter: SHA-256 of label and count, as many bytes as asked."""
    counter, lock = itertools.count(), threading.Lock()

    def random_bytes(size: int) -> bytes:
        with lock:
            number = next(counter)
        out = b""
        while len(out) < size:
            out += hashlib.sha256(f"{label}:{number}:{len(out)}".encode()).digest()
        return out[:size]

    return random_bytes


@dataclass
class World:
    """The store as the acts see it: run an act in a transaction, look at what was written."""

    engine: Engine
    books: OpenBooks
    sessions: sessionmaker[Session]

    def later(self, days: float = 8) -> None:
        """Move the books' clock on by ``days`` (by default past any ballot's default closing time)."""
        self.books.clock.advance(timedelta(days=days))  # type: ignore[attr-defined]

    def act(self, use_case: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """Run ``use_case(session, books, *args)`` in a transaction of its own, committed (a use
        case that opens its own transactions, such as closing a ballot, gets the sessions)."""
        if use_case in OWN_TRANSACTIONS:
            return use_case(self.sessions, self.books, *args, **options)
        with self.sessions() as session, session.begin():
            return use_case(session, self.books, *args, **options)

    def refused(self, code: str, use_case: Callable[..., Any], *args: Any, **options: Any) -> Refusal:
        with pytest.raises(Refusal) as caught:
            self.act(use_case, *args, **options)
        assert caught.value.code == code, caught.value
        return caught.value

    def refused_writing_nothing(self, code: str, use_case: Callable[..., Any], *args: Any,
                                **options: Any) -> Refusal:
        before = self.counts()
        refusal = self.refused(code, use_case, *args, **options)
        assert self.counts() == before
        return refusal

    def counts(self) -> dict[str, int]:
        """Rows in every table."""
        with self.engine.connect() as connection:
            return {name: connection.scalar(select(func.count()).select_from(table)) or 0
                    for name, table in Base.metadata.tables.items()}

    def entries(self, kind: str | None = None) -> list[Entry]:
        with self.sessions() as session:
            return [entry for entry in entries(session) if kind is None or entry.kind == kind]

    def last(self, kind: str) -> Entry:
        return self.entries(kind)[-1]

    def verify(self) -> Verdict:
        with self.sessions() as session:
            return verify_books(session, self.books.log.public_key.hex(), workers=1)

    def get(self, table: type, key: Any) -> Any:
        with self.sessions() as session:
            return session.get(table, key)

    def rows(self, query: Any) -> list[Any]:
        with self.sessions() as session:
            return list(session.execute(query).all())

    def members(self, count: int) -> list[Member]:
        """``count`` new members (inserted directly: no password to hash)."""
        with self.sessions() as session, session.begin():
            made = [Member(email=f"m{next(EMAILS)}@example.org", password_hash="-") for _ in range(count)]
            session.add_all(made)
        return made

    def council(self, members: list[Member], *, level: str = "workplace", parent_id: int | None = None,
                **options: Any) -> Council:
        """A council founded by ``members[0]``, the others joining (each an act of its own)."""
        council = self.act(found_council, members[0], name=f"{level} council", level=level,
                           reference_rate=40.0, parent_id=parent_id, **options)
        for member in members[1:]:
            self.act(join_council, member, council.id)
        return council

    def federation(self, level: str = "district", parent_id: int | None = None) -> Council:
        founder = self.members(1)[0]
        return self.act(found_council, founder, name=f"{level} federation", level=level,
                        reference_rate=40.0, parent_id=parent_id)

    def enrol(self, council_id: int, members: list[Member]) -> None:
        """Members put into a council directly (quick, no entries: for tests of many voters)."""
        with self.sessions() as session, session.begin():
            session.add_all(CouncilMember(council_id=council_id, member_id=m.id) for m in members)

    def finished_plans(self, owner: Member, count: int) -> list[int]:
        """``count`` plan jobs in state done with a result, on a stored economy."""
        with self.sessions() as session, session.begin():
            economy = StoredEconomy(owner_id=owner.id, name="bakery", bundle_sha256="ab" * 32, bundle=b"PK")
            session.add(economy)
            session.flush()
            jobs = [Job(kind="plan", economy_id=economy.id, owner_id=owner.id, options={"variant": k},
                        state="done", progress=1.0,
                        result={"fulfilment": 1.0 - k / 10, "labour_hours": 100 + k})
                    for k in range(count)]
            session.add_all(jobs)
            session.flush()
            return [job.id for job in jobs]

    def pseudonym(self, member: Member) -> str:
        return self.books.pseudonym(member.id)

    def entry_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Per worker: a migrated SQLite file to copy, or a migrated PostgreSQL schema to empty."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("template") / "commonplan.db"
        open_database(f"sqlite:///{template}").dispose()
        yield "sqlite", template
        return
    schema = f"test_acts_{uuid.uuid4().hex}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # commits need not wait for the disk in tests (quicker under load; nothing else changes)
    options = {"connect_args": {"options": f"-csearch_path={schema} -csynchronous_commit=off"}}
    open_database(POSTGRES, **options).dispose()
    try:
        yield "postgresql", options
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(migrated, tmp_path) -> Engine:
    """An engine on a migrated, empty database of its own (overrides tests/store's ``engine``)."""
    dialect, made = migrated
    if dialect == "sqlite":
        copy = tmp_path / "commonplan.db"
        shutil.copy(made, copy)
        engine = connect(f"sqlite:///{copy}")
    else:
        engine = connect(POSTGRES, **made)
        with engine.begin() as connection:  # small tables: DELETE is quicker than TRUNCATE
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            connection.execute(insert(LedgerTip).values(id=1, size=0, head={}))
    yield engine
    engine.dispose()


@pytest.fixture
def books() -> OpenBooks:
    return OpenBooks(SECRET, clock=ticking_clock(), random_bytes=replayable_bytes())


@pytest.fixture
def world(engine: Engine, books: OpenBooks) -> World:
    return World(engine, books, sessions(engine))


@pytest.fixture
def people(world: World) -> list[Member]:
    return world.members(5)


@pytest.fixture
def council(world: World, people: list[Member]) -> Council:
    """A workplace council of five members, under a district federation (so it sends delegates)."""
    district = world.federation("district")
    return world.council(people, parent_id=district.id)

"""The builders tests share: small economies (as bundle tables and as built economies), councils
with members on the real store, and ballots voted and closed.

Tests import what they need from here (or from the other helper modules: databases, rest, pages,
browsers, commands, clocks); no test imports from another test module or a conftest file
(tests/test_test_tools.py checks it).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.councils import found_council, join_council
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.democracy.refusals import Refusal
from commonplan.economy.build import build_economy
from commonplan.economy.bundle import read_bundle
from commonplan.economy.model import Economy
from commonplan.economy.problems import BundleError, Problem
from commonplan.ledger import Entry, Verdict
from commonplan.store.books import OpenBooks, entries, verify_books
from commonplan.store.database import sessions
from commonplan.store.models import (
    Ballot,
    Base,
    Council,
    CouncilMember,
    Job,
    LedgerEntry,
    Member,
    StoredEconomy,
)

# -- economies as bundle tables ----------------------------------------------------------------

# A small valid economy: bread from wheat and baking labour, wheat from farm labour and land.
# Its labour values: wheat 1/2 = 0.5 hours a kg, bread 0.2 + 0.5 * 0.5 = 0.45 hours a loaf.
BAKERY: dict[str, str] = {
    "products.csv": "id,name,unit,kind,public\n"
                    "bread,Bread,loaf,good,false\n"
                    "wheat,Wheat,kg,good,\n"
                    "labour,Work,hour,labour,\n"
                    "land,Land,ha,resource,\n"
                    "park,Park,visit,service,true\n",
    "techniques.csv": "id,output,yield,capacity,producer\n"
                      "bake,bread,1,,Bakery\n"
                      "grow,wheat,2,100,Farm\n"
                      "tend,park,1,,Parks office\n",
    "inputs.csv": "technique,product,quantity\n"
                  "bake,wheat,0.5\n"
                  "bake,labour,0.2\n"
                  "grow,labour,1\n"
                  "grow,land,0.1\n"
                  "tend,labour,0.01\n",
    "resources.csv": "product,available\n"
                     "labour,1000\n"
                     "land,50\n",
    "needs.csv": "product,quantity,priority\n"
                 "bread,10,1\n"
                 "bread,5,2\n"
                 "park,100,1\n",
    "economy.toml": 'name = "Bakery"\nperiod = "2025"\n',
}

# The bakery with its products in groups (the optional group column): bread and wheat are food,
# in different units; the park is alone in its group; labour and land in none.
GROUPED_BAKERY: dict[str, str] = BAKERY | {
    "products.csv": "id,name,unit,kind,public,group\n"
                    "bread,Bread,loaf,good,false,Food\n"
                    "wheat,Wheat,kg,good,, Food \n"
                    "labour,Work,hour,labour,,\n"
                    "land,Land,ha,resource,,\n"
                    "park,Park,visit,service,true,Parks and gardens\n",
    "needs.csv": "product,quantity,priority\n"
                 "bread,10,1\n"
                 "bread,5,2\n"
                 "wheat,20,2\n"
                 "park,100,1\n",
}

Tables = Mapping[str, str | bytes | None]


def write_tables(folder: Path, tables: Tables) -> Path:
    """Write each ``name: text`` as a file in ``folder`` (bytes as they are; None writes nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        if content is not None:
            (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def zipped(tables: Mapping[str, str]) -> bytes:
    """The tables as the bytes of a zip, at its root (an upload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in tables.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write_zip(path: Path, tables: Tables, *, folder: str = "") -> Path:
    """A zip of the tables, at its root or inside ``folder``."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in tables.items():
            if content is not None:
                archive.writestr(f"{folder}{name}", content)
    return path


def problems_of(path: Path | str) -> list[Problem]:
    """Every problem reading the bundle at ``path`` reports (failing when it reads fine)."""
    with pytest.raises(BundleError) as caught:
        read_bundle(path)
    return caught.value.problems


def lines_of(path: Path | str) -> list[str]:
    """The problems of the bundle at ``path`` as printed: ``FILE:ROW:COLUMN: message``."""
    return [str(problem) for problem in problems_of(path)]


# -- economies built in memory -------------------------------------------------------------------

# How close Harmony comes to the exact plan, as docs/planning.md states it ("What is guaranteed"):
HARMONY_GAP = 0.02  # Harmony's lambda of every tier is within this of the exact one (absolute) ...
HARMONY_SHARE = 0.98  # ... and the first tier not met gets at least this share of the exact lambda

PLANNED_PRODUCTS = [{"id": "grain", "kind": "good"}, {"id": "bread", "kind": "good"},
                    {"id": "salt", "kind": "good"}, {"id": "work", "kind": "labour"},
                    {"id": "mine", "kind": "resource"}]


def planned_bakery(hours: float, *, capacity: float | None = None, second_bakery: bool = False,
                   mine: float = 100.0, salt_needed: float = 0.0) -> Economy:
    """An economy to plan, in three priority tiers: 1000 loaves (priority 1), 200 kg of grain (2)
    and, if ``salt_needed``, salt (3).

    Grain takes 1 hour; bread 0.5 grain and 0.5 hours (1 hour in all; the bakery's ``capacity``
    caps it), or, in the ``second_bakery``, 0.2 grain and 1 hour (1.2 hours in all); salt 1 hour
    and 1 unit of the ``mine``.  So 1000 hours meet priority 1 alone and 1200 both.
    """
    techniques = [{"id": "farm", "output": "grain", "producer": "Farm"},
                  {"id": "bakery", "output": "bread", "capacity": capacity, "producer": "Bakery"},
                  {"id": "saltworks", "output": "salt", "producer": "Saltworks"}]
    inputs = [{"technique": "farm", "product": "work", "quantity": 1},
              {"technique": "bakery", "product": "grain", "quantity": 0.5},
              {"technique": "bakery", "product": "work", "quantity": 0.5},
              {"technique": "saltworks", "product": "work", "quantity": 1},
              {"technique": "saltworks", "product": "mine", "quantity": 1}]
    if second_bakery:
        techniques.append({"id": "bakery2", "output": "bread", "producer": "Old bakery"})
        inputs += [{"technique": "bakery2", "product": "grain", "quantity": 0.2},
                   {"technique": "bakery2", "product": "work", "quantity": 1}]
    needs = [{"product": "bread", "quantity": 1000, "priority": 1},
             {"product": "grain", "quantity": 200, "priority": 2}]
    if salt_needed:
        needs.append({"product": "salt", "quantity": salt_needed, "priority": 3})
    return build_economy(products=PLANNED_PRODUCTS, techniques=techniques, inputs=inputs,
                         resources=[{"product": "work", "available": hours},
                                    {"product": "mine", "available": mine}],
                         needs=needs)


def leontief_economy(a: np.ndarray, labour: np.ndarray, demand: np.ndarray | None = None,
                     alternatives: Sequence[tuple[int, np.ndarray, float]] = ()) -> Economy:
    """Products p0..pn-1 each made by technique t<i> with produced inputs a[:, i] and labour[i].

    ``alternatives``: extra techniques (product, produced inputs, labour), appended in order.
    """
    n = a.shape[0]
    products = [{"id": f"p{i}", "kind": "good"} for i in range(n)] + [{"id": "work", "kind": "labour"}]
    techniques = [{"id": f"t{i}", "output": f"p{i}"} for i in range(n)]
    columns = [(i, a[:, i], labour[i]) for i in range(n)]
    for k, (product, inputs, hours) in enumerate(alternatives):
        techniques.append({"id": f"alt{k}", "output": f"p{product}"})
        columns.append((product, inputs, hours))
    rows = []
    for technique, (_, coefficients, hours) in zip(techniques, columns, strict=True):
        rows += [{"technique": technique["id"], "product": f"p{q}", "quantity": repr(float(c))}
                 for q, c in enumerate(coefficients) if c != 0]
        if hours != 0:
            rows.append({"technique": technique["id"], "product": "work", "quantity": repr(float(hours))})
    needs = [] if demand is None else [{"product": f"p{i}", "quantity": repr(float(q))}
                                       for i, q in enumerate(demand) if q > 0]
    return build_economy(products=products, techniques=techniques, inputs=rows, needs=needs)


# -- councils and ballots on the store ---------------------------------------------------------

SECRET = bytes.fromhex("5e" * 32)  # the open books' secret in tests of the acts
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

    def closed(self, ballot_id: int, voters: Sequence[Member], votes: Sequence[Any]) -> Ballot:
        """Each voter casts the matching vote (in order), then, at its closing time, the first
        voter closes the ballot; the ballot as it was closed."""
        for member, content in zip(voters, votes, strict=False):
            self.act(cast_ballot, member, ballot_id, content)
        self.later()
        return self.act(close_ballot, voters[0], ballot_id)

    def closed_ballot(self, council: Council, voters: Sequence[Member], kind: str, options: Any,
                      votes: Sequence[Any], **more: Any) -> Ballot:
        """A ballot of ``kind`` opened by ``voters[0]``, voted (one vote per voter, in order) and
        closed at its closing time; the ballot as it was closed."""
        ballot = self.act(open_ballot, voters[0], council.id, kind=kind, question=f"A {kind}?",
                          options=options, **more)
        return self.closed(ballot.id, voters, votes)

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


# Fixtures for a conftest file (or a module) to import: they need an ``engine`` fixture, usually
# tests.databases' ``emptied_engine`` named ``engine``.

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

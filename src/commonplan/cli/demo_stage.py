"""The demo's stage: the store as the server's use cases see it (a temporary SQLite database, the
open books on a clock the demo moves on), each act in a transaction of its own, and every job
run at once as a worker process would, a revision decided when its job ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from commonplan.app.acts.cast_ballot import cast_ballot
from commonplan.app.acts.close_ballot import close_ballot
from commonplan.app.acts.open_ballot import open_ballot
from commonplan.app.jobs import run_job
from commonplan.app.revisions import settle_job
from commonplan.app.rounds import advance
from commonplan.store.books import OpenBooks
from commonplan.store.models import Ballot, Member, Round


class DemoClock:
    """The books' clock, moved on by the demo past each deadline it waits for."""

    def __init__(self) -> None:
        self.now = datetime(2017, 1, 2, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def past(self, deadline: str) -> None:
        """Move on to just past ``deadline`` (ISO 8601)."""
        self.now = max(self.now, datetime.fromisoformat(deadline)) + timedelta(minutes=1)


@dataclass
class Stage:
    """The store as the acts see it: each act in a transaction of its own."""

    sessions: sessionmaker[Session]
    books: OpenBooks
    clock: DemoClock

    def act(self, use_case: Callable[..., Any], *args: Any, **options: Any) -> Any:
        with self.sessions() as session, session.begin():
            return use_case(session, self.books, *args, **options)

    def advance(self, member: Member, round_id: int) -> Round:
        """Move the round on (app.rounds.advance): a job it queues runs at once."""
        with self.sessions() as session:
            with session.begin():
                held: Round = advance(session, self.books, self, member, round_id)
            session.refresh(held)  # read back after the commit, to be read once the session is closed
            return held

    def submit(self, job_id: int) -> None:
        """Run a job at once (app.jobs.run_job, as a worker process would), then decide the
        revision it computed, if any (app.revisions.settle_job, as the server does)."""
        run_job(self.sessions, job_id)
        settle_job(self.sessions, self.books, job_id)

    def members(self, count: int, prefix: str) -> list[Member]:
        with self.sessions() as session, session.begin():
            made = [Member(email=f"{prefix}{n}@riverside.example", password_hash="-") for n in range(count)]
            session.add_all(made)
        return made

    def ballot(self, opener: Member, council: int, kind: str, options: dict[str, Any],
               votes: list[tuple[Member, Any]], office: int | None = None) -> Ballot:
        """A ballot opened, voted by everyone, and closed (all voted: it may close at once)."""
        opened = self.act(open_ballot, opener, council, kind=kind, question=f"{kind}?", options=options,
                          office_id=office)
        for member, content in votes:
            self.act(cast_ballot, member, opened.id, content)
        closed: Ballot = close_ballot(self.sessions, self.books, opener, opened.id)
        return closed

"""``commonplan serve`` and ``commonplan role``: the web application and its members' roles."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from commonplan.cli.common import (
    BadInput,
    DatabaseUrl,
    app,
    opened,
    out,
)

MAX_WORKERS = 64  # server processes of one command


@app.command()
def serve(database: DatabaseUrl = "sqlite:///commonplan.db",
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
          workers: Annotated[int, typer.Option(
              "--workers", min=1, max=MAX_WORKERS,
              help="Server processes (more than one needs PostgreSQL: docs/deploy.md).")] = 1,
          jobs: Annotated[str, typer.Option(
              "--jobs", help="Where jobs run: inside (beside each server process) or queue (taken by "
                             "`commonplan worker` processes; PostgreSQL).")] = "inside",
          access_log: Annotated[bool, typer.Option(
              "--access-log", help="Log every request (off: it costs a few per cent of throughput).")]
          = False) -> None:
    """The web application and REST API (OpenAPI at /openapi.json, interactive docs at /docs)."""
    import uvicorn

    from commonplan.server import DATABASE_VARIABLE, JOB_PLACES, JOBS_VARIABLE

    if jobs not in JOB_PLACES:
        raise BadInput([f"--jobs {jobs!r}: one of {', '.join(JOB_PLACES)}"])
    if workers > 1:
        _on_postgresql(database, f"--workers {workers}: several server processes need PostgreSQL (SQLite "
                                 "lets one process write at a time)")
    if jobs == "queue":
        _on_postgresql(database, "--jobs queue: the job queue lives in PostgreSQL")
    os.environ[DATABASE_VARIABLE], os.environ[JOBS_VARIABLE] = database, jobs
    if workers == 1:
        from commonplan.server import from_environment

        uvicorn.run(opened(database, lambda _: from_environment()), host=host, port=port,
                    access_log=access_log)
        return
    uvicorn.run("commonplan.server:from_environment", factory=True, workers=workers, host=host,
                port=port, access_log=access_log)


@app.command()
def worker(database: DatabaseUrl = "sqlite:///commonplan.db",
           name: Annotated[str, typer.Option("--name", help="The worker's name in the queue's records.")]
           = "") -> None:
    """A job worker: takes computations from the job queue of servers started with `--jobs queue`,
    one at a time, until stopped (PostgreSQL; docs/deploy.md)."""
    from commonplan.app.queue import run_worker

    _on_postgresql(database, "the job queue lives in PostgreSQL")
    run_worker(database, name or f"worker {socket.gethostname()} {os.getpid()}")


def _on_postgresql(database: str, why: str) -> None:
    """Bad input (exit 2) naming ``why`` unless ``database`` is PostgreSQL; migrated once, and a
    bad URL named, before any process starts."""
    from commonplan.store.database import open_database

    engine = opened(database, open_database)
    dialect = engine.dialect.name
    engine.dispose()
    if dialect != "postgresql":
        raise BadInput([f"{why}: --database postgresql+psycopg://..."])


@app.command()
def role(email: Annotated[str, typer.Argument(help="The member's email.")],
         new_role: Annotated[str, typer.Argument(
             metavar="ROLE", help="member, delegate, \"workplace reporter\" or auditor.")],
         database: DatabaseUrl = "sqlite:///commonplan.db") -> None:
    """Give a registered member a role (the server operator's act; docs/api.md says what each may do)."""
    from commonplan.store.accounts import AccountRefused, set_role
    from commonplan.store.database import open_database, sessions

    engine = opened(database, open_database)
    with sessions(engine)() as session, session.begin():
        try:
            member = set_role(session, email, new_role)
        except AccountRefused as refused:
            raise BadInput([f"{refused.field} {refused.detail}"]) from None
    out.print(f"{member.email} is now a {member.role}")



"""``commonplan serve`` and ``commonplan role``: the web application and its members' roles."""

from __future__ import annotations

import os
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
          access_log: Annotated[bool, typer.Option(
              "--access-log", help="Log every request (off: it costs a few per cent of throughput).")]
          = False) -> None:
    """The web application and REST API (OpenAPI at /openapi.json, interactive docs at /docs)."""
    import uvicorn

    from commonplan.server import DATABASE_VARIABLE, create_app
    from commonplan.store.database import open_database

    if workers == 1:
        uvicorn.run(opened(database, create_app), host=host, port=port, access_log=access_log)
        return
    engine = opened(database, open_database)  # migrated once, and a bad URL named, before any process starts
    if engine.dialect.name != "postgresql":
        raise BadInput([f"--workers {workers}: several server processes need PostgreSQL (SQLite lets "
                        "one process write at a time): --database postgresql+psycopg://..."])
    engine.dispose()
    os.environ[DATABASE_VARIABLE] = database
    uvicorn.run("commonplan.server:from_environment", factory=True, workers=workers, host=host,
                port=port, access_log=access_log)


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



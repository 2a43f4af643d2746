"""``commonplan serve`` and ``commonplan role``: the web application and its members' roles."""

from __future__ import annotations

from typing import Annotated

import typer

from commonplan.cli.common import (
    BadInput,
    DatabaseUrl,
    app,
    opened,
    out,
)


@app.command()
def serve(database: DatabaseUrl = "sqlite:///commonplan.db",
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
          access_log: Annotated[bool, typer.Option(
              "--access-log", help="Log every request (off: it costs a few per cent of throughput).")]
          = False) -> None:
    """The web application and REST API (OpenAPI at /openapi.json, interactive docs at /docs)."""
    import uvicorn

    from commonplan.server import create_app

    uvicorn.run(opened(database, create_app), host=host, port=port, access_log=access_log)


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



"""The command line as a client of a running server's REST API (``commonplan round``, ``commonplan
report``): the member is who their bearer token says, never who the command says. A refusal or a
server out of reach is bad input (exit code 2) naming every problem as FILE:ROW:COLUMN: message."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commonplan.cli.common import BadInput

TOKEN_VARIABLE = "COMMONPLAN_TOKEN"
Server = Annotated[str, typer.Option("--server", help="The server's address, e.g. http://127.0.0.1:8000.")]
Token = Annotated[str, typer.Option("--token", envvar=TOKEN_VARIABLE, show_default=False,
                                    help="Your bearer token (POST /tokens); better given as "
                                         f"{TOKEN_VARIABLE}.")]


def call(server: str, token: str, method: str, path: str, **request: Any) -> Any:
    """The server's JSON answer to ``method path`` (``request``: httpx's ``params``, ``data``,
    ``files``, ``json``)."""
    import httpx

    try:
        answer = httpx.request(method, server.rstrip("/") + path, timeout=600, **request,
                               headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    except (httpx.HTTPError, ValueError) as error:
        raise BadInput([f"--server {server}: {error}"]) from None
    if answer.is_error:
        raise BadInput(refusal(answer.status_code, answer.content))
    try:
        return answer.json()
    except ValueError:
        raise BadInput([f"--server {server}: {path} answered {answer.status_code} without JSON"]) from None


def refusal(status: int, body: bytes) -> list[str]:
    """The lines of a refusal: its status, code and reason, then every problem as
    FILE:ROW:COLUMN: message."""
    import orjson

    try:
        refused: dict[str, Any] = orjson.loads(body)
    except ValueError:
        return [f"the server answered {status}: {body[:200].decode(errors='replace')}"]
    lines = [f"{status} {refused.get('error', '')}: {refused.get('detail', '')}"]
    for problem in refused.get("errors") or []:
        parts = (problem.get("file"), problem.get("row"), problem.get("column"))
        place = ":".join(str(part) for part in parts if part is not None)
        lines.append(f"{place}: {problem.get('message', '')}")
    return lines

"""``commonplan round``: a council's side of a planning round on a running server, through its
REST API (the same use cases as the pages): where a round stands, and sending a council's
records to it. The member is who the token says (``POST /tokens``), never who the command says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commonplan.app.rounds import MAX_RECORDS
from commonplan.cli.client import Server, Token, call
from commonplan.cli.common import BadInput, JsonFlag, app, out, print_document
from commonplan.needs.record_kinds import KINDS

round_app = typer.Typer(name="round", no_args_is_help=True,
                        help="A planning round on a running server: where it stands; send records to it.")
app.add_typer(round_app)

RoundId = Annotated[int, typer.Argument(help="The round's number.", min=1)]


@round_app.command("show")
def show(round_id: RoundId, server: Server, token: Token, json: JsonFlag = False) -> None:
    """Where the round stands: its steps and deadlines, what is missing, who must act."""
    view = call(server, token, "GET", f"/rounds/{round_id}")
    if json:
        print_document(view)
        return
    table = Table(title=f"Planning round {view['id']} for {view['period']} ({view['council_name']})")
    for column in ("step", "state", "deadline", "who acts"):
        table.add_column(column)
    for step in view["steps"]:
        deadline = (step["deadline"] or "")[:16].replace("T", " ")
        table.add_row(step["title"], step["state"], deadline, step["who"])
    out.print(table)
    if view["missing"]:
        out.print("Still missing: " + "; ".join(view["missing"]), soft_wrap=True)


@round_app.command("send")
def send(file: Annotated[Path, typer.Argument(help="The records: CSV or Parquet, SPEC section 4's columns.")],
         round_id: Annotated[int, typer.Option("--round", help="The round's number.", min=1)],
         council: Annotated[int, typer.Option("--council", help="The council sending them (yours).", min=1)],
         kind: Annotated[str, typer.Option("--kind", help=f"What they are: {', '.join(KINDS)}.")],
         server: Server, token: Token, json: JsonFlag = False) -> None:
    """Send a council's purchases, end-of-day stock or requests to a round gathering needs; the
    server checks them as `commonplan needs` does and names every problem by row and column."""
    if kind not in KINDS:
        raise BadInput([f"--kind: {kind!r} is not one of {', '.join(KINDS)}"])
    if not file.is_file():
        raise BadInput([f"{file}: no such file"])
    if file.stat().st_size > MAX_RECORDS:
        raise BadInput([f"{file}: {file.stat().st_size:,} bytes, above the {MAX_RECORDS:,} a file of "
                        "records may have"])
    with file.open("rb") as content:
        view = call(server, token, "POST", f"/rounds/{round_id}/records",
                     data={"council": str(council), "kind": kind}, files={"file": (file.name, content)})
    if json:
        print_document(view)
        return
    sent = next((each for each in view.get("records", []) if each.get("council") == council
                 and each.get("kind") == kind), None)
    out.print(f"{kind} of council {council} sent to round {round_id}"
              + (f" ({sent['filename']}, {sent['bytes']:,} bytes, SHA-256 {sent['sha256'][:16]}…)"
                 if sent else ""), soft_wrap=True)

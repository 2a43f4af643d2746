"""``commonplan report``: a workplace's report for a period sent from a CSV file to a running
server, and the reports due and missing in a round, through the REST API (docs/execution.md,
Reports) with a member's bearer token: the server checks the file (every problem named by row and
column, exit code 2) and the rules (only a reporter of the workplace reports for it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commonplan.cli.client import Server, Token, call
from commonplan.cli.common import BadInput, JsonFlag, app, emit, out

report_app = typer.Typer(name="report", no_args_is_help=True,
                         help="Workplaces' reports on a round in execution, through a running server.")
app.add_typer(report_app)

MAX_FILE = 2**20  # bytes of a report's file (the server's bound, app.reports.MAX_REPORT_BYTES)
RoundOption = Annotated[int, typer.Option("--round", min=1, max=2**31 - 1, help="The round in execution.")]
SECTIONS = (("outputs", "made"), ("inputs", "used"), ("labour", "worked"), ("stocks", "held"))


@report_app.command("upload")
def upload(file: Annotated[Path, typer.Argument(help="The report: a CSV with the columns section, product, "
                                                     "quantity (docs/execution.md).")],
           round_id: RoundOption, server: Server, token: Token,
           workplace: Annotated[int, typer.Option("--workplace", min=1, max=2**31 - 1,
                                                  help="Your workplace council's number.")],
           period: Annotated[str, typer.Option(
               "--period", help="A day (2026-03-04) or an ISO week (2026-W10), as the round's workplaces "
                                "report.")],
           json: JsonFlag = False) -> None:
    """Send a workplace's report for a period: the first of the period, a correction of it, or,
    with the same figures, nothing new."""
    try:
        content = file.read_bytes()
    except OSError as error:
        raise BadInput([f"{file}: {error.strerror}"]) from None
    if len(content) > MAX_FILE:
        raise BadInput([f"{file}: {len(content):,} bytes; a report's file has at most {MAX_FILE:,}"])
    filed = call(server, token, "POST", f"/rounds/{round_id}/reports.csv",
                 data={"council": str(workplace), "period": period},
                 files={"file": (file.name, content, "text/csv")})
    if json:
        emit({"report": filed}, filed.get("warnings", []), None)
        return
    for warning in filed.get("warnings", []):
        out.print(f"warning: {warning}", markup=False, soft_wrap=True)
    what = ("the same figures were filed already: nothing new" if not filed["changed"] else
            "filed" if filed["version"] == 1 else f"filed, correcting version {filed['version'] - 1}")
    late = " (late)" if filed["late"] else ""
    out.print(f"Report of {filed['council']['name']} ({filed['producer']}) for {filed['period']}, "
              f"version {filed['version']}{late}: {what}.", markup=False, soft_wrap=True)
    table = Table(title=f"Round {filed['round']}, {filed['period_start']} to {filed['period_end']}")
    for column in ("", "product", "quantity", "unit"):
        table.add_column(column, justify="right" if column == "quantity" else "left")
    for section, title in SECTIONS:
        for item in filed[section]:
            table.add_row(title, item["name"], f"{item['quantity']:,.6g}", item["unit"])
    out.print(table)


@report_app.command("missing")
def missing(round_id: RoundOption, server: Server, token: Token,
            limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Workplaces at most.")] = 100,
            offset: Annotated[int, typer.Option("--offset", min=0, help="Workplaces to skip.")] = 0,
            json: JsonFlag = False) -> None:
    """The reports due and not yet filed, per workplace, by name."""
    rows = call(server, token, "GET", f"/rounds/{round_id}/reports/missing",
                params={"offset": offset, "limit": limit})
    if json:
        emit({"workplaces": rows}, [], None)
        return
    table = Table(title=f"Reports of round {round_id} due and missing")
    for column in ("workplace", "producer", "due", "reported", "late", "missing"):
        table.add_column(column, justify="right" if column in ("due", "reported", "late") else "left")
    for row in rows:
        more = " …" if row["missing"] > len(row["missing_periods"]) else ""
        shown = ", ".join(row["missing_periods"]) + more
        table.add_row(row["council"]["name"] if row["council"] else "(no council)", row["producer"],
                      str(row["due"]), str(row["reported"]), str(row["late"]),
                      f"{row['missing']}: {shown}" if row["missing"] else "none")
    out.print(table)

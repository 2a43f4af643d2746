"""``commonplan alerts``: a round's alerts ranked by consequence, and a council member's
acknowledgement of one or account of what is done about it, through a running server's REST API
(docs/execution.md, Alarms that climb) with a member's bearer token: the server applies the rules
(only a member of the council holding the alert answers it; a refusal is exit code 2)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from commonplan.cli.client import Server, Token, call
from commonplan.cli.common import JsonFlag, app, emit, out

alerts_app = typer.Typer(name="alerts", no_args_is_help=True,
                         help="Alerts on a round in execution: ranked, acknowledged, acted on.")
app.add_typer(alerts_app)

AlertId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The alert's number.")]


def _at_risk(alert: dict[str, Any]) -> str:
    tiers = [tier for tier in alert["consequences"]["tiers"] if tier["hours_at_risk"] > 0]
    said = [f"tier {tier['priority']}: {tier['hours_at_risk']:,.4g} h" for tier in tiers]
    return "; ".join(said) or "nothing"


def _said(alert: dict[str, Any], what: str) -> None:
    out.print(f"Alert {alert['id']} on {alert['name']} at {alert['council']['name']} ({alert['producer']}): "
              f"{what}; held by {alert['holder']['name']}, {alert['state']}.", markup=False, soft_wrap=True)


@alerts_app.command("list")
def list_alerts(round_id: Annotated[int, typer.Option("--round", min=1, max=2**31 - 1, help="The round.")],
                server: Server, token: Token,
                limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Alerts at most.")] = 100,
                offset: Annotated[int, typer.Option("--offset", min=0, help="Alerts to skip.")] = 0,
                json: JsonFlag = False) -> None:
    """The round's alerts, the gravest first: open ones, then the earliest tier of needs at risk,
    then the hours at risk in it."""
    rows = call(server, token, "GET", f"/rounds/{round_id}/alerts", params={"offset": offset, "limit": limit})
    if json:
        emit({"alerts": rows}, [], None)
        return
    table = Table(title=f"Alerts of round {round_id}, gravest first")
    for column in ("id", "target", "forecast", "at risk", "held by"):
        table.add_column(column, justify="right" if column in ("id", "forecast") else "left")
    for row in rows:
        deadline = "" if row["deadline"] is None else " by " + row["deadline"][:16].replace("T", " ")
        state = row["state"] + (" (overdue)" if row["overdue"] else deadline)
        table.add_row(str(row["id"]), f"{row['name']} at {row['council']['name']}",
                      f"{100 * row['fulfilment']:.0f}% ({row['direction']} since {row['period']})",
                      _at_risk(row), f"{row['holder']['name']}: {state}")
    out.print(table)


@alerts_app.command("acknowledge")
def acknowledge(alert: AlertId, server: Server, token: Token, json: JsonFlag = False) -> None:
    """Acknowledge an alert your council holds: it stops climbing for one period, within which
    your council acts on it."""
    answered = call(server, token, "POST", f"/alerts/{alert}/acknowledge")
    if json:
        emit({"alert": answered}, [], None)
        return
    _said(answered, f"acknowledged; act on it by {str(answered['deadline'])[:16].replace('T', ' ')} UTC")


@alerts_app.command("act")
def act(alert: AlertId, server: Server, token: Token,
        note: Annotated[str, typer.Option("--note", help="What your council does about it (a dispute of "
                                                         "its targets, the remedy), 1 to 2,000 characters.")],
        json: JsonFlag = False) -> None:
    """Say what your council does about an alert it holds, which closes it."""
    answered = call(server, token, "POST", f"/alerts/{alert}/act", json={"note": note})
    if json:
        emit({"alert": answered}, [], None)
        return
    _said(answered, "acted on")

"""``commonplan budget count``: a participatory budget published as a Pabulib ``.pb`` file,
counted by equal shares and the completion chosen (app.budgets)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from commonplan.app import budgets
from commonplan.cli.common import JsonFlag, app, emit, out, sha256_of_file
from commonplan.democracy.budgets import DEFAULT_COMPLETION, Completion, completions_help

budget_app = typer.Typer(name="budget", no_args_is_help=True,
                         help="Participatory budgets counted by the Method of Equal Shares.")
app.add_typer(budget_app)

PbFile = Annotated[Path, typer.Argument(help="A participatory budget in Pabulib's .pb format "
                                              "(pabulib.org): approval ballots.")]


@budget_app.command("count")
def count(file: PbFile, completion: Annotated[Completion, typer.Option(
              "--completion", help=f"What is done with the money equal shares leaves: {completions_help()}")]
          = DEFAULT_COMPLETION, json: JsonFlag = False) -> None:
    """The projects a published budget funds: names, costs, votes and the total (ties by project
    id, as pabutools)."""
    counted = budgets.count_pb(file, completion.value)
    document = counted.document
    if json:
        emit(document, counted.warnings, None, pb_sha256=sha256_of_file(file))
        return
    currency = f" {document['currency']}" if document["currency"] else ""
    table = Table(title=document["description"] or file.name)
    table.add_column("project", overflow="fold", max_width=60)
    table.add_column("id")
    table.add_column(f"cost{currency}", justify="right")
    table.add_column("votes", justify="right")
    for row in document["funded"]:
        table.add_row(row["name"] or row["project"], row["project"], money(row["cost"]), f"{row['votes']:,}",
                      end_section=row is document["funded"][-1])
    table.add_row("total", "", money(document["spent"]), "")
    out.print(table)
    out.print(f"{len(document['funded'])} of {document['projects']} projects funded, "
              f"{money(document['spent'])} of {money(document['budget'])}{currency} spent, "
              f"{money(document['left'])} left; "
              f"{document['voters']:,} voters; by {document['method']} (ties {document['ties']}).",
              soft_wrap=True)


def money(amount: Any) -> str:
    """An exact amount of the document (an int, or "p/q") for people: 363,734.88."""
    value = Fraction(amount)
    return f"{value.numerator:,}" if value.denominator == 1 else f"{float(value):,.2f}"

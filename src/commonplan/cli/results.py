"""Results as short tables in the terminal, with the products' names and units and figures
rounded for people (``--json`` keeps the ids and every digit): a plan's fulfilment per tier, its
labour, what binds with its price, the parts' shares of work, and its largest outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.table import Table

from commonplan.app.readable import number, percent
from commonplan.cli.common import out

if TYPE_CHECKING:
    from commonplan.economy.model import Economy
    from commonplan.planning.compare import Names

LARGEST = 10  # outputs listed


def names_of(economy: Economy) -> Names:
    """The economy's names (imported here: the command line starts without numpy)."""
    from commonplan.planning.compare import names_of as read

    return read(economy)


def print_plan(document: Mapping[str, Any], names: Names) -> None:
    """A plan's short report: the tables, then the explanation in words."""
    summary = Table(title=f"The plan ({document['status']})", title_justify="left")
    summary.add_column("Priority tier")
    summary.add_column("Needs met", justify="right")
    for tier, share in document["fulfilment"].items():
        summary.add_row(f"tier {tier}", percent(share))
    summary.add_section()
    summary.add_row("labour", f"{number(document['labour_hours'])} hours")
    out.print(summary)
    out.print(binding_table(document, names))
    parts = (document.get("variant") or {}).get("parts")
    if parts:
        out.print(parts_table(parts))
    out.print(outputs_table(document, names))
    out.print(document["explanation"], soft_wrap=True)


def binding_table(document: Mapping[str, Any], names: Names) -> Table | str:
    """What binds, by name, with its shadow price (or a sentence when nothing binds)."""
    limits = document["binding"]
    if not limits["resources"] and not limits["capacities"]:
        return "Nothing binds: every resource and capacity has room to spare."
    table = Table(title="What binds", title_justify="left")
    table.add_column("Limit")
    table.add_column("Shadow price", justify="right")
    for product in limits["resources"]:
        table.add_row(names.product(product).label, _price(document["shadow_prices"].get(product)))
    for technique in limits["capacities"]:
        table.add_row(names.capacity(technique).label, _price(document["capacity_prices"].get(technique)))
    return table


def parts_table(parts: Mapping[str, Mapping[str, Any]]) -> Table:
    """Each part's voted share of work, its budget of hours and the hours its needs claimed."""
    table = Table(title="The shares of work", title_justify="left")
    for column in ("Part", "Share", "Budget (hours)", "Claimed (hours)", "Limits the plan"):
        table.add_column(column, justify="left" if column == "Part" else "right")
    for part, figures in parts.items():
        table.add_row(part, percent(figures["share"]), number(figures["budget_hours"]),
                      number(figures["claimed_hours"]), "yes" if figures["limits"] else "no")
    return table


def outputs_table(document: Mapping[str, Any], names: Names, count: int = LARGEST) -> Table:
    """The goods and services the plan makes most of (net output), by name and unit."""
    use = document.get("use", {})
    made = {key: value for key, value in document["net_output"].items() if key not in use}
    shown = largest(made, count)
    table = Table(title=f"The {len(shown)} largest net outputs", title_justify="left",
                  caption=f"and {len(made) - count:,} more; --json gives them all"
                  if len(made) > count else None)
    for column in ("Product", "Net output", "Unit"):
        table.add_column(column, justify="right" if column == "Net output" else "left")
    for key, value in shown.items():
        product = names.product(key)
        table.add_row(product.name, number(value), product.unit)
    return table


def largest(numbers: Mapping[str, float], count: int = LARGEST) -> dict[str, float]:
    """The ``count`` numbers of largest magnitude, largest first."""
    return dict(sorted(numbers.items(), key=lambda item: abs(item[1]), reverse=True)[:count])


def _price(price: float | None) -> str:
    return "not priced" if price is None else number(price)

"""``commonplan demo``: a tour of the built-in economy (the United States in 2017, BEA data).

Loads the shipped bundle, computes labour values and the gross requirements of the 2017
final demand, and compares them with the source tables' own totals (``reference.json``); plans
the year; then a council votes its priorities and adopts a plan on open books
(``demo_democracy``); then a district runs a whole planning round on it, through the server's
use cases on a temporary database (``demo_round``). Works offline, from the package alone.
"""

from __future__ import annotations

import time

import numpy as np
from rich.console import Console
from rich.table import Table

from commonplan.app import computations
from commonplan.cli.common import app, out
from commonplan.cli.demo_democracy import people_decide
from commonplan.cli.demo_round import run_round
from commonplan.economy.builtin import builtin_bundle_path, builtin_reference
from commonplan.economy.bundle import read_bundle
from commonplan.economy.model import Economy, Kind
from commonplan.planning.plan import Plan
from commonplan.planning.us2017 import LABOUR_FORCE_HOURS, LABOUR_FORCE_SOURCE, planning_economy

TOP = 10


@app.command()
def demo() -> None:
    """Run a planning cycle on the built-in economy (US 2017 input-output data)."""
    run_demo(out)


def run_demo(console: Console) -> None:
    """Print the built-in economy's size, its most labour-intensive products, and a check."""
    started = time.perf_counter()
    loaded = read_bundle(builtin_bundle_path())
    economy = loaded.economy
    reference = builtin_reference()
    values, requirements = computations.requirements(economy).result

    info = economy.info
    console.rule(f"[bold]{info.name or 'Built-in economy'}")
    console.print(f"[dim]{info.source}[/dim]\n")
    console.print(_size(economy), "")
    console.print(_most_labour(economy, values.products, values.hours), "")
    labour = requirements.labour_hours
    console.print(_check(requirements.gross_output.sum(), labour, reference), "")
    negative = -_figure(reference, "negative_final_demand_million_usd")
    console.print(
        "Hours are compensation of employees divided by "
        f"{reference['hourly_compensation_usd']} USD per hour worked (BLS Employer Costs for "
        "Employee Compensation, civilian workers, March 2017). Nearly all of the difference "
        "comes from the commodities whose net final demand is negative (imports above "
        f"domestic final use, together {negative:,.0f} million USD), which needs cannot hold.",
        style="dim",
    )
    console.print()
    _plan_section(console, economy, reference)
    console.print(f"[dim]Computed in {time.perf_counter() - started:.1f} s.[/dim]")


def _size(economy: Economy) -> Table:
    kinds = np.bincount(economy.products.kinds, minlength=len(Kind))
    table = Table(title="The economy", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("products", f"{len(economy.products):,}")
    for kind in Kind:
        if kinds[kind]:
            table.add_row(f"  {kind.label}", f"{kinds[kind]:,}")
    table.add_row("techniques", f"{len(economy.techniques):,}")
    table.add_row("input coefficients", f"{economy.inputs.nnz:,}")
    table.add_row("final demand rows (needs)", f"{len(economy.needs):,}")
    return table


def _most_labour(economy: Economy, products: np.ndarray, hours: np.ndarray) -> Table:
    table = Table(
        title=f"The {TOP} products with the most labour per million USD (direct and indirect)",
        title_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("product")
    table.add_column("id")
    table.add_column("hours per million USD", justify="right")
    names = economy.products.names
    for rank, j in enumerate(np.argsort(-hours, kind="stable")[:TOP], start=1):
        position = int(products[j])
        name = names[position].as_py() if names is not None else None
        table.add_row(str(rank), name or "", economy.products.ids[position].as_py(),
                      f"{hours[j]:,.0f}")
    return table


def _check(gross_output: float, labour: float, reference: dict[str, object]) -> Table:
    table = Table(
        title="Delivering the 2017 final demand: the model and the tables' own totals",
        title_justify="left",
    )
    table.add_column("quantity")
    table.add_column("model", justify="right")
    table.add_column("BEA tables", justify="right")
    table.add_column("difference", justify="right")
    rows = [
        ("gross output, million USD", gross_output,
         _figure(reference, "commodity_output_million_usd")),
        ("labour, billion hours", labour / 1e9, _figure(reference, "labour_hours") / 1e9),
    ]
    for label, model, source in rows:
        table.add_row(label, f"{model:,.1f}", f"{source:,.1f}", f"{(model - source) / source:+.2%}")
    return table


def _figure(reference: dict[str, object], key: str) -> float:
    """One of the source tables' totals in ``reference.json`` (shipped with the package: a number)."""
    figure = reference[key]
    assert isinstance(figure, int | float), f"reference.json's {key} is not a number"
    return float(figure)


def _plan_section(console: Console, economy: Economy, reference: dict[str, object]) -> None:
    """Plan the year: essentials first, within the 2017 labour force and output capacities."""
    planned = planning_economy(economy, reference)
    plan = computations.plan(planned).result
    console.rule("[bold]A plan for the year")
    console.print(
        f"Labour force: the hours worked, {LABOUR_FORCE_HOURS / 1e9:,.1f} billion "
        f"({LABOUR_FORCE_SOURCE}). Capacities: each commodity "
        "can be made up to its 2017 supply (domestic output plus imports). Priority 1 holds "
        "the essentials (food, farming, utilities, housing, education, health and social "
        "care), priority 2 all other final demand.", style="dim")
    console.print(plan.explanation)
    console.print(_largest_prices(plan), "")
    people_decide(console, planned, plan)
    console.print()
    run_round(console, planned)
    console.print()


def _largest_prices(plan: Plan) -> Table:
    """The limits worth most to the plan: an extra unit's gain in the objective SPEC prices by."""
    economy = plan.problem.economy
    names = economy.products.names
    # the demo plans by linear programming (computations.plan's default), which prices its limits
    assert plan.shadow_prices is not None and plan.capacity_prices is not None, "a plan without prices"
    short = [int(tier) for tier, share in zip(plan.tiers, plan.fulfilment, strict=True)
             if share < 1 - 1e-9]
    gain = f"priority {short[-1]}, points gained" if short else "hours saved"
    scale = 100.0 if short else 1.0
    table = Table(title="What binds: the limits worth most to the plan",
                  title_justify="left")
    table.add_column("one unit more of")
    table.add_column(gain, justify="right")
    rows = [(f"labour or resource {economy.products.ids[int(p)].as_py()!r}", scale * float(price))
            for p, price in zip(plan.problem.limited, plan.shadow_prices, strict=True)]
    prices = plan.capacity_prices
    for t in np.argsort(-prices, kind="stable")[:TOP]:
        output = int(economy.techniques.outputs[t])
        name = names[output].as_py() if names is not None else None
        rows.append((f"capacity of {name or economy.products.ids[output]} (million USD)",
                     scale * float(prices[t])))
    for label, price in sorted(rows, key=lambda row: -row[1])[:TOP]:
        if price > 0:
            table.add_row(label, f"{price:.3g}")
    return table

"""``commonplan sweep``: many plans of one economy side by side on a Dask cluster (app.sweeps),
a grid of scenarios over methods, councils' priorities, the share of work for consumption, the
capacities and the labour force; a table of what each scenario met, or ``--json``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from commonplan.app.readable import number, percent
from commonplan.cli.common import BadInput, Bundle, JsonFlag, app, emit, err, load, out, progress_bar, warn
from commonplan.cli.plans import _read_json
from commonplan.cli.results import names_of
from commonplan.democracy.refusals import Refusal
from commonplan.planning import METHODS

if TYPE_CHECKING:
    from commonplan.app.sweeps import Sweep
    from commonplan.planning.compare import Names
    from commonplan.planning.sweeps import Priorities, Span

MAX_WORKERS = 256  # local worker processes: more than any one machine runs usefully
NAMED_LIMITS = 1  # binding limits named per scenario in the table (the rest counted)


@app.command()
def sweep(bundle: Bundle, json: JsonFlag = False,
          method: Annotated[list[str] | None, typer.Option(
              "--method", metavar="METHOD[,METHOD]",
              help=f"A planning method per scenario, repeatable or comma-separated ({', '.join(METHODS)}; "
                   "default lp).")] = None,
          shares: Annotated[str | None, typer.Option(
              "--shares", metavar="START:STOP:STEPS",
              help="Scan the share of work for consumption (0.5:0.9:5 is 50%, 60% .. 90%); the rest "
                   "goes to investment and the public services as in --base-shares.")] = None,
          base_shares: Annotated[Path | None, typer.Option(
              "--base-shares", metavar="FILE.json",
              help="A shares ballot result JSON whose investment : public services proportion splits "
                   "the rest (default: halves).")] = None,
          capacities: Annotated[str | None, typer.Option(
              "--capacities", metavar="START:STOP:STEPS",
              help="Scan a factor on every finite capacity (0.8:1.2:5).")] = None,
          labour: Annotated[str | None, typer.Option(
              "--labour", metavar="START:STOP:STEPS",
              help="Scan a factor on the availability of every kind of labour.")] = None,
          priorities: Annotated[list[Path] | None, typer.Option(
              "--priorities", metavar="FILE.json",
              help="A priorities ballot result JSON ({\"tiers\": {product: tier}}), one scenario each; "
                   "repeatable (the variants of a round).")] = None,
          needs: Annotated[Path | None, typer.Option(
              "--needs", help="Needs to plan for: a table with the columns of needs.csv "
                              "(default: the bundle's needs).")] = None,
          scheduler: Annotated[str | None, typer.Option(
              "--scheduler", metavar="ADDRESS",
              help="A running Dask scheduler (tcp://host:8786); default: a local cluster for this "
                   "sweep.")] = None,
          workers: Annotated[int, typer.Option(
              "--workers", help="Worker processes of the local cluster (one thread each).")] = 2,
          dashboard: Annotated[str, typer.Option(
              "--dashboard", metavar="ADDRESS",
              help="Where the local cluster serves its dashboard (:0 for any free port).")] = ":8787",
          ) -> None:
    """Plan many scenarios of one economy side by side on Dask: every combination of the methods,
    priorities, consumption shares and capacity and labour factors given."""
    from commonplan.app.sweeps import Cluster
    from commonplan.app.sweeps import sweep as run_sweep
    from commonplan.economy.bundle import read_needs
    from commonplan.planning.sweeps import MAX_SCALE, grid

    if not 1 <= workers <= MAX_WORKERS:
        raise BadInput([f"--workers {workers}: must be from 1 to {MAX_WORKERS}"])
    methods = _methods(method or ["lp"])
    consumption = _span("--shares", shares, 1.0)
    capacity = _span("--capacities", capacities, MAX_SCALE)
    labour_scales = _span("--labour", labour, MAX_SCALE)
    rest = _base_shares(base_shares) if base_shares is not None else None
    voted = [_priorities(path) for path in priorities or []]
    scenarios = _grid(grid, methods=methods, consumption=consumption.values if consumption else (),
                      rest=rest, capacity=capacity.values if capacity else (),
                      labour=labour_scales.values if labour_scales else (), priorities=voted)
    loaded = load(bundle)
    economy = loaded.economy
    wanted = read_needs(needs, economy) if needs is not None else None
    cluster = Cluster(scheduler, workers, dashboard)

    def started(address: str, link: str | None, count: int) -> None:
        where = f"the Dask scheduler {address}" if scheduler else f"a local Dask cluster ({address})"
        err.print(f"Sweeping {len(scenarios):,} scenarios on {where}, {count} worker"
                  f"{'' if count == 1 else 's'}; dashboard: "
                  f"{link or 'none (install bokeh to serve one)'}", markup=False, soft_wrap=True)

    # Dask logs a lost connection with a traceback; a failed scenario's row says why instead
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with progress_bar(f"Sweeping {len(scenarios):,} scenarios") as report:
        try:
            result = run_sweep(economy, scenarios, needs=wanted, cluster=cluster, progress=report,
                               started=started)
        except Refusal as refused:
            raise BadInput([f"--{refused.field or 'priorities'}: {refused.reason}"]) from None
    warnings = loaded.warnings + _failures(result)
    if json:
        emit(result.document(), warnings, loaded.sha256)
        return
    warn(warnings)
    out.print(sweep_table(result, names_of(economy)))


def _methods(given: list[str]) -> list[str]:
    methods = [name.strip() for text in given for name in text.split(",") if name.strip()]
    unknown = [name for name in methods if name not in METHODS]
    if unknown or not methods:
        raise BadInput([f"--method: must be among {', '.join(METHODS)}, "
                        f"not {', '.join(unknown) or 'nothing'}"])
    return list(dict.fromkeys(methods))


def _span(option: str, text: str | None, high: float) -> Span | None:
    from commonplan.planning.sweeps import parse_span

    return parse_span(text, option, low=0.0, high=high) if text is not None else None


def _grid(make: Any, **axes: Any) -> Any:
    from commonplan.errors import InputError

    try:
        return make(**axes)
    except InputError as error:
        raise BadInput([str(error)]) from None


def _base_shares(path: Path) -> dict[str, float]:
    from commonplan.app.variants import choices_from_documents

    try:
        shares = choices_from_documents(shares=_read_json("--base-shares", path)).shares
    except Refusal as refused:
        raise BadInput([f"--base-shares {path}: {refused.reason}"]) from None
    if not shares or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                             for v in shares.values()):
        raise BadInput([f"--base-shares {path}: expected {{\"shares\": {{part: fraction >= 0}}}}"])
    return {str(part): float(value) for part, value in shares.items()}


def _priorities(path: Path) -> Priorities:
    from commonplan.app.variants import choices_from_documents
    from commonplan.planning.sweeps import Priorities

    try:
        tiers = choices_from_documents(priorities=_read_json("--priorities", path)).tiers
    except Refusal as refused:
        raise BadInput([f"--priorities {path}: {refused.reason}"]) from None
    return Priorities(path.stem, dict(tiers))


def _failures(result: Sweep) -> list[str]:
    return [f"scenario {o.scenario.number} ({o.scenario.label}) failed: {o.error}"
            for o in result.outcomes if o.error is not None]


def sweep_table(result: Sweep, names: Names) -> Table:
    """One row per scenario: the needs met per tier, the labour and the first limits that bind,
    by name."""
    tiers = list(dict.fromkeys(tier for o in result.outcomes for tier in o.fulfilment))
    table = Table(title=f"{len(result.outcomes):,} scenarios", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Scenario", min_width=24)
    for tier in tiers:
        table.add_column(f"Tier {tier}", justify="right")
    table.add_column("Labour (hours)", justify="right")
    table.add_column("Binds")
    table.add_column("Status")
    for o in result.outcomes:
        met = [percent(o.fulfilment[tier]) if tier in o.fulfilment else "" for tier in tiers]
        table.add_row(str(o.scenario.number), o.scenario.label, *met, number(o.labour_hours),
                      _binds(o.binding, names), o.status)
    return table


def _binds(binding: Any, names: Names) -> str:
    labels = ([names.product(p).label for p in binding.get("resources", ())]
              + [names.capacity(t).label for t in binding.get("capacities", ())])
    more = f" and {len(labels) - NAMED_LIMITS:,} more" if len(labels) > NAMED_LIMITS else ""
    return "; ".join(labels[:NAMED_LIMITS]) + more if labels else "nothing"

"""``commonplan plan``: an optimal plan of one period or several (app.computations)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commonplan.app import computations
from commonplan.cli.common import (
    MAX_PERIOD_CELLS,
    MAX_PERIODS,
    BadInput,
    Bundle,
    Force,
    JsonFlag,
    app,
    csv_writer,
    emit,
    load,
    out,
    progress_bar,
    sha256_of_file,
    warn,
    within,
)
from commonplan.cli.outputs import check_file, write_file
from commonplan.planning import DEFAULT_METHOD, METHODS, exact_methods, methods_help

if TYPE_CHECKING:

    from commonplan.economy.model import Economy
    from commonplan.needs.assortment import Variants
    from commonplan.planning.plan import Plan


@app.command()
def plan(bundle: Bundle, json: JsonFlag = False,
         needs: Annotated[Path | None, typer.Option(
             "--needs", help="Needs to plan for: a table with the columns of needs.csv "
                             "(default: the bundle's needs).")] = None,
         method: Annotated[str, typer.Option("--method", help=methods_help())] = DEFAULT_METHOD,
         by_producer: Annotated[Path | None, typer.Option(
             "--by-producer", help="Also write each workplace's targets to this CSV file "
                                   "(producer, technique, output, quantity); a new file, or --force.")]
         = None,
         periods: Annotated[int | None, typer.Option(
             "--periods",
             help=f"Plan this many periods at once (at most {MAX_PERIODS:,}), investment in one "
                  "raising capacity in later ones (exact; the bundle's capital tables, "
                  "docs/planning.md).")] = None,
         variants: Annotated[Path | None, typer.Option(
             "--variants", help="Break the output of products down by variant (size, colour, "
                                "foot): a variants.csv (docs/needs.md).")] = None,
         force: Force = False) -> None:
    """An optimal plan: priority tiers met in turn within labour, resources and capacities,
    then the least labour."""
    from commonplan.economy.bundle import read_needs
    from commonplan.planning.plan import targets_by_producer

    if method not in METHODS:
        raise BadInput([f"--method: must be one of {', '.join(METHODS)}, not {method!r}"])
    if periods is not None:
        within("--periods", periods, MAX_PERIODS, "the LP grows with every period")
    if periods is not None and method not in exact_methods():
        exact = " or ".join(exact_methods())
        raise BadInput([f"--periods: multi-period plans are exact: use --method {exact}"])
    if by_producer is not None:
        check_file(by_producer, "--by-producer", force=force)
    assortment = _read_variants(variants) if variants is not None else None
    loaded = load(bundle)
    economy, more = loaded.economy, {}
    wanted = None
    if needs is not None:
        wanted = read_needs(needs, economy)
        more = {"needs_sha256": sha256_of_file(needs)}
    if periods is not None:
        _check_period_size(economy, periods)
        with progress_bar(f"Planning {periods} periods") as report:
            plans = computations.periods(economy, wanted, periods, bundle, report)
        result, document, warnings = plans.result.plans[0], plans.document, plans.warnings
    else:
        with progress_bar(f"Planning ({method})") as report:
            computed = computations.plan(economy, wanted, method=method, progress=report)
        result, document, warnings = computed.result, computed.document, computed.warnings
    if assortment is not None:
        document["variants"] = _by_variant(assortment, economy, result)
    if by_producer is not None:
        write_file(by_producer, "--by-producer", csv_writer(targets_by_producer(result)))
    warnings = loaded.warnings + warnings
    if json:
        emit(document, warnings, loaded.sha256, **more)
        return
    warn(warnings)
    out.print(document["explanation"], soft_wrap=True)


def _check_period_size(economy: Economy, periods: int) -> None:
    """Refuse, before building it, a multi-period LP too large for one machine's memory."""
    cells = periods * (economy.inputs.nnz + len(economy.techniques))
    if cells > MAX_PERIOD_CELLS:
        raise BadInput([f"--periods {periods:,}: {periods:,} periods x ({economy.inputs.nnz:,} inputs + "
                        f"{len(economy.techniques):,} techniques) = {cells:,} cells, at most "
                        f"{MAX_PERIOD_CELLS:,}: plan fewer periods"])


def _read_variants(path: Path) -> Variants:
    from commonplan.needs.assortment import read_variants

    return read_variants(path)


def _by_variant(assortment: Variants, economy: Economy, result: Plan) -> dict[str, dict[str, float]]:
    """What the plan makes of each product with variants, split by variant."""
    from commonplan.app.documents import id_map
    from commonplan.needs.assortment import split_by_variant
    from commonplan.planning.plan import output_made

    return split_by_variant(assortment, id_map(economy.products.ids,
                                               output_made(economy, result.activity)))


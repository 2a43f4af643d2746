"""``commonplan plan``: an optimal plan of one period or several (app.computations)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from commonplan.app import computations
from commonplan.app.variants import (
    Choices,
    checked_choices,
    choices_from_documents,
    plan_variant,
    produced_ids,
    variant_needs,
)
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
    progress_bar,
    sha256_of_file,
    warn,
    within,
)
from commonplan.cli.outputs import check_file, write_file
from commonplan.cli.results import names_of, print_plan
from commonplan.democracy.refusals import Refusal
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
         priorities: Annotated[Path | None, typer.Option(
             "--priorities", help="The priorities a council voted: a ballot result JSON "
                                  "({\"tiers\": {product: tier}}); each product's needs move to its tier.")]
         = None,
         shares: Annotated[Path | None, typer.Option(
             "--shares", help="The shares of work a council voted: a ballot result JSON ({\"shares\": "
                              "{\"consumption\": .., \"investment\": .., \"public services\": ..}}); "
                              "each part's needs stay within its share of the labour force.")] = None,
         projects: Annotated[Path | None, typer.Option(
             "--projects", help="Funded budget projects: JSON, a list of {\"id\", \"name\", \"tier\", "
                                "\"needs\": {product: quantity}} (or {\"projects\": [..], \"funded\": "
                                "[ids]}); their needs join the plan at their tier.")] = None,
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
    files = {"priorities": priorities, "shares": shares, "projects": projects}
    choices = _read_choices(files)
    if choices.shares is not None and periods is not None:
        raise BadInput(["--shares: shares of work apply to a plan of one period, not --periods"])
    loaded = load(bundle)
    economy, more = loaded.economy, {}
    wanted = None
    if needs is not None:
        wanted = read_needs(needs, economy)
        more = {"needs_sha256": sha256_of_file(needs)}
    if not choices.empty:
        _check_choices(economy, choices, files)
    if periods is not None and not choices.empty:
        wanted = variant_needs(economy, choices, wanted)
    if periods is not None:
        _check_period_size(economy, periods)
        with progress_bar(f"Planning {periods} periods") as report:
            plans = computations.periods(economy, wanted, periods, bundle, report)
        result, document, warnings = plans.result.plans[0], plans.document, plans.warnings
    else:
        with progress_bar(f"Planning ({method})") as report:
            computed = (computations.plan(economy, wanted, method=method, progress=report)
                        if choices.empty else
                        plan_variant(economy, choices, wanted, method=method, progress=report))
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
    print_plan(document, names_of(economy))


def _read_choices(files: dict[str, Path | None]) -> Choices:
    """The voted choices from their JSON files (by option name); BadInput naming the option
    and file."""
    read = {name: _read_json(f"--{name}", path) for name, path in files.items() if path is not None}
    with _named_by_option(files):
        return choices_from_documents(read.get("priorities"), read.get("shares"), read.get("projects"))


def _check_choices(economy: Economy, choices: Choices, files: dict[str, Path | None]) -> None:
    """Refuse, naming the option and its file, choices naming products ``economy`` lacks."""
    with _named_by_option(files):
        checked_choices(produced_ids(economy), choices)


@contextmanager
def _named_by_option(files: dict[str, Path | None]) -> Iterator[None]:
    """A refusal of a choice as BadInput naming the option (``--shares``) and its file."""
    try:
        yield
    except Refusal as refused:
        raise BadInput([f"--{refused.field} {files.get(refused.field or '')}: {refused.reason}"]) from None


def _read_json(option: str, path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput([f"{option} {path}: cannot be read ({error.strerror or error})"]) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise BadInput([f"{option} {path}: is not JSON ({error})"]) from None


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


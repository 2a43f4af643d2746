"""The computations every interface asks for, each written once: labour values, gross
requirements, a plan of one period or several (for the bundle's needs, other needs, or the
tiers a council voted), needs learned from records, each with its SPEC document and warnings.

The command line, the job worker and the demo call these and nothing below them, so a value
or a plan means the same wherever it is asked for. The numeric core is imported when a
computation runs (the command line starts without scipy or pyarrow).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from commonplan.app import documents

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from commonplan.analysis.requirements import Requirements
    from commonplan.analysis.values import LabourValues
    from commonplan.economy.model import Economy, Needs
    from commonplan.needs.assortment import Variants
    from commonplan.needs.discover import NeedsEstimate
    from commonplan.planning.periods import PeriodPlans
    from commonplan.planning.plan import Plan, Progress

Result = TypeVar("Result")


@dataclass(frozen=True)
class Computed(Generic[Result]):
    """A computation's result, its SPEC document (without provenance) and its warnings."""

    result: Result
    document: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def values(economy: Economy, *, by_kind: bool = False) -> Computed[LabourValues]:
    """Labour values: the hours each product costs, directly and through all its inputs."""
    from commonplan.analysis.values import labour_values

    result = labour_values(economy, by_kind=by_kind)
    return Computed(result, documents.values_document(economy, result))


def requirements(economy: Economy, demand: npt.NDArray[np.float64] | None = None
                 ) -> Computed[tuple[LabourValues, Requirements]]:
    """Gross requirements of ``demand`` (default: the bundle's needs), with the labour values
    they are priced by."""
    from commonplan.analysis.requirements import gross_requirements
    from commonplan.analysis.values import labour_values

    found = labour_values(economy)
    result = gross_requirements(economy, demand, values=found)
    return Computed((found, result), documents.requirements_document(economy, result),
                    list(result.warnings))


def plan(economy: Economy, needs: Needs | None = None, *, method: str = "lp",
         progress: Progress | None = None) -> Computed[Plan]:
    """An optimal plan of one period for ``needs`` (default: the bundle's), by ``method``."""
    from commonplan.planning import make_plan

    result = make_plan(economy, needs, method=method, progress=progress)
    return Computed(result, documents.plan_document(economy, result), list(result.warnings))


def periods(economy: Economy, needs: Needs | None, count: int, bundle: Path,
            progress: Progress | None = None) -> Computed[PeriodPlans]:
    """Plans of ``count`` periods at once, investment in one raising capacity in later ones
    (the capital tables of the bundle at ``bundle``)."""
    from commonplan.planning.capital import read_capital
    from commonplan.planning.periods import plan_periods

    plans = plan_periods(economy, needs, count, read_capital(bundle, economy), progress)
    return Computed(plans, documents.periods_document(plans), list(plans.warnings))


def needs(purchases: Sequence[Path], stock: Sequence[Path], requests: Sequence[Path], *,
          horizon_days: int, variants: Variants | None = None, groups: Sequence[Path] = (),
          substitutes: Sequence[Path] = (), progress: Progress | None = None) -> Computed[NeedsEstimate]:
    """What people will need over ``horizon_days`` from sales, empty shelves and requests; with
    ``groups`` (product, group), products with little history lean on their group; with
    ``substitutes`` (product, substitute), demand that moved to a substitute while its product's
    shelf was empty is taken out of the substitute's estimate; with ``variants``, also broken
    down by variant (shares observed in the sales where recorded)."""
    from commonplan.needs.assortment import split_by_variant, with_observed_shares
    from commonplan.needs.discover import discover_needs
    from commonplan.needs.report import needs_document

    estimate = discover_needs(purchases, stock, requests, horizon_days=horizon_days, groups=groups,
                              substitutes=substitutes, progress=progress)
    document, warnings = needs_document(estimate), list(estimate.warnings)
    if variants is not None:
        sold = dict(zip(estimate.products, estimate.forecast.history_demand.tolist(), strict=True))
        observed, more = with_observed_shares(variants, sold)
        warnings += more
        document["variants"] = split_by_variant(observed, estimate.needs())
    return Computed(estimate, document, warnings)

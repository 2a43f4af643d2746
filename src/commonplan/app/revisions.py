"""A revision of the rest of a round's execution (a rolling horizon): what the reports teach
(execution.revision.learn), the periods left as a planning problem (rest_of_period), solved by
the planning use case itself (app.variants.plan_variant, with the round's voted tiers and
shares: no second planner), and compared with the adopted plan for the same periods. The job
worker computes it (:func:`revision_document`); the act deciding what becomes of it is
app.acts.revisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from commonplan.app import documents
from commonplan.app.targets import targets_documents
from commonplan.app.variants import Choices, plan_variant, variant_needs
from commonplan.economy.model import Economy, Needs, Techniques
from commonplan.execution.revision import (
    TOLERANCE,
    Comparison,
    Learned,
    Reported,
    compare,
    learn,
    rest_of_period,
)

if TYPE_CHECKING:
    from commonplan.planning.plan import Progress


def activity_of(economy: Economy, result: Mapping[str, Any]) -> np.ndarray:
    """A plan document's whole-period activity (SPEC ``activity``) in the economy's order."""
    activity = result.get("activity") or {}
    return np.array([float(activity.get(t, 0.0)) for t in economy.techniques.ids.to_pylist()])


def revise(economy: Economy, current: np.ndarray, choices: Choices, needs: Needs | None, *,
           periods: int, elapsed: int, reports: Sequence[Reported], method: str = "lp",
           progress: Progress | None = None) -> dict[str, Any]:
    """The revision of the plan of whole-period activity ``current`` after ``elapsed`` of
    ``periods`` periods, from the current ``reports``, as the job keeps it: the comparison with
    the plan for the periods left, what was learned, the revised whole-period activity (the
    periods elapsed as planned, the rest as revised) and every workplace's targets in it."""
    learned = learn(economy, current, periods, elapsed, reports)
    wanted = variant_needs(economy, choices, needs)
    planned_net = _net(economy, current)
    rest = rest_of_period(economy, learned, wanted, planned_net)
    computed = plan_variant(rest.economy, Choices(choices.tiers, choices.shares, ()), rest.needs,
                            method=method, progress=progress)
    plan = computed.result
    after = {int(tier): float(value) for tier, value in zip(plan.tiers, plan.fulfilment, strict=True)}
    comparison = compare(economy, learned, rest, current, plan.activity, after,
                         binding_capacities=plan.binding_capacities.tolist(),
                         binding_limits=plan.binding_limits.tolist())
    n_t = len(economy.techniques)
    revised = current * elapsed / periods + plan.activity[:n_t]
    learned_economy = learned_economy_of(economy, learned)
    return {
        "kind": "revision", "periods": periods, "elapsed": elapsed,
        "activity": dict(zip(economy.techniques.ids.to_pylist(), revised.tolist(), strict=True)),
        "rest": {"fulfilment": {str(k): v for k, v in after.items()},
                 "labour_hours": float(plan.labour_hours), "explanation": plan.explanation,
                 "stocks_drawn": float(plan.activity[n_t:].sum())},
        "comparison": comparison_document(economy, comparison),
        "learned": learned_summary(economy, learned),
        "documents": targets_documents(learned_economy, revised),
        "warnings": [*learned.warnings, *computed.warnings],
        "tolerance": TOLERANCE,
    }


def _net(economy: Economy, activity: np.ndarray) -> np.ndarray:
    from commonplan.execution.revision import net_output

    return net_output(economy, activity)


def learned_economy_of(economy: Economy, learned: Learned) -> Economy:
    """The economy with the coefficients learned (capacities and availabilities as the bundle
    gives them: the periods left are the revision's own problem)."""
    return Economy(economy.products, economy.techniques, learned.coefficients, economy.available,
                   economy.needs, economy.info)


def comparison_document(economy: Economy, comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON: tiers before and after, the tiers lowered, the changes named."""
    names = documents_names(economy)
    return {
        "fulfilment_before": {str(k): v for k, v in comparison.before.items()},
        "fulfilment_after": {str(k): v for k, v in comparison.after.items()},
        "lowered": [str(tier) for tier in comparison.lowered], "lowers": bool(comparison.lowered),
        "changes": [{"product": names[change.product][0], "name": names[change.product][1],
                     "before": change.before, "after": change.after, "need": change.need,
                     "why": list(change.why)} for change in comparison.changes]}


def documents_names(economy: Economy) -> list[tuple[str, str]]:
    """Each product's id and name (its id where the bundle gives none), by position."""
    ids = economy.products.ids.to_pylist()
    names = economy.products.names.to_pylist() if economy.products.names is not None else [None] * len(ids)
    return [(product, name or product) for product, name in zip(ids, names, strict=True)]


def learned_summary(economy: Economy, learned: Learned) -> dict[str, Any]:
    """How many coefficients changed (beyond 1%), which capacities a shortfall lowered (the
    first 20 by id), the stocks on hand."""
    changed = learned.coefficients.copy()
    planned = economy.inputs
    moved = int(np.count_nonzero(np.abs(changed.data - planned.data) > 0.01 * np.abs(planned.data))) \
        if changed.nnz == planned.nnz else int(changed.nnz)
    ids = economy.techniques.ids.to_pylist()
    lowered = [{"technique": ids[t], "capacity": float(learned.capacities[t])}
               for t in np.flatnonzero(learned.lowered)[:20].tolist()]
    return {"coefficients_changed": moved, "capacities_lowered": int(learned.lowered.sum()),
            "lowered": lowered, "stocks": float(learned.stocks.sum())}


def stripped(techniques: Techniques) -> Techniques:
    """``techniques`` as they are (kept for symmetry with the rest economy's)."""
    return techniques


__all__ = ["activity_of", "documents", "revise"]

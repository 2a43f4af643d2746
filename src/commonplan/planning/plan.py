"""The result of planning: a frozen record of everything ``plan --json`` reports (SPEC section 3).

Whatever method computed the activity, the rest (net output, labour, what binds, the
explanation in words) is derived here by the same rules, so exact and approximate plans are
described alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from commonplan.economy.model import Economy, Kind
from commonplan.planning.problem import TOLERANCE, PlanningProblem

Progress = Callable[[float, str], None]  # (fraction done, what is being done)
NAMED = 3  # limits named in one sentence of the explanation
MET = 1 - 1e-9  # a tier's lambda at least this is met in full


class PlanStatus(StrEnum):
    """How a plan stands, as scipy's ``OptimizeResult.status`` says how a solve ended; never an
    error: every bundle has a plan (SPEC section 2), and a need that cannot be met is a status.

    SPEC's ``plan --json`` knows two words, ``optimal`` and ``approximate`` (:attr:`spec`): an
    exact plan short of some need is SPEC's ``optimal``, its fulfilment below 1."""

    OPTIMAL = "optimal"  # SPEC's optimum, every need met in full
    NEEDS_UNMET = "needs unmet"  # SPEC's optimum, but some priority tier is met below 1
    APPROXIMATE = "approximate"  # keeps every limit, not proven optimal (Harmony; a stage not certified)

    @property
    def exact(self) -> bool:
        """Whether the plan is SPEC's optimum."""
        return self is not PlanStatus.APPROXIMATE

    @property
    def spec(self) -> str:
        """The status word of SPEC's ``plan --json``: ``optimal`` or ``approximate``."""
        return "optimal" if self.exact else "approximate"

    @classmethod
    def of(cls, exact: bool, fulfilment: np.ndarray) -> PlanStatus:
        """The status of a plan, ``exact`` or not, meeting its tiers at ``fulfilment``."""
        if not exact:
            return cls.APPROXIMATE
        return cls.OPTIMAL if bool(np.all(fulfilment >= MET)) else cls.NEEDS_UNMET

    def message(self, fulfilment: np.ndarray, tiers: np.ndarray) -> str:
        """The status in one sentence, naming the tiers met below 1."""
        short = [f"priority {int(tier)} at {float(share):.1%}"
                 for tier, share in zip(tiers, fulfilment, strict=True) if share < MET]
        unmet = f"not every need can be met ({', '.join(short)})" if short else ""
        if self is PlanStatus.APPROXIMATE:
            return ("An approximate plan: it keeps every limit but is not proven optimal"
                    + (f"; {unmet}." if unmet else "."))
        if self is PlanStatus.NEEDS_UNMET:
            return f"The optimal plan, but {unmet}."
        return "The optimal plan: every need is met in full."


@dataclass(frozen=True, eq=False)
class Plan:
    """A plan for one period.

    ``fulfilment[k]`` is lambda of priority ``tiers[k]``.  ``activity`` runs over techniques,
    ``net_output`` over all products (labour and resources negative: their use).
    ``shadow_prices`` over ``problem.limited`` and ``capacity_prices`` over techniques are
    None for methods that compute no prices.  ``binding_limits`` are product positions,
    ``binding_capacities`` technique positions.  ``status`` says how the plan stands
    (:class:`PlanStatus`) and ``message`` so in words; ``solver_status`` is the solver's own
    (HiGHS's model status, or how Harmony's rounds ended).
    """

    problem: PlanningProblem
    status: PlanStatus
    fulfilment: np.ndarray
    activity: np.ndarray
    net_output: np.ndarray
    labour_hours: float
    shadow_prices: np.ndarray | None
    capacity_prices: np.ndarray | None
    binding_limits: np.ndarray
    binding_capacities: np.ndarray
    explanation: str
    message: str
    solver_status: str
    warnings: list[str] = field(default_factory=list)

    @property
    def tiers(self) -> np.ndarray:
        return self.problem.tiers


def finish_plan(problem: PlanningProblem, activity: np.ndarray, fulfilment: np.ndarray, *,
                exact: bool, solver_status: str, shadow_prices: np.ndarray | None = None,
                capacity_prices: np.ndarray | None = None,
                warnings: list[str] | None = None) -> Plan:
    """Derive net output, labour, what binds, the status and the explanation from a plan's
    activity (``exact``: SPEC's optimum, as the solver, reporting ``solver_status``, found it)."""
    activity = np.maximum(activity, 0.0)
    net_output = _net_output(problem, activity)
    used = problem.use @ activity
    limits = problem.limited[used >= problem.available * (1 - TOLERANCE)]
    capacities = problem.capped[activity[problem.capped]
                                >= problem.capacities[problem.capped] * (1 - TOLERANCE)]
    labour_hours = float(problem.labour @ activity)
    status = PlanStatus.of(exact, fulfilment)
    plan = Plan(problem, status, fulfilment, activity, net_output, labour_hours, shadow_prices,
                capacity_prices, limits, capacities, "", status.message(fulfilment, problem.tiers),
                solver_status, list(warnings or []))
    object.__setattr__(plan, "explanation", explain(plan))
    return plan


def nothing_needed(problem: PlanningProblem) -> Plan:
    """The optimal plan when no need is stated: nothing runs, and no limit is worth anything."""
    nothing = np.zeros(len(problem.capacities))
    return finish_plan(problem, nothing, np.zeros(0), exact=True, solver_status="nothing to solve",
                       shadow_prices=np.zeros(len(problem.limited)), capacity_prices=nothing)


def output_made(economy: Economy, activity: np.ndarray) -> np.ndarray:
    """Units of each product the techniques make at ``activity`` (before any is used up)."""
    techniques = economy.techniques
    return np.bincount(techniques.outputs, weights=techniques.yields * activity,
                       minlength=len(economy.products))


def _net_output(problem: PlanningProblem, activity: np.ndarray) -> np.ndarray:
    economy = problem.economy
    net: npt.NDArray[np.float64] = output_made(economy, activity) - economy.inputs @ activity
    return net


def explain(plan: Plan) -> str:
    """What was met and what binds, in plain words."""
    problem = plan.problem
    if len(problem.tiers) == 0:
        sentences = ["Nothing is needed, so nothing is planned."]
    else:
        sentences = [_tier_sentence(plan, k) for k in range(len(problem.tiers))]
    limits = _named_limits(plan)
    if limits:
        sentences.append(f"Exhausted: {limits}.")
    sentences.append(f"The plan takes {_amount(plan.labour_hours)} hours of labour.")
    return " ".join(sentences)


def _amount(number: float) -> str:
    """A number as people read it: 4.46, 12,345, 3.2 million, 240.6 billion."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(number) >= size:
            return f"{number / size:,.1f} {word}"
    return f"{number:,.6g}"


def _tier_sentence(plan: Plan, k: int) -> str:
    tier, share = int(plan.problem.tiers[k]), float(plan.fulfilment[k])
    if share >= 1 - 1e-9:
        return f"Priority {tier} is met in full."
    return f"Priority {tier} is met at {share:.1%}."


def _named_limits(plan: Plan) -> str:
    """The binding limits, the most valuable first when prices are known."""
    economy = plan.problem.economy
    limits = plan.binding_limits
    if plan.shadow_prices is not None and len(limits):
        price = dict(zip(plan.problem.limited.tolist(), plan.shadow_prices.tolist(), strict=True))
        limits = np.array(sorted(limits.tolist(), key=lambda p: -price[p]), np.int64)
    capacities = plan.binding_capacities
    if plan.capacity_prices is not None and len(capacities):
        capacities = capacities[np.argsort(-plan.capacity_prices[capacities], kind="stable")]
    names = [_limit_name(economy, int(p)) for p in limits[:NAMED]]
    if len(limits) > NAMED:
        names.append(f"{len(limits) - NAMED} more limits of labour or resources")
    names += [_capacity_name(economy, int(t)) for t in capacities[:NAMED]]
    if len(capacities) > NAMED:
        names.append(f"the capacities of {len(capacities) - NAMED} more techniques")
    return _join(names)


def _limit_name(economy: Economy, product: int) -> str:
    products = economy.products
    label = products.names[product].as_py() if products.names is not None else None
    label = label or products.ids[product].as_py()
    kind = "hours of" if products.kinds[product] == Kind.LABOUR else "the available"
    return f"{kind} {label!r}"


def _capacity_name(economy: Economy, technique: int) -> str:
    output = int(economy.techniques.outputs[technique])
    names = economy.products.names
    making = (names[output].as_py() if names is not None else None) or \
        economy.products.ids[output].as_py()
    return f"the capacity of technique {economy.techniques.ids[technique].as_py()!r} ({making})"


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def targets_by_producer(plan: Plan) -> pa.Table:
    """Each workplace's targets: per technique run, its producer, output product and the
    quantity of output to make (yield times activity), grouped by producer."""
    techniques = plan.problem.economy.techniques
    products = plan.problem.economy.products
    running = np.flatnonzero(plan.activity > 0)
    producers = (techniques.producers.take(running) if techniques.producers is not None
                 else pa.nulls(len(running), pa.string()))
    table = pa.table({
        "producer": producers.fill_null(""),
        "technique": techniques.ids.take(running),
        "output": products.ids.take(techniques.outputs[running]),
        "quantity": techniques.yields[running] * plan.activity[running],
    })
    return table.sort_by([("producer", "ascending")]) if len(table) else table

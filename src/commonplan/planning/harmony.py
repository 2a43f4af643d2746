"""Harmony: Cockshott's approximate planner ('Towards a New Socialism', 1993, pp. 94-99), made
exact where it can be and fast at a million products.

Cockshott scores a plan by the *harmony* of each product, a concave function of its relative
deviation s = (net - target) / target from its target (``harmony``), and improves it round
after round: harmonies are equalised across products, every technique's intensity grows or
shrinks with the gain of total harmony it brings per unit of what it uses, and the whole plan
is rescaled to the binding resource (his Java code: wc22m/5yearplan, ``Harmonizer.java``).
Here each of those steps is done exactly, with sparse solves instead of many small nudges:

- **Equalised harmony.** Every plan considered delivers each tier's needs in proportion:
  its activity per tier, ``tier_activity[k]``, makes exactly ``demand[k]`` net (a Leontief
  solve for a choice of techniques, or a mix of such solutions).  All needed products of a
  tier then share one s = lambda_k - 1, so total harmony grows exactly when lambda does, and
  no product nobody needs is made at a loss (net output 0, never negative).
- **Rescaled to the binding limit, tier by tier** (``scale_to_fit``): lambda_1 is the largest
  value the limits and capacities allow, then lambda_2 with what is left, and so on: the
  priority tiers of SPEC, each infinitely more important than the next.
- **Grown or shrunk by the gradient of harmony.** The gradient of the active tier's lambda
  (the first not met) prices every limit and capacity by how close it is to binding; a
  technique's cost is what it uses at those prices, directly and through its inputs (an
  adjoint solve: the exact form of Cockshott's derivative for intermediate goods).  The
  cheapest choice at those costs (policy iteration) is where harmony grows fastest; its plan
  is a new *proposal*, and the tier's plan becomes the best mix of all proposals so far, the
  earlier tiers held (a small LP), so that no round makes the plan worse.  Prices are a
  smooth maximum of the rows' utilisations, summed over the tier's rounds, while rounds gain
  much (fast when thousands of capacities are overloaded), then the duals of the best mix.

It starts from the Leontief solution of the needs with the techniques cheapest in labour,
scaled to the binding limit; a tier is left when rounds gain less than ``STALL``, at most
``ROUNDS`` rounds in all; at the end the hours are cut where the tiers allow.  A final repair
tops up, by its most active technique, any product whose net output falls short of what the
plan promises through rounding, then scales the plan into every limit, so the result always
keeps every constraint (checked with ``breaches``).  docs/planning.md says more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from commonplan.analysis.values import NotProductiveError, least_cost
from commonplan.economy.choice import TechniqueSystem, technique_system
from commonplan.economy.leontief import leontief_solve
from commonplan.economy.productive import productive_choice
from commonplan.planning.plan import Plan, Progress, finish_plan
from commonplan.planning.problem import PlanningProblem, breaches, fulfilment_of

ROUNDS = 30  # most rounds of improvement, all tiers together
STALL = 1e-5  # a tier is left when a round gains less lambda than this
PATIENCE = 2  # ... this many rounds in a row (one, if priced by the duals)
SHARPNESS = 2.0  # exponent of the smooth maximum of utilisations that prices the rows
FLOOR = 1e-9  # labour in every technique's cost, relative, so that ties fall to less labour
PRICING_ROUNDS = 3  # rounds of policy iteration for the cheapest choice at the duals
                    # (one at smoothed prices: a rough direction is enough there)
PRICING_TOLERANCE = 1e-6  # relative residual of the solves that price choices
IMPROVEMENT = 1e-9  # a technique replaces another when cheaper by more than this, relative
REPAIRS = 60  # most rounds of topping up products that fall short through rounding
EXACT = 1e-9  # relative shortfall the repair leaves alone (SPEC allows 1e-7)
MET = 1 - 1e-9  # a tier this close to 1 is met (SPEC's hold)
REFINE = 1e-3  # rounds gaining less lambda than this switch from smoothed prices to the duals
HOLD = 1e-9  # saving labour may cost a tier this much of its lambda (SPEC's hold)


def harmony(net: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Cockshott's harmony of each product: s - s^2/2 below its target, ln(1 + s) above it,
    with s = (net - target) / target (targets > 0)."""
    s = (net - target) / target
    harmony: npt.NDArray[np.float64] = np.where(s < 0, s - s * s / 2, np.log1p(np.maximum(s, 0.0)))
    return harmony


def scale_to_fit(load: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Lambda of each tier, in turn the largest in [0, 1] that the rows allow after the
    earlier tiers: ``load[k]`` is what tier k's needs in full take of each row (use of a
    limit, activity of a capped technique), ``bound`` the rows' limits."""
    fulfilment = np.zeros(len(load))
    spent = np.zeros(len(bound))
    for k, need in enumerate(load):
        room = np.maximum(bound - spent, 0.0)
        taking = need > 0
        share = float(np.min(room[taking] / need[taking], initial=1.0))
        fulfilment[k] = min(max(share, 0.0), 1.0)
        spent += fulfilment[k] * need
    return fulfilment


@dataclass
class Mix:
    """A plan before scaling: per tier, the activity delivering that tier's needs exactly, and
    its load on every row (limits, then capped techniques)."""

    tier_activity: np.ndarray  # tiers x techniques
    load: np.ndarray  # tiers x rows


@dataclass
class Proposals:
    """The plans found so far for the tiers up to the active one: per choice tried, the
    activity delivering each tier's needs and its load; the plan is their best mix."""

    activity: list[np.ndarray]  # each tiers x techniques
    load: list[np.ndarray]  # each tiers x rows


class HarmonySearch:
    """The rounds of Harmony on one problem: state, gradient, step."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.system: TechniqueSystem = technique_system(problem.economy)
        self.capped = problem.capped
        self.bound = np.concatenate([problem.available, problem.capacities[self.capped]])
        self.outputs: dict[int, np.ndarray] = {}  # last gross output per tier: warm starts
        certificate = productive_choice(self.system)
        if certificate is None:
            raise NotProductiveError("no choice of techniques is productive")
        guess = certificate.prices if certificate.labour_guided else None
        cheapest = least_cost(self.system, self.system.labour, certificate.choice, guess)
        self.choice = cheapest.choice
        self.values: np.ndarray | None = None  # the chosen techniques' costs, once a round has priced them
        tiers = len(problem.tiers)
        activity = np.vstack([self.tier_plan(self.choice, k) for k in range(tiers)])
        self.mix = Mix(activity, self._load(activity))
        self.start = Mix(activity.copy(), self.mix.load.copy())  # the least labour, unscaled
        self.fulfilment = scale_to_fit(self.mix.load, self.bound)
        self.settled = 0  # tiers before this one are left as they are
        self.memory: np.ndarray | None = None  # prices of the rows, added up over rounds
        self.proposals: Proposals | None = None
        self.duals: np.ndarray | None = None  # the rows' prices in the last mix of proposals
        self.gain = np.inf  # what the last round gained
        self.by_duals = False  # whether the last round was priced by the duals

    # -- the plan of one choice -----------------------------------------------------------

    def tier_plan(self, choice: np.ndarray, k: int) -> np.ndarray:
        """The activity with which ``choice`` delivers exactly tier k's needs: a Leontief solve,
        warm-started from the tier's last one (choices differ in few products)."""
        problem, system = self.problem, self.system
        demand = np.zeros(len(choice))
        demand[problem.produced] = problem.demand[k]
        solution = leontief_solve(system.chosen(choice), demand, transpose=True,
                                  guess=self.outputs.get(k))
        self.outputs[k] = solution.x
        activity = np.zeros(len(problem.capacities))
        made = choice[problem.produced]
        activity[made] = np.maximum(solution.x[problem.produced], 0.0) * system.per_yield[made]
        return activity

    def _load(self, tier_activity: np.ndarray) -> np.ndarray:
        tier_activity = np.atleast_2d(tier_activity)
        use = (self.problem.use @ tier_activity.T).T.reshape(len(tier_activity), -1)
        return np.hstack([use, tier_activity[:, self.capped]])

    # -- one round -----------------------------------------------------------------------

    def active_tier(self) -> int | None:
        """The first tier not met in full and not settled, or None."""
        unmet = np.flatnonzero(self.fulfilment[self.settled:] < MET)
        return self.settled + int(unmet[0]) if len(unmet) else None

    def settle(self, k: int) -> None:
        """Leave tier k (and those before it) where it is: rounds no longer pay."""
        self.settled = k + 1
        self.memory, self.proposals, self.duals = None, None, None
        self.gain = np.inf

    def costs(self, k: int) -> np.ndarray:
        """Per unit of activity of every technique, how much it lowers tier k's lambda: the
        rows it uses, each priced by how close it is to binding (a smooth maximum)."""
        # the load if tier k were met in full, the earlier tiers as they are: the rounds may
        # re-mix those too, so their load counts
        need = self.fulfilment[:k] @ self.mix.load[:k] + self.mix.load[k]
        taking = need > 0
        with np.errstate(divide="ignore", over="ignore"):
            utilisation = np.where(taking, need / np.where(taking, self.bound, 1.0), 0.0)
        highest = float(utilisation.max(initial=0.0))
        if np.isinf(highest):
            weight = np.isinf(utilisation).astype(float)
        elif highest > 0:
            weight = (utilisation / highest) ** SHARPNESS
        else:
            weight = np.zeros_like(utilisation)
        price = np.where(taking, weight / np.where(taking, need, 1.0), 0.0)
        price /= max(float(weight.sum()), 1e-300)
        # the prices of all rounds on this tier add up, so the choice avoids every bottleneck
        # met so far at once, not only the latest (fictitious play)
        self.memory = price if self.memory is None else self.memory + price
        price = self.memory
        self.by_duals = self.duals is not None and bool(self.duals.any()) and self.gain < REFINE
        if self.by_duals and self.duals is not None:  # (by_duals already implies it)
            price = self.duals  # the exact gradient at the best mix, once rounds gain little
        limits = len(self.problem.limited)
        kappa = self.problem.use.T @ price[:limits]
        kappa[self.capped] += price[limits:]
        scale = max(float(kappa.max(initial=0.0)), 1e-300)
        costs: npt.NDArray[np.float64] = kappa + FLOOR * scale * self.problem.labour
        return costs

    def improve(self, k: int) -> float:
        """One round on tier k: propose the choice where harmony grows fastest, and take the
        best mix of every proposal so far, the earlier tiers held; the gain in lambda."""
        system = self.system
        if self.proposals is not None and len(self.proposals.load[0]) != k + 1:
            self.settle(k - 1)  # a new tier is active: start its rounds afresh
        direct = np.append(self.costs(k), 0.0) * system.per_yield
        self.choice, self.values = _cheaper(system, direct, self.choice, self.values,
                                            PRICING_ROUNDS if self.by_duals else 1)
        if self.proposals is None:
            self.proposals = Proposals([self.mix.tier_activity[: k + 1].copy()],
                                       [self.mix.load[: k + 1].copy()])
        activity = np.vstack([self.tier_plan(self.choice, i) for i in range(k + 1)])
        self.proposals.activity.append(activity)
        self.proposals.load.append(self._load(activity))
        weights, self.duals = best_mix(np.array(self.proposals.load), self.fulfilment[:k],
                                       self.bound)
        delivered = weights.sum(axis=0)
        gain = float(delivered[k] - self.fulfilment[k])
        self.gain = gain
        if gain > 0:
            for i in np.flatnonzero(delivered > 0):
                share = weights[:, i] / delivered[i]
                self.mix.tier_activity[i] = _combined([a[i] for a in self.proposals.activity], share)
                self.mix.load[i] = share @ np.array([load[i] for load in self.proposals.load])
            self.fulfilment = scale_to_fit(self.mix.load, self.bound)
        return gain


    def economise(self) -> None:
        """Save labour where the tiers allow: the mix of the plan found and the plan of least
        labour (the start) with the least hours, every tier's lambda held."""
        mixes = [self.mix, self.start]
        hours = np.array([m.tier_activity @ self.problem.labour for m in mixes])
        held = self.fulfilment
        weights = least_hours(np.array([m.load for m in mixes]), held, self.bound, hours)
        delivered = weights.sum(axis=0)
        economic = Mix(self.mix.tier_activity.copy(), self.mix.load.copy())
        for i in np.flatnonzero(delivered > 0):
            share = weights[:, i] / delivered[i]
            economic.tier_activity[i] = _combined([m.tier_activity[i] for m in mixes], share)
            economic.load[i] = share @ np.array([m.load[i] for m in mixes])
        fulfilment = scale_to_fit(economic.load, self.bound)
        if np.all(fulfilment >= held - HOLD):
            self.mix, self.fulfilment = economic, fulfilment


def _combined(vectors: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    total = np.zeros_like(vectors[0])
    for vector, weight in zip(vectors, weights, strict=True):
        if weight > 0:
            total += weight * vector
    return total


def best_mix(load: np.ndarray, held: np.ndarray, bound: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Weights phi[j, i] >= 0 of proposal j for tier i (``load[j, i]`` its load on the rows):
    the most of the last tier (sum over j <= 1) with each earlier tier i at exactly ``held[i]``,
    within ``bound``: a small LP (HiGHS).  Also the rows' prices: how much more of the last
    tier a unit more of each row would give (the LP's duals)."""
    proposals, tiers, rows = load.shape
    used, matrix, limit, scale = _scaled_rows(load.reshape(proposals * tiers, -1).T, bound)
    tier_of = np.tile(np.arange(tiers), proposals)
    last = (tier_of == tiers - 1).astype(float)
    earlier = (tier_of[None, :] == np.arange(tiers - 1)[:, None]).astype(float)
    result = linprog(-last, A_ub=np.vstack([matrix, last]), b_ub=np.append(limit, 1.0),
                     A_eq=earlier if tiers > 1 else None, b_eq=held if tiers > 1 else None,
                     bounds=(0, None), method="highs")
    weights, prices = np.zeros(proposals * tiers), np.zeros(rows)
    weights[: tiers - 1] = held  # the current mix (proposal 0): always feasible
    if result.status == 0:
        weights = _fitted(np.maximum(result.x, 0.0), matrix, limit, weights)
        prices[used] = np.maximum(-result.ineqlin.marginals[: len(used)], 0.0) / scale
    return weights.reshape(proposals, tiers), prices


def least_hours(load: np.ndarray, held: np.ndarray, bound: np.ndarray,
                hours: np.ndarray) -> np.ndarray:
    """Weights as ``best_mix``'s with every tier held at ``held``, for the least ``hours``."""
    proposals, tiers, _rows = load.shape
    _used, matrix, limit, _scale = _scaled_rows(load.reshape(proposals * tiers, -1).T, bound)
    tier_of = np.tile(np.arange(tiers), proposals)
    every = (tier_of[None, :] == np.arange(tiers)[:, None]).astype(float)
    cost = hours.ravel() / max(float(np.abs(hours).max(initial=0.0)), 1e-300)
    result = linprog(cost, A_ub=matrix, b_ub=limit, A_eq=every, b_eq=held, bounds=(0, None),
                     method="highs")
    weights = np.zeros(proposals * tiers)
    weights[:tiers] = held  # the plan found: always feasible
    if result.status == 0:
        weights = _fitted(np.maximum(result.x, 0.0), matrix, limit, weights)
    return weights.reshape(proposals, tiers)


def _scaled_rows(columns: np.ndarray, bound: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows some column loads, each divided by its bound (at least 1e-9 of its largest
    load, so that a bound of 0, or nearly, stays finite)."""
    used = np.flatnonzero(columns.max(axis=1, initial=0.0) > 0)
    columns, bound = columns[used], bound[used]
    scale = np.maximum(bound, 1e-9 * columns.max(axis=1))
    return used, columns / scale[:, None], bound / scale, scale


def _fitted(weights: np.ndarray, matrix: np.ndarray, limit: np.ndarray,
            fallback: np.ndarray) -> np.ndarray:
    """HiGHS keeps rows to about 1e-9 of their bound: give that back, so the mix fits exactly."""
    over = float(np.max(matrix @ weights - limit, initial=0.0))
    return weights / (1 + over) if over <= HOLD else fallback


def _cheaper(system: TechniqueSystem, direct: np.ndarray, choice: np.ndarray,
             values: np.ndarray | None, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """``rounds`` of policy iteration from ``choice`` at costs ``direct`` (per unit of output),
    solved loosely: a direction needs the cheapest choice only nearly, and at a million products
    each full round costs seconds.  The improved choice, and its costs."""
    for _ in range(rounds):
        values = leontief_solve(system.chosen(choice), direct[choice], guess=values,
                                tol=PRICING_TOLERANCE).x
        least, cheaper = system.cheapest(direct + system.per_output(values))
        switch = (least < values - IMPROVEMENT * np.abs(values)) & (cheaper != choice)
        if not switch.any():
            break
        choice = np.where(switch, cheaper, choice)
    assert values is not None, "rounds >= 1: the costs have been solved for"
    return choice, values


def harmony_plan(problem: PlanningProblem, progress: Progress | None = None) -> Plan:
    """An approximate plan by Harmony (see the module): keeps every limit, capacity and
    non-negative net output; its fulfilment is SPEC's lambda of its activity."""
    tiers = len(problem.tiers)
    if tiers == 0 or len(problem.produced) == 0:
        activity = np.zeros(len(problem.capacities))
        return finish_plan(problem, activity, fulfilment_of(problem, activity), exact=False,
                           solver_status="nothing to solve")
    if progress:
        progress(0.0, "Harmony: the Leontief plan of the techniques cheapest in labour")
    search = HarmonySearch(problem)
    stalled, ended = 0, f"stopped at the limit of {ROUNDS} rounds"
    for round_ in range(ROUNDS):
        k = search.active_tier()
        if k is None:
            ended = f"every tier settled after {round_} rounds"
            break
        if k > 0 and search.fulfilment[k] < STALL and search.fulfilment[k - 1] < MET:
            search.settle(k)  # the tier before left the binding rows empty: nothing to gain
            continue
        if progress:
            progress((round_ + 1) / (ROUNDS + 1),
                     f"Harmony round {round_ + 1}: priority {int(problem.tiers[k])} "
                     f"at {search.fulfilment[k]:.2%}")
        gain = search.improve(k)
        stalled = stalled + 1 if gain < STALL else 0
        # a round priced by the duals that gains nothing ends the tier; smoothed prices get
        # another round (by the duals)
        if stalled >= PATIENCE or (stalled and search.by_duals):
            search.settle(k)
            stalled = 0
    search.economise()
    activity = search.fulfilment @ search.mix.tier_activity
    activity, warnings = secured(problem, search.system, activity,
                                 search.fulfilment @ problem.demand)
    if progress:
        progress(1.0, "Harmony: planned")
    if warnings:  # the repair fell back to producing nothing
        ended += "; its plan could not keep every constraint"
    return finish_plan(problem, activity, fulfilment_of(problem, activity), exact=False,
                       solver_status=ended, warnings=warnings)


def secured(problem: PlanningProblem, system: TechniqueSystem, activity: np.ndarray,
            promised: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The plan made to keep every constraint despite rounding: products short of what was
    ``promised`` topped up by their largest technique, then everything scaled into the limits."""
    activity = _topped_up(problem, system, np.maximum(activity, 0.0), promised)
    activity = activity * _room(problem, activity)
    if breaches(problem, activity, fulfilment_of(problem, activity)):
        return np.zeros_like(activity), ["Harmony's plan could not be made to keep every "
                                         "constraint; it falls back to producing nothing"]
    return activity, []


def _topped_up(problem: PlanningProblem, system: TechniqueSystem, activity: np.ndarray,
               promised: np.ndarray) -> np.ndarray:
    makers = _largest_technique(problem, system, activity)
    yields = 1.0 / system.per_yield[makers]
    gross = abs(problem.net)
    for _ in range(REPAIRS):
        short = promised - problem.net @ activity
        scale = np.maximum(promised, gross @ activity)
        falling = short > EXACT * scale
        if not falling.any():
            break
        np.add.at(activity, makers[falling], short[falling] / yields[falling])
    return activity


def _largest_technique(problem: PlanningProblem, system: TechniqueSystem,
                       activity: np.ndarray) -> np.ndarray:
    """Per produced product (rows of ``net``), its most active technique (ties: most capacity)."""
    order = system.by_output
    counts = np.diff(np.append(system.starts, len(order)))
    product = np.repeat(np.arange(len(system.starts)), counts)
    ranked = np.lexsort((problem.capacities[order], activity[order], product))
    last = system.starts + counts - 1
    largest: npt.NDArray[np.intp] = order[ranked[last]]
    return largest


def _room(problem: PlanningProblem, activity: np.ndarray) -> float:
    """The largest factor <= 1 by which the plan fits every limit and capacity."""
    used = problem.use @ activity
    capped = problem.capped
    rows = np.concatenate([used, activity[capped]])
    bound = np.concatenate([problem.available, problem.capacities[capped]])
    over = rows > bound
    return float(np.min(bound[over] / rows[over], initial=1.0))


__all__ = ["HarmonySearch", "harmony", "harmony_plan", "scale_to_fit"]

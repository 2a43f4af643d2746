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
  (the first not met) with respect to activity prices every limit and capacity by how close it
  is to binding (a smooth maximum of the utilisations, sharpening Cockshott's single binding
  resource); a technique's cost is what it uses at those prices, directly and through its
  inputs (an adjoint solve: the exact form of his derivative for intermediate goods).  The
  cheapest choice at those costs (policy iteration) is where harmony grows fastest; the plan
  moves toward it by the step that maximises the tiers' lambdas (an exact line search, a
  Frank-Wolfe step), so that no round makes the plan worse.

It starts from the Leontief solution of the needs with the techniques cheapest in labour,
scaled to the binding limit, and stops when a round gains less than ``STALL`` or after
``ROUNDS`` rounds.  A final repair tops up, by its largest technique, any product whose net
output falls short of what the plan promises through rounding, then scales the plan into
every limit, so the result always keeps every constraint (checked with ``breaches``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonplan.analysis.values import least_cost
from commonplan.economy.choice import TechniqueSystem, technique_system
from commonplan.economy.leontief import leontief_solve
from commonplan.economy.productive import productive_choice
from commonplan.planning.plan import Plan, Progress, finish_plan
from commonplan.planning.problem import PlanningProblem, breaches, fulfilment_of

ROUNDS = 30  # most rounds of improvement, all tiers together
STALL = 1e-5  # a tier is left when a round gains less lambda than this
PATIENCE = 2  # ... this many rounds in a row
SHARPNESS = 2.0  # exponent of the smooth maximum of utilisations that prices the limits (doubling each round)
FLOOR = 1e-9  # labour in every technique's cost, relative, so that ties fall to less labour
STEPS = 40  # halvings of the step tried in the line search, from 1 down to 2**-39
REPAIRS = 60  # most rounds of topping up products that fall short through rounding
EXACT = 1e-12  # relative shortfall the repair leaves alone


class NotProductiveError(ArithmeticError):
    """No productive choice of techniques exists, so no plan can be computed."""


def harmony(net: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Cockshott's harmony of each product: s - s^2/2 below its target, ln(1 + s) above it,
    with s = (net - target) / target (targets > 0)."""
    s = (net - target) / target
    return np.where(s < 0, s - s * s / 2, np.log1p(np.maximum(s, 0.0)))


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


def better(candidate: np.ndarray, incumbent: np.ndarray, by: float = 0.0) -> bool:
    """Whether ``candidate`` lambdas beat ``incumbent`` in priority order (by more than ``by``)."""
    for new, old in zip(candidate, incumbent, strict=True):
        if new > old + by:
            return True
        if new < old - by:
            return False
    return False


@dataclass
class Mix:
    """A plan before scaling: per tier, the activity delivering that tier's needs exactly, and
    its load on every row (limits, then capped techniques)."""

    tier_activity: np.ndarray  # tiers x techniques
    load: np.ndarray  # tiers x rows

    def toward(self, other: Mix, step: float, first: int = 0) -> Mix:
        """The mix moved by ``step`` toward ``other`` in tiers ``first`` onward."""
        weight = _weights(len(self.load), step, first)
        return Mix((1 - weight) * self.tier_activity + weight * other.tier_activity,
                   self.load_toward(other, step, first))

    def load_toward(self, other: Mix, step: float, first: int = 0) -> np.ndarray:
        """The load of that mix (without forming its activity)."""
        weight = _weights(len(self.load), step, first)
        return (1 - weight) * self.load + weight * other.load


def _weights(tiers: int, step: float, first: int) -> np.ndarray:
    return np.where(np.arange(tiers) >= first, step, 0.0)[:, None]


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
        self.choice, self.values = cheapest.choice, None
        self.mix = self.vertex(self.choice)
        self.fulfilment = scale_to_fit(self.mix.load, self.bound)
        self.settled = 0  # tiers before this one are left as they are
        self.memory: np.ndarray | None = None  # prices of the rows, added up over rounds
        self.rounds = 0  # rounds on the active tier: its prices sharpen with them

    # -- the plan of one choice -----------------------------------------------------------

    def vertex(self, choice: np.ndarray, upto: int | None = None) -> Mix:
        """The mix of one choice of techniques in tiers up to ``upto`` (default all), a Leontief
        solve per tier; later tiers keep the current mix."""
        problem, system = self.problem, self.system
        tiers = len(problem.tiers) if upto is None else upto + 1
        if upto is None:
            activity = np.zeros((tiers, len(problem.capacities)))
        else:
            activity = self.mix.tier_activity.copy()
            activity[:tiers] = 0.0
        made = choice[problem.produced]
        for k in range(tiers):
            demand = np.zeros(len(choice))
            demand[problem.produced] = problem.demand[k]
            solution = leontief_solve(system.chosen(choice), demand, transpose=True,
                                      guess=self.outputs.get(k))
            self.outputs[k] = solution.x
            activity[k, made] = np.maximum(solution.x[problem.produced], 0.0) * system.per_yield[made]
        return Mix(activity, self._load(activity))

    def _load(self, tier_activity: np.ndarray) -> np.ndarray:
        use = (self.problem.use @ tier_activity.T).T.reshape(len(tier_activity), -1)
        return np.hstack([use, tier_activity[:, self.capped]])

    # -- one round -----------------------------------------------------------------------

    def active_tier(self) -> int | None:
        """The first tier not met in full and not settled, or None."""
        unmet = np.flatnonzero(self.fulfilment[self.settled:] < 1.0)
        return self.settled + int(unmet[0]) if len(unmet) else None

    def settle(self, k: int) -> None:
        """Leave tier k (and those before it) where it is: rounds no longer pay."""
        self.settled = k + 1
        self.memory, self.rounds = None, 0

    def costs(self, k: int) -> np.ndarray:
        """Per unit of activity of every technique, how much it lowers tier k's lambda: the
        rows it uses, each priced by how close it is to binding (a smooth maximum)."""
        need = self.mix.load[k]
        spent = self.fulfilment[:k] @ self.mix.load[:k]
        room = np.maximum(self.bound - spent, 0.0)
        taking = need > 0
        with np.errstate(divide="ignore"):
            utilisation = np.where(taking, need / np.where(taking, room, 1.0), 0.0)
        highest = float(utilisation.max(initial=0.0))
        if np.isinf(highest):
            weight = np.isinf(utilisation).astype(float)
        elif highest > 0:
            weight = (utilisation / highest) ** (SHARPNESS * 2 ** min(self.rounds, 4))
        else:
            weight = np.zeros_like(utilisation)
        price = np.where(taking, weight / np.where(taking, need, 1.0), 0.0)
        price /= max(float(weight.sum()), 1e-300)
        # the prices of all rounds on this tier add up, so the choice avoids every bottleneck
        # met so far at once, not only the latest (fictitious play)
        self.memory = price if self.memory is None else self.memory + price
        self.rounds += 1
        price = self.memory
        limits = len(self.problem.limited)
        kappa = self.problem.use.T @ price[:limits]
        kappa[self.capped] += price[limits:]
        scale = max(float(kappa.max(initial=0.0)), 1e-300)
        return kappa + FLOOR * scale * self.problem.labour

    def improve(self, k: int) -> float:
        """One round on tier k: move toward the choice where harmony grows fastest; the gain."""
        system = self.system
        direct = np.append(self.costs(k), 0.0) * system.per_yield
        cheapest = least_cost(system, direct, self.choice, self.values)
        self.choice, self.values = cheapest.choice, cheapest.values
        target = self.vertex(self.choice, upto=k)
        best, first_moved = (0.0, self.fulfilment), 0
        # every tier moves, or (later tiers) only those from k on: each tier may have its own mix
        for first in sorted({0, k}):
            step, fulfilment = self._line_search(target, first)
            if better(fulfilment, best[1]):
                best, first_moved = (step, fulfilment), first
        step, fulfilment = best
        gain = float(fulfilment[k] - self.fulfilment[k])
        if step > 0:
            self.mix, self.fulfilment = self.mix.toward(target, step, first_moved), fulfilment
        return gain

    def _line_search(self, target: Mix, first: int) -> tuple[float, np.ndarray]:
        """The step in [0, 1] toward ``target`` (tiers ``first`` onward) that gives the best
        lambdas in priority order: halvings from 1, then a golden section around the best."""
        def lambdas(step: float) -> np.ndarray:
            return scale_to_fit(self.mix.load_toward(target, step, first), self.bound)

        steps = [0.0] + [2.0 ** -j for j in range(STEPS)]
        results = [lambdas(step) for step in steps]
        best = 0
        for i in range(1, len(steps)):
            if better(results[i], results[best]):
                best = i
        if best == 0:
            return 0.0, results[0]
        low = steps[best + 1] if best + 1 < len(steps) else 0.0
        high = steps[best - 1] if best > 1 else 1.0
        return _golden(lambdas, low, high, steps[best], results[best])


def _golden(lambdas, low: float, high: float, step: float, result: np.ndarray,
            rounds: int = 30) -> tuple[float, np.ndarray]:
    """Golden-section refinement of a step in [low, high] (lambdas are unimodal in it)."""
    ratio = (np.sqrt(5) - 1) / 2
    a, b = low, high
    for _ in range(rounds):
        left, right = b - ratio * (b - a), a + ratio * (b - a)
        at_left, at_right = lambdas(left), lambdas(right)
        for point, value in ((left, at_left), (right, at_right)):
            if better(value, result):
                step, result = point, value
        if better(at_right, at_left):
            a = left
        else:
            b = right
    return step, result


def harmony_plan(problem: PlanningProblem, progress: Progress | None = None) -> Plan:
    """An approximate plan by Harmony (see the module): keeps every limit, capacity and
    non-negative net output; its fulfilment is SPEC's lambda of its activity."""
    tiers = len(problem.tiers)
    if tiers == 0 or len(problem.produced) == 0:
        activity = np.zeros(len(problem.capacities))
        return finish_plan(problem, activity, fulfilment_of(problem, activity),
                           status="approximate")
    if progress:
        progress(0.0, "Harmony: the Leontief plan of the techniques cheapest in labour")
    search = HarmonySearch(problem)
    stalled = 0
    for round_ in range(ROUNDS):
        k = search.active_tier()
        if k is None:
            break
        if progress:
            progress((round_ + 1) / (ROUNDS + 1),
                     f"Harmony round {round_ + 1}: priority {int(problem.tiers[k])} "
                     f"at {search.fulfilment[k]:.2%}")
        gain = search.improve(k)
        stalled = stalled + 1 if gain < STALL else 0
        if stalled >= PATIENCE or search.fulfilment[k] == 0:  # at 0 the tier's rows are spent
            search.settle(k)
            stalled = 0
    activity = search.fulfilment @ search.mix.tier_activity
    activity, warnings = secured(problem, search.system, activity,
                                 search.fulfilment @ problem.demand)
    if progress:
        progress(1.0, "Harmony: planned")
    return finish_plan(problem, activity, fulfilment_of(problem, activity), status="approximate",
                       warnings=warnings)


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
    for _ in range(REPAIRS):
        short = promised - problem.net @ activity
        scale = np.maximum(promised, abs(problem.net) @ activity)
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
    return order[ranked[last]]


def _room(problem: PlanningProblem, activity: np.ndarray) -> float:
    """The largest factor <= 1 by which the plan fits every limit and capacity."""
    used = problem.use @ activity
    capped = problem.capped
    rows = np.concatenate([used, activity[capped]])
    bound = np.concatenate([problem.available, problem.capacities[capped]])
    over = rows > bound
    return float(np.min(bound[over] / rows[over], initial=1.0))


__all__ = ["HarmonySearch", "NotProductiveError", "harmony", "harmony_plan", "scale_to_fit"]

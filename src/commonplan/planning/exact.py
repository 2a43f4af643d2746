"""Exact plans at national scale: Dantzig-Wolfe column generation over choices of technique.

For a productive choice c of one technique per product, delivering the needs d of one tier
takes the activity x_c(d) = (I - A_c)^-1 d per unit of output: one sparse solve, never the
generic LP's fill-in.  Every plan is a mix of such proposals: the activities delivering d
exactly form a polytope whose vertices are the choices' solutions (a Leontief substitution
system), and producing more than needed never helps, because every limit is on use.  So the
plan's LP is equivalent to a small master LP over weights theta[c, i] >= 0 of proposals
(choice c delivering tier i's needs), with sum over c of theta[c, i] = lambda_i:

    tier rows      sum_c theta[c, i]                in [held lambda_i, 1]
    limit rows     sum theta[c, i] U x_c(D_i)      <= available
    capacity rows  sum theta[c, i] x_c(D_i)[t]     <= capacity_t     (capped techniques)

A proposal not yet in the master is worth adding when its reduced cost is negative; with
the master's duals as prices of limits (pi) and capacities (mu), a technique costs
kappa_t = (labour_t in the last stage) + pi . U_t + mu_t per unit of activity, and the best
proposal for every tier at once is the least-cost choice at kappa (non-substitution), found
by policy iteration over sparse solves.  When no tier gains, the master's optimum is the
LP's optimum, and its duals are the LP's prices.
"""

from __future__ import annotations

from collections.abc import Callable

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from commonplan.analysis.values import NotProductiveError, least_cost
from commonplan.economy.choice import technique_system
from commonplan.economy.leontief import leontief_solve
from commonplan.economy.productive import productive_choice
from commonplan.planning.highs import INFINITY, added, highs_model, model_status
from commonplan.planning.lexicographic import HeldTiers, StageResult, held, lexicographic
from commonplan.planning.plan import Plan, Progress, finish_plan, nothing_needed
from commonplan.planning.problem import PlanningProblem

# A proposal enters when it improves the stage's objective by more than this: a tier's lambda
# (absolute; SPEC asks 1e-6, and later tiers amplify an earlier tier's error), or the hours of
# labour (relative: pricing is exact to about 1e-9 per product, and SPEC asks 1e-6).  A repeat
# of a known choice ends a stage too: its apparent gain is rounding.
GAIN_LAMBDA = 1e-11
# Pricing and proposals are solved to this relative residual, and a switch of technique in
# pricing must gain this much: later tiers amplify an earlier tier's error (docs/planning.md),
# so 1e-9 left lambdas 1e-8 and hours 4e-5 away from HiGHS's on 5,000 products.
PRECISION = 1e-13
GAIN_HOURS = 1e-8
# Pricing is rough (a relative residual of 1e-7, a switch gaining 1e-6) while it finds
# proposals that gain, and exact only to confirm that none does: in a stage of a hundred
# rounds, the confirming solves of policy iteration were half its work.
ROUGH = 1e-7
ROUGH_GAIN = 1e-6
SMOOTHING = 0.5  # the stability centre's weight in smoothed prices (Wentges)
ALL_HELD = -1  # the "tier" of a labour stage's proposal delivering every tier's held share
MAX_ROUNDS = 10_000
TYPICAL_ROUNDS = 20  # how far the progress bar moves within a stage: rounds / (rounds + this)
# A limit's or capacity's master row is divided by the limit, but by no less than this: HiGHS
# holds a row to 1e-9, so a row divided by the limit keeps it to 1e-9 relative, and one divided
# by this floor to 1e-12 absolute (SPEC's rounding); dividing by a capacity of 1e-13 instead gave
# entries past HiGHS's largest accepted value (1e15), which it refused, and a row went missing.
SCALE_FLOOR = 1e-3
# A whisper of labour cost in every price of a tier's stage, so that ties fall to less labour.
# The master's columns do not pay it, so a gain is judged without it (``_unwhispered``): left
# in, it hid true gains (FLOOR times the prices' scale times a proposal's hours, 1e-8 on
# generated economies and more where a capacity is dear) and stages stopped short of the
# optimum, by 5e-9 in a first tier's lambda and 5e-6 in the next.
FLOOR = 1e-12


def choice_position(choices: list[np.ndarray], index: dict[bytes, int], choice: np.ndarray) -> int:
    """The position of ``choice`` (a technique per product) in ``choices``, appended (and
    indexed by its bytes) the first time it is proposed."""
    key = choice.tobytes()
    if key not in index:
        index[key] = len(choices)
        choices.append(choice)
    return index[key]


class ColumnGeneration(HeldTiers):
    """The master LP over proposals, grown by pricing out least-cost choices."""

    def __init__(self, problem: PlanningProblem, progress: Progress | None = None) -> None:
        self.problem = problem
        self.progress = progress
        self.system = technique_system(problem.economy)
        certificate = productive_choice(self.system)
        if certificate is None:
            raise NotProductiveError("no choice of techniques is productive")
        self.capped = problem.capped
        tiers = len(problem.tiers)
        self.choices: list[np.ndarray] = []
        self.columns: list[tuple[int, int]] = []  # (choice, tier or ALL_HELD) of each column
        self.activities: list[np.ndarray] = []
        self.labour: list[float] = []
        self.open_tiers = 0
        self.stage_labour = False
        self.values: np.ndarray | None = None
        self.whisper = 0.0  # the labour cost in tier stages' prices, FLOOR times their scale
        self.hours: np.ndarray | None = None  # hours embodied per unit, under the last choice
        self.index: dict[bytes, int] = {}  # position in ``choices`` of each choice proposed
        self.known: set[tuple[int, int]] = set()  # (choice, tier) of every master column
        self.shares: list[np.ndarray] = []  # what each column delivers of each tier's needs
        self.held_shares = np.zeros(tiers)  # the labour stage's held lambdas (ALL_HELD)
        self.stage_tier: int | None = None  # the tier whose lambda the stage maximises
        self.in_use: list[int] = []  # the choices in the master's last mix
        self.outputs: dict[int, np.ndarray] = {}  # the last gross output proposed per tier
        # Each limit's row is divided by the limit, so that the master is well scaled; a
        # capacity's row enters only once some proposal mix breaks it (most never bind).
        self.limit_scale = np.maximum(problem.available, SCALE_FLOOR)
        self.capacity_scale = np.maximum(problem.capacities, SCALE_FLOOR)
        self.capacity_rows: list[int] = []  # techniques whose capacity has a master row, in order
        limits = len(problem.available)
        highs = highs_model(
            sp.csc_array((tiers + limits, 0)), np.zeros(0), np.zeros(0), np.zeros(0),
            np.concatenate([np.zeros(tiers), np.full(limits, -INFINITY)]),
            np.concatenate([np.zeros(tiers), problem.available / self.limit_scale]))
        super().__init__(highs)
        self._choice_index(certificate.choice)

    # -- proposals -------------------------------------------------------------------------

    def _choice_index(self, choice: np.ndarray) -> int:
        return choice_position(self.choices, self.index, choice)

    def _add_column(self, c: int, k: int, duals: np.ndarray | None = None) -> float:
        """Add the proposal "choice c delivers tier k's needs" to the master; its reduced cost
        at the master's ``duals`` (0 without them)."""
        tiers = len(self.problem.tiers)
        shares = self.held_shares if k == ALL_HELD else np.eye(tiers)[k]
        x = self._activity(self.choices[c], k, shares)
        labour = float(self.problem.labour @ x)
        cost = labour if self.stage_labour else -1.0 if k == self.stage_tier else 0.0
        active = np.array(self.capacity_rows, np.int64)
        entries = np.concatenate([shares, self.problem.use @ x / self.limit_scale,
                                  x[active] / self.capacity_scale[active]])
        rows = np.arange(len(entries))
        keep = entries != 0
        added(self.highs.addCol(cost, 0.0, INFINITY, int(keep.sum()),
                                rows[keep].astype(np.int32), entries[keep]))
        self.columns.append((c, k))
        self.shares.append(shares)
        self.known.add((c, k))
        self.activities.append(x)
        self.labour.append(labour)
        return 0.0 if duals is None else float(cost - duals[rows] @ entries)

    def _activity(self, choice: np.ndarray, k: int, shares: np.ndarray) -> np.ndarray:
        """Activity of every technique when ``choice`` delivers exactly ``shares`` of each
        tier's needs (warm-started from the last proposal for the same ``k``, a tier or
        ALL_HELD: choices differ in few products)."""
        system, problem = self.system, self.problem
        demand = np.zeros(len(choice))
        demand[problem.produced] = shares @ problem.demand
        solution = leontief_solve(system.chosen(choice), demand, transpose=True,
                                  guess=self.outputs.get(k), tol=PRECISION)
        self.outputs[k] = solution.x
        output = np.maximum(solution.x, 0.0)
        activity = np.zeros(len(problem.capacities))
        made = choice[problem.produced]
        activity[made] = output[problem.produced] * system.per_yield[made]
        return activity

    # -- stages ----------------------------------------------------------------------------

    def maximise_tier(self, k: int) -> StageResult:
        self.open_tiers, self.stage_tier = k + 1, k
        self.highs.changeRowBounds(k, 0.0, 1.0)
        self._set_costs(lambda j: -1.0 if self.columns[j][1] == k else 0.0)
        # The choices of the plan so far start the tier (pricing brings in any other).
        for c in self.in_use or [0]:
            self._add_column(c, k)
        return self._generate(tier=k, sign=-1.0)

    def _hold(self, k: int, lower: float) -> None:
        self.highs.changeRowBounds(k, lower, 1.0)

    def minimise_labour(self) -> StageResult:
        self.stage_labour, self.stage_tier = True, None
        # Least labour keeps every lambda at its hold (more of a need never takes fewer
        # hours), so one proposal per round delivers the held share of every tier at once;
        # proposals per tier still enter where that one does not gain (exactness).
        self.held_shares = np.maximum([held(f, self.slack) for f in self.held], 0.0)
        self._set_costs(lambda j: self.labour[j])
        return self._generate(tier=None, sign=1.0)

    def _set_costs(self, cost_of: Callable[[int], float]) -> None:
        n = len(self.columns)
        if n:
            self.highs.changeColsCost(n, np.arange(n, dtype=np.int32),
                                      np.array([cost_of(j) for j in range(n)]))

    def _generate(self, tier: int | None, sign: float) -> StageResult:
        """Solve the master, price out the best choice, add it while it gains; the optimum."""
        tiers = len(self.problem.tiers)
        stage = f"priority tier {tier + 1} of {tiers}" if tier is not None else "least labour"
        done = (tier if tier is not None else tiers) / (tiers + 1)
        # Pricing is smoothed (Wentges): at a point between the master's duals and the best
        # prices seen (the stability centre, whose Lagrangian bound is highest), which damps
        # the swings of capacity prices from round to round.  A smoothed proposal that does not
        # gain at the master's duals (a mispricing) sends the next round to price at the
        # duals themselves; only exact pricing at the duals ends the stage.
        rough, solve, smooth = True, True, True
        centre: tuple[float, np.ndarray, np.ndarray] | None = None  # (bound, kappa, tier duals)
        for rounds in range(1, MAX_ROUNDS + 1):
            if self.progress:  # the rounds a stage takes are not known: the bar creeps towards its end
                within = (rounds - 1) / (rounds - 1 + TYPICAL_ROUNDS) / (tiers + 1)
                self.progress(done + within, f"{stage}, round {rounds}, {len(self.columns)} proposals")
            if solve:
                solution = self.optimise()
                if self._add_broken_capacities(solution):
                    centre = None  # a new row: the old centre priced without it
                    continue
                duals = np.asarray(solution.row_dual)
                objective = self.highs.getInfo().objective_function_value
                kappa = self._technique_costs(duals)
            smoothed = rough and smooth and centre is not None and SMOOTHING > 0
            if smoothed and centre is not None:
                priced = SMOOTHING * centre[1] + (1 - SMOOTHING) * kappa
                tier_duals = SMOOTHING * centre[2] + (1 - SMOOTHING) * duals[:tiers]
            else:
                priced, tier_duals = kappa, duals[:tiers]
            choice, values = self._least_cost(priced, rough)
            gains = self._reduced_costs(values, tier_duals, tier)
            if rough:
                bound = self._bound(values, duals, tier)
                if centre is None or bound > centre[0]:
                    centre = (bound, priced, tier_duals)
            enough = GAIN_LAMBDA if tier is not None else GAIN_HOURS * max(abs(objective), 1e-300)
            c = self._choice_index(choice)
            # a proposal for a tier it would gain for, unless known (its gain is then rounding)
            gaining = [k for k in np.flatnonzero(gains < -enough).tolist()
                       if (c, k) not in self.known]
            if (tier is None and self.held_shares @ gains < -enough
                    and (c, ALL_HELD) not in self.known):
                gaining = [ALL_HELD]
            if not gaining and not rough:
                return self._result(sign * objective, solution, duals)
            reduced = [self._add_column(c, k, duals) for k in gaining]
            improving = bool(gaining) and (not smoothed or min(reduced) < -enough)
            # nothing gains at the duals by rough pricing: price them exactly before deciding;
            # a mispricing: price at the duals next
            rough = rough and (improving or smoothed)
            solve, smooth = bool(gaining), improving
        raise ArithmeticError("column generation did not converge")

    def _bound(self, values: np.ndarray, duals: np.ndarray, tier: int | None) -> float:
        """A Lagrangian bound on the stage's objective: the best proposal for every open tier
        within its row's bounds at the least costs ``values``, plus the limits' and capacities'
        part of the master's dual objective at ``duals``; higher is a better stability centre.
        (At a smoothed point ``values`` are the smoothed prices' and ``duals`` the master's:
        a guide for the centre, not a bound anything relies on.)"""
        tiers = len(self.problem.tiers)
        prices, rents = self._prices(duals)
        reduced = self._reduced_costs(values, np.zeros(tiers), tier)
        lower = np.zeros(self.open_tiers)
        for k, fulfilment in enumerate(self.held[: self.open_tiers]):
            lower[k] = held(fulfilment, self.slack)
        if tier is not None:
            lower[tier] = 0.0
        best = np.where(reduced < 0, reduced, lower * reduced)
        active = np.array(self.capacity_rows, np.int64)
        return float(best.sum() - prices @ self.problem.available
                     - rents[active] @ self.problem.capacities[active])

    def _mix(self, solution: highspy.HighsSolution) -> tuple[np.ndarray, np.ndarray]:
        """The activity of the master's mix of proposals, and the lambda of every tier."""
        weights = np.maximum(np.asarray(solution.col_value), 0.0)
        self.in_use = sorted({self.columns[j][0] for j in np.flatnonzero(weights > 0)})
        activity = np.zeros(len(self.problem.capacities))
        fulfilment = np.zeros(len(self.problem.tiers))
        for j in np.flatnonzero(weights > 0):
            activity += weights[j] * self.activities[j]
            fulfilment += weights[j] * self.shares[j]
        return activity, fulfilment

    def _add_broken_capacities(self, solution: highspy.HighsSolution) -> bool:
        """Give every capacity the master's mix exceeds a row of its own; whether any did."""
        activity, _ = self._mix(solution)
        capacities = self.problem.capacities
        broken = self.capped[activity[self.capped] > capacities[self.capped] * (1 + 1e-9)]
        broken = broken[~np.isin(broken, self.capacity_rows)]
        for t in broken.tolist():
            row = np.array([x[t] for x in self.activities]) / self.capacity_scale[t]
            columns = np.flatnonzero(row)
            added(self.highs.addRow(-INFINITY, capacities[t] / self.capacity_scale[t],
                                    len(columns), columns.astype(np.int32), row[columns]))
            self.capacity_rows.append(t)
        return len(broken) > 0

    def _prices(self, duals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The master's prices of a unit of each limit, and of each technique's capacity."""
        tiers, limits = len(self.problem.tiers), len(self.problem.limited)
        prices = np.maximum(-duals[tiers: tiers + limits], 0.0) / self.limit_scale
        rents = np.zeros(len(self.problem.capacities))
        active = np.array(self.capacity_rows, np.int64)
        rents[active] = np.maximum(-duals[tiers + limits:], 0.0) / self.capacity_scale[active]
        return prices, rents

    def _technique_costs(self, duals: np.ndarray) -> np.ndarray:
        """kappa per unit of activity: labour (last stage) plus the limits and capacities used,
        at the master's prices."""
        problem = self.problem
        prices, rents = self._prices(duals)
        kappa = problem.use.T @ prices + rents
        scale = max(float(kappa.max(initial=0.0)), 1.0)
        self.whisper = 0.0 if self.stage_labour else FLOOR * scale
        costs: npt.NDArray[np.float64] = kappa + problem.labour * (1.0 if self.stage_labour
                                                                   else self.whisper)
        return costs

    def _least_cost(self, kappa: np.ndarray, rough: bool) -> tuple[np.ndarray, np.ndarray]:
        """The least-cost choice at ``kappa`` and its values: exact (to PRECISION), or
        ``rough`` (to ROUGH, a switch gaining ROUGH_GAIN), which is enough to propose a
        column, never to conclude that none gains."""
        system = self.system
        direct = np.append(kappa, 0.0) * system.per_yield
        result = least_cost(system, direct, self.choices[-1], self.values,
                            improvement=ROUGH_GAIN if rough else PRECISION,
                            tol=ROUGH if rough else PRECISION)
        self.values = result.values
        return result.choice, self._unwhispered(result.choice, result.values, rough)

    def _unwhispered(self, choice: np.ndarray, values: np.ndarray, rough: bool) -> np.ndarray:
        """``values`` less the whisper of labour in them (values are linear in the costs for a
        fixed choice): the whisper times the hours embodied, solved exactly for an exact
        pricing, or those of the last exact pricing for a rough one."""
        if not self.whisper:
            return values
        if not rough or self.hours is None:
            direct = np.append(self.problem.labour, 0.0) * self.system.per_yield
            self.hours = leontief_solve(self.system.chosen(choice), direct[choice],
                                        guess=self.hours, tol=PRECISION).x
        unwhispered: npt.NDArray[np.float64] = values - self.whisper * self.hours
        return unwhispered

    def _reduced_costs(self, values: np.ndarray, tier_duals: np.ndarray,
                       tier: int | None) -> np.ndarray:
        """Per open tier, the reduced cost of the best proposal for it."""
        delivered = self.problem.demand[: self.open_tiers] @ values[self.problem.produced]
        own = np.zeros(self.open_tiers)
        if tier is not None:
            own[tier] = -1.0
        gradient: npt.NDArray[np.float64] = own + delivered - tier_duals[: self.open_tiers]
        return gradient

    def _result(self, value: float, solution: highspy.HighsSolution, duals: np.ndarray
                ) -> StageResult:
        activity, fulfilment = self._mix(solution)
        prices, capacity_prices = self._prices(duals)
        return StageResult(value, fulfilment, activity, prices, capacity_prices)


def exact_plan(problem: PlanningProblem, progress: Progress | None = None) -> Plan:
    """SPEC's optimal plan, exact, by column generation over choices of technique."""
    if len(problem.tiers) == 0:
        return nothing_needed(problem)
    engine = ColumnGeneration(problem, progress)
    result = lexicographic(engine, len(problem.tiers), progress)
    return finish_plan(problem, result.activity, result.fulfilment, exact=True,
                       solver_status=model_status(engine.highs),
                       shadow_prices=result.shadow_prices, capacity_prices=result.capacity_prices,
                       warnings=engine.warnings)


__all__ = ["ColumnGeneration", "exact_plan"]

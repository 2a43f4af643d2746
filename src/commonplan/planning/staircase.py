"""Multi-period plans at scale: Dantzig-Wolfe column generation, period by period.

The LP of all periods (``planning/periods.py``, docs/planning.md "Multi-period plans") is a
staircase: each period's block is the single-period problem (net output, limits, capacities),
and only investment links the periods (goods set aside in period r raise a capacity from
period r + lag on).  A generic solver factors every period's I - A at once and fills in; here
each period keeps the Leontief structure that ``planning/exact.py`` exploits, and the master
LP holds only what links periods and tiers.

Columns of the master (weights >= 0):

- lambda[k, s] in [0, 1] and mu_k in [0, 1] (the least lambda of tier k over periods);
- a *tier proposal* (c, k, s): the activity x_c(D_k^s) = (I - A_c)^-1 D_k^s with which a
  productive choice c delivers exactly period s's needs of tier k;
- an *investment proposal* (c, t, r): one unit of capacity of technique t begun in period r,
  with the activity x_c(G_t) that makes its goods in period r.

Rows:

    tier      sum_c theta[c, k, s] - lambda[k, s]                    = 0
    least     mu_k - lambda[k, s]                                    <= 0
    total     sum_s lambda[k, s]                                     >= held total (once held)
    limits    sum over period s's proposals of theta U x             <= a g^(s-1)     (scaled)
    capacity  sum over period s's proposals of theta x[t]
              - sum_r (1 - d_t)^(s - r - lag_t) phi[c, t, r]          <= C_t (1 - d_t)^(s-1)

Capacity rows enter only once the master's mix breaks them (most never bind).  Net output is
then exactly sum_k lambda[k, s] D_k^s + G I_s in every period, as the LP asks.  Pricing, at the
master's duals, is per period: technique t costs kappa_t = pi_s . U_t + mu_{t,s} (+ labour in
the last stage); the least-cost choice at kappa (policy iteration over sparse solves) prices
every product of period s at v_s.  A tier proposal gains when v_s . D_k^s is below the tier
row's dual; an investment in t begun in period r when v_r . G_t is below the value of the
capacity it adds, sum_s (1 - d_t)^(s - r - lag_t) mu_{t,s}.  When no period has a gaining
proposal, the master's optimum is the LP's and its duals are the LP's prices.

The stages are those of ``periods.py``: per tier the least lambda over periods, then (T > 1)
their total, each held; then total labour.  What is returned is checked by
``PeriodPlans.breaches`` against SPEC's 1e-7; the caller falls back to the whole LP if it fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from commonplan.analysis.values import NotProductiveError, least_cost
from commonplan.economy.choice import technique_system
from commonplan.economy.leontief import SolveError, leontief_solve
from commonplan.economy.productive import productive_choice
from commonplan.planning.capital import Capital
from commonplan.planning.exact import choice_position
from commonplan.planning.highs import INFINITY, LPError, highs_model, model_status
from commonplan.planning.lexicographic import HOLD
from commonplan.planning.period_result import HeldModel, PeriodPlans, assemble_plans, period_problem
from commonplan.planning.plan import MET, Progress
from commonplan.planning.problem import PlanningProblem

GAIN_LAMBDA = 1e-11  # a proposal enters when it gains this much of a lambda (absolute) ...
GAIN_HOURS = 1e-9  # ... or this share of the hours (exact.py gives the reasons)
PRECISION = 1e-13  # sparse solves and switches of technique (exact.py)
MAX_ROUNDS = 2_000
SCALED = 1e-30  # limits and capacities above this have their master row divided by them
FLOOR = 1e-12  # a whisper of labour cost in every price, so that ties fall to less labour
SWEEPS = 400  # Richardson sweeps before a column is solved by itself (radius 0.93 reaches 1e-13)
OPERATORS = 2 * 16  # explicit matrices of choices kept (twice the periods of a typical plan)
BROKEN = 1e-9  # a capacity the mix exceeds by more than this, relative, gets a master row


@dataclass(frozen=True)
class Proposal:
    """One master column: tier proposal (``tier`` >= 0) or investment in ``technique``."""

    period: int
    choice: int
    tier: int  # -1 for an investment
    technique: int  # -1 for a tier proposal
    activity: np.ndarray
    labour: float


def plan_by_columns(base: PlanningProblem, capital: Capital, periods: int,
                    progress: Progress | None = None) -> tuple[PeriodPlans | None, str]:
    """The multi-period plan by column generation, checked; (None, why) when it fails, so that
    the caller can solve the whole LP instead."""
    try:
        engine = PeriodColumns(base, capital, periods, progress)
        engine.solve()
        plans = engine.plans()
    except (LPError, SolveError, ArithmeticError, NotProductiveError) as error:
        return None, str(error)
    if breached := plans.breaches():
        return None, "; ".join(breached)
    return plans, ""


class PeriodColumns(HeldModel):
    """The master LP over proposals of every period, grown by pricing each period."""

    def __init__(self, base: PlanningProblem, capital: Capital, periods: int,
                 progress: Progress | None = None) -> None:
        self.base, self.capital, self.periods, self.progress = base, capital, periods, progress
        self.problems = [period_problem(base, capital, s) for s in range(periods)]
        self.system = technique_system(base.economy)
        certificate = productive_choice(self.system)
        if certificate is None:
            raise NotProductiveError("no choice of techniques is productive")
        self.tiers, self.limits = len(base.tiers), len(base.limited)
        techniques = len(base.capacities)
        self.limit_scale = np.array([np.where(p.available > SCALED, p.available, 1.0)
                                     for p in self.problems]).reshape(periods, self.limits)
        finite = np.isfinite(base.capacities) & (base.capacities > SCALED)
        self.capacity_scale = np.where(finite, base.capacities, 1.0)
        self.surviving = 1.0 - capital.depreciation
        self.goods = capital.goods.tocsc()
        # investment begun in period r can be used within the horizon: r + lag < periods
        self.investable = np.zeros(techniques, bool)
        self.investable[capital.invested] = True
        # choices proposed so far, and per period the last choice and values of pricing
        self.choices: list[np.ndarray] = [certificate.choice]
        self.index: dict[bytes, int] = {certificate.choice.tobytes(): 0}
        self.last_choice = [certificate.choice] * periods
        self.values: list[np.ndarray | None] = [None] * periods
        self.guesses: dict[tuple[int, int, int], np.ndarray] = {}
        self.operators: dict[int, sp.csr_array] = {}
        self.priced: list[tuple[np.ndarray, np.ndarray] | None] = [None] * periods
        self.proposals: list[Proposal] = []
        self.known: set[tuple[int, int, int, int]] = set()  # (choice, tier, technique, period)
        self.capacity_rows: dict[tuple[int, int], int] = {}  # (technique, period) -> row
        self.in_use: list[set[int]] = [{0} for _ in range(periods)]  # choices in the last mix
        self.stage_labour = False
        self.holds: list[tuple[int, str, float]] = []
        self.slack = HOLD
        self.duals: np.ndarray | None = None
        self.solution: tuple[np.ndarray, np.ndarray] | None = None  # columns, row duals
        self.warnings: list[str] = []
        k, t = self.tiers, periods
        self.lambdas = k * t  # columns: lambda[k, s] at s * K + k, then mu_k
        rows = 2 * k * t + k + t * self.limits
        columns = k * t + k
        entries = [(s * k + j, s * k + j, -1.0) for s in range(t) for j in range(k)]  # tier rows
        entries += [(k * t + s * k + j, s * k + j, -1.0) for s in range(t) for j in range(k)]
        entries += [(2 * k * t + j, s * k + j, 1.0) for s in range(t) for j in range(k)]
        entries += [(k * t + s * k + j, k * t + j, 1.0) for s in range(t) for j in range(k)]
        if entries:
            r, c, v = (np.array(part) for part in zip(*entries, strict=True))
            matrix = sp.csc_array((v.astype(float), (r.astype(int), c.astype(int))),
                                  shape=(rows, columns))
        else:
            matrix = sp.csc_array((rows, columns))
        available = np.concatenate([p.available for p in self.problems]) / self.limit_scale.ravel()
        row_lower = np.concatenate([np.zeros(k * t), np.full(k * t + k + t * self.limits, -INFINITY)])
        row_upper = np.concatenate([np.zeros(k * t), np.zeros(k * t), np.full(k, INFINITY),
                                    available])
        self.highs = highs_model(matrix, np.zeros(columns), np.zeros(columns), np.zeros(columns),
                                 row_lower, row_upper)

    # -- rows and columns ------------------------------------------------------------------

    def _limit_row(self, s: int) -> int:
        return 2 * self.tiers * self.periods + self.tiers + s * self.limits

    def _total_row(self, k: int) -> int:
        return 2 * self.tiers * self.periods + k

    def _lambda(self, k: int, s: int) -> int:
        return s * self.tiers + k

    def _mu(self, k: int) -> int:
        return self.lambdas + k

    def _first_proposal(self) -> int:
        return self.lambdas + self.tiers

    def _choice_index(self, choice: np.ndarray) -> int:
        return choice_position(self.choices, self.index, choice)

    def _activities(self, c: int, demands: np.ndarray, keys: list[tuple[int, int, int]]
                    ) -> np.ndarray:
        """Activity of every technique (techniques x columns) when choice ``c`` delivers exactly
        each column of ``demands`` (products x columns), warm-started from the last solve for
        the same key.

        All columns at once by Richardson (Neumann) sweeps x <- A_c x + d, one sparse product
        with a dense block per sweep: A_c's spectral radius is below 1 for a productive choice,
        and the sweeps stop when every column's relative residual is below PRECISION.  A column
        not there after SWEEPS sweeps (a slowly converging choice) is solved by itself."""
        operator = self._operator(c)
        guesses = [self.guesses.get(key) for key in keys]
        x = np.column_stack([d if g is None else g for d, g in zip(demands.T, guesses, strict=True)])
        norms = np.linalg.norm(demands, axis=0)
        for _ in range(SWEEPS):
            residual = demands - x + operator @ x
            if np.all(np.linalg.norm(residual, axis=0) <= PRECISION * norms):
                break
            x += residual
        else:
            short = np.linalg.norm(demands - x + operator @ x, axis=0) > PRECISION * norms
            for column in np.flatnonzero(short).tolist():
                x[:, column] = leontief_solve(operator, demands[:, column], guess=x[:, column],
                                              tol=PRECISION).x
        choice, produced, system = self.choices[c], self.base.produced, self.system
        made = choice[produced]
        activity = np.zeros((len(self.base.capacities), len(keys)))
        for j, key in enumerate(keys):
            self.guesses[key] = x[:, j].copy()
        activity[made] = np.maximum(x[produced], 0.0) * system.per_yield[made][:, None]
        return activity

    def _demand(self, s: int, tier: int, technique: int) -> np.ndarray:
        """Over all products: period s's needs of ``tier``, or the goods of a unit of capacity
        of ``technique``."""
        if tier >= 0:
            demand = np.zeros(len(self.base.economy.products))
            demand[self.base.produced] = self.problems[s].demand[tier]
            return demand
        dense: np.ndarray = self.goods[:, [technique]].toarray().ravel()
        return dense

    def _add_proposals(self, entering: list[tuple[int, int, int, int]]) -> None:
        """Add (choice, period, tier, technique) proposals, each choice's solved together."""
        groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for c, s, tier, technique in entering:
            groups.setdefault((c, s), []).append((tier, technique))
        for (c, s), items in groups.items():
            demands = np.column_stack([self._demand(s, tier, t) for tier, t in items])
            keys = [(0, tier, s) if tier >= 0 else (1, t, s) for tier, t in items]
            activities = self._activities(c, demands, keys)
            for (tier, t), x in zip(items, activities.T, strict=True):
                self._add_proposal(c, s, x, tier=tier, technique=t)

    def _operator(self, c: int) -> sp.csr_array:
        """A_c transposed as an explicit sparse matrix (products x products), kept for the few
        choices used last: most proposals of a round share their period's choice, and a solve
        applies it some fifty times."""
        if (operator := self.operators.pop(c, None)) is None:
            operator = sp.csr_array(self.system.chosen(self.choices[c]).T.tocsr())
        self.operators[c] = operator  # most recently used last
        while len(self.operators) > OPERATORS:
            del self.operators[next(iter(self.operators))]
        return operator

    def _wear(self, t: int, begun: int, s: int) -> float:
        """Capacity of ``t`` in period ``s`` left of a unit of investment begun in ``begun``."""
        ready = begun + int(self.capital.lag[t])
        return float(self.surviving[t] ** (s - ready)) if s >= ready else 0.0

    def _add_proposal(self, c: int, s: int, x: np.ndarray, *, tier: int = -1,
                      technique: int = -1) -> None:
        proposal = Proposal(s, c, tier, technique, x, float(self.base.labour @ x))
        rows, entries = [], []
        if tier >= 0:
            rows.append(self._lambda(tier, s))
            entries.append(1.0)
        rows.extend(self._limit_row(s) + np.arange(self.limits))
        entries.extend(self.base.use @ x / self.limit_scale[s])
        for (t, period), row in self.capacity_rows.items():
            if period == s and x[t] != 0:
                rows.append(row)
                entries.append(x[t] / self.capacity_scale[t])
            if t == technique and (wear := self._wear(t, s, period)) > 0:
                rows.append(row)
                entries.append(-wear / self.capacity_scale[t])
        values = np.array(entries, float)
        keep = values != 0
        cost = proposal.labour if self.stage_labour else 0.0
        self.highs.addCol(cost, 0.0, INFINITY, int(keep.sum()),
                          np.array(rows, np.int32)[keep], values[keep])
        self.proposals.append(proposal)
        self.known.add((c, tier, technique, s))

    def _add_capacity_row(self, t: int, s: int) -> None:
        first = self._first_proposal()
        columns, entries = [], []
        for j, proposal in enumerate(self.proposals):
            value = proposal.activity[t] if proposal.period == s else 0.0
            if proposal.technique == t:
                value -= self._wear(t, proposal.period, s)
            if value != 0:
                columns.append(first + j)
                entries.append(value / self.capacity_scale[t])
        self.capacity_rows[(t, s)] = self.highs.getNumRow()
        self.highs.addRow(-INFINITY, self.problems[s].capacities[t] / self.capacity_scale[t],
                          len(columns), np.array(columns, np.int32), np.array(entries, float))

    # -- the mix ---------------------------------------------------------------------------

    def _mix(self) -> tuple[np.ndarray, np.ndarray]:
        """Activity and investment (periods x techniques) of the master's last mix."""
        assert self.solution is not None, "the master has been solved"
        weights = np.maximum(self.solution[0][self._first_proposal():], 0.0)
        techniques = len(self.base.capacities)
        activity = np.zeros((self.periods, techniques))
        investment = np.zeros((self.periods, techniques))
        self.in_use = [set() for _ in range(self.periods)]
        for j in np.flatnonzero(weights > 0):
            proposal = self.proposals[j]
            activity[proposal.period] += weights[j] * proposal.activity
            if proposal.technique >= 0:
                investment[proposal.period, proposal.technique] += weights[j]
            self.in_use[proposal.period].add(proposal.choice)
        return activity, investment

    def _capacities(self, investment: np.ndarray) -> np.ndarray:
        """Capacity of every technique in every period with the investment of the mix."""
        capacity = np.array([p.capacities for p in self.problems])
        for t in np.flatnonzero(investment.sum(axis=0) > 0):
            for s in range(self.periods):
                capacity[s, t] += sum(self._wear(int(t), r, s) * investment[r, t] for r in range(s))
        return capacity

    def _add_broken_capacities(self) -> bool:
        """A master row for every capacity the mix exceeds; whether there was any."""
        activity, investment = self._mix()
        capacity = self._capacities(investment)
        broken = np.argwhere(activity.T > capacity.T * (1 + BROKEN) + BROKEN * 1e-3)
        added = False
        for t, s in broken.tolist():
            if (t, s) not in self.capacity_rows:
                self._add_capacity_row(t, s)
                added = True
        return added

    # -- solving ---------------------------------------------------------------------------

    def _optimise(self) -> float:
        """Solve the master; on numerical trouble, widen the holds tenfold (up to 1e-6)."""
        if self.highs.getNumRow() == 0 or self.highs.getNumCol() == 0:  # all idle
            self.solution = (np.zeros(self.highs.getNumCol()), np.zeros(self.highs.getNumRow()))
            return 0.0
        solution = self._optimise_held()
        self.solution = (np.asarray(solution.col_value), np.asarray(solution.row_dual))
        return float(self.highs.getInfo().objective_function_value)

    def _prices(self, duals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per period: the price of a unit of each limit and of each technique's capacity."""
        limits = np.array([np.maximum(-duals[self._limit_row(s):self._limit_row(s) + self.limits], 0.0)
                           for s in range(self.periods)]).reshape(self.periods, self.limits)
        rents = np.zeros((self.periods, len(self.base.capacities)))
        for (t, s), row in self.capacity_rows.items():
            if row < len(duals):  # a row added after these duals was not yet priced
                rents[s, t] = max(-duals[row], 0.0) / self.capacity_scale[t]
        return limits / self.limit_scale, rents

    def _generate(self, open_tiers: int, what: str, done: float, share: float) -> float:
        """Solve the master, price every period, add what gains; the stage's optimum."""
        enough = GAIN_LAMBDA
        for rounds in range(1, MAX_ROUNDS + 1):
            if self.progress:
                self.progress(done + share * (rounds - 1) / (rounds + 19), what)
            objective = self._optimise()
            if self._add_broken_capacities():
                continue
            if self.stage_labour:
                enough = GAIN_HOURS * max(abs(objective), 1e-300)
            assert self.solution is not None
            duals = self.solution[1]
            entering = self._price(duals, open_tiers, enough)
            if not entering:
                return objective
            self._add_proposals(entering)
        raise ArithmeticError("column generation over periods did not converge")

    def _price(self, duals: np.ndarray, open_tiers: int, enough: float
               ) -> list[tuple[int, int, int, int]]:
        """The proposals that gain at these duals: (choice, period, tier, technique)."""
        prices, rents = self._prices(duals)
        values = []
        for s in range(self.periods):
            kappa = self.base.use.T @ prices[s] + rents[s]
            scale = max(float(kappa.max(initial=0.0)), 1.0)
            kappa = kappa + self.base.labour * (1.0 if self.stage_labour else FLOOR * scale)
            if (known := self.priced[s]) is not None and np.array_equal(known[0], kappa):
                values.append(known[1])  # the same costs as last round: the same least costs
                continue
            direct = np.append(kappa, 0.0) * self.system.per_yield
            result = least_cost(self.system, direct, self.last_choice[s], self.values[s],
                                improvement=PRECISION, tol=PRECISION)
            self.last_choice[s], self.values[s] = result.choice, result.values
            self.priced[s] = (kappa, result.values)
            values.append(result.values)
        entering = []
        produced = self.base.produced
        for s in range(self.periods):
            c = self._choice_index(self.last_choice[s])
            delivered = self.problems[s].demand[:open_tiers] @ values[s][produced]
            for k in range(open_tiers):
                gain = delivered[k] - duals[self._lambda(k, s)]
                if gain < -enough and (c, k, -1, s) not in self.known:
                    entering.append((c, s, k, -1))
        # investment in t begun in period r pays by the capacity it adds where a row prices it
        worth: dict[tuple[int, int], float] = {}
        for (t, s), row in self.capacity_rows.items():
            rent = max(-duals[row], 0.0) / self.capacity_scale[t]
            if rent <= 0 or not self.investable[t]:
                continue
            for r in range(s):
                if (wear := self._wear(t, r, s)) > 0:
                    worth[(t, r)] = worth.get((t, r), 0.0) + wear * rent
        for (t, r), value in worth.items():
            cost = float(self.goods[:, [t]].toarray().ravel() @ values[r])
            c = self._choice_index(self.last_choice[r])
            if cost - value < -enough and (c, -1, t, r) not in self.known:
                entering.append((c, r, -1, t))
        return entering

    def _hold(self, hold: tuple[int, str, float]) -> None:
        k, what, value = hold
        if what == "least":
            self.highs.changeColBounds(self._mu(k), max(value - self.slack, 0.0), 1.0)
        else:
            self.highs.changeRowBounds(self._total_row(k),
                                       max(value - self.slack * self.periods, 0.0), INFINITY)

    def _lambda_values(self, k: int) -> np.ndarray:
        assert self.solution is not None
        solved = self.solution[0]
        return np.array([solved[self._lambda(k, s)] for s in range(self.periods)])

    def _set_costs(self, lambdas: float, mu: int | None) -> None:
        """Costs of the stage: -1 on every lambda of tier ``mu``'s totals, on mu, or labour."""
        n = self.highs.getNumCol()
        cost = np.zeros(n)
        if mu is not None and lambdas:
            cost[[self._lambda(mu, s) for s in range(self.periods)]] = -1.0
        elif mu is not None:
            cost[self._mu(mu)] = -1.0
        if self.stage_labour:
            cost[self._first_proposal():] = [p.labour for p in self.proposals]
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)

    def solve(self) -> None:
        """The stages in the order of ``periods.py``."""
        tiers, periods = self.tiers, self.periods
        stages = tiers * (2 if periods > 1 else 1) + 1
        done = 0
        for k in range(tiers):
            for s in range(periods):
                self.highs.changeColBounds(self._lambda(k, s), 0.0, 1.0)
            self._add_proposals([(c, s, k, -1) for s in range(periods)
                                 for c in sorted(self.in_use[s]) or [0] if (c, k, -1, s) not in self.known])
            self.highs.changeColBounds(self._mu(k), 0.0, 1.0)
            self._set_costs(0.0, k)
            value = -self._generate(k + 1, f"maximising the least fulfilment of priority tier {k + 1}",
                                    done / stages, 1 / stages)
            least = max(min(value, float(self._lambda_values(k).min()), 1.0), 0.0)
            if least < MET:
                self.duals = self.solution[1] if self.solution else None
            self.holds.append((k, "least", least))
            self._hold(self.holds[-1])
            done += 1
            if periods > 1:
                if least < MET:
                    self._set_costs(1.0, k)
                    value = -self._generate(k + 1, f"maximising priority tier {k + 1} over all periods",
                                            done / stages, 1 / stages)
                    total = max(min(value, float(self._lambda_values(k).sum())), 0.0)
                    if total < periods * MET:
                        self.duals = self.solution[1] if self.solution else None
                    self.holds.append((k, "total", total))
                    self._hold(self.holds[-1])
                done += 1
        self.stage_labour = True
        self._set_costs(0.0, None)
        self._generate(tiers, "minimising labour over all periods", done / stages, 1 / stages)
        if self.duals is None and self.solution is not None:
            self.duals = self.solution[1]
        if self.progress:
            self.progress(1.0, "planned")

    def plans(self) -> PeriodPlans:
        """The frozen plans of the last stage's mix."""
        activity, investment = self._mix()
        assert self.duals is not None, "the labour stage, at the latest, keeps its duals"
        warnings = list(self.warnings)
        if self.slack > HOLD:
            warnings.append(f"the earlier priority tiers were held to within {self.slack:.0e} of their "
                            "optimum per period, not 1e-9, for numerical reasons")
        return assemble_plans(self.base, self.capital, activity, investment,
                              self._prices(self.duals), exact=True,
                              solver_status=model_status(self.highs), warnings=warnings)


__all__ = ["PeriodColumns", "plan_by_columns"]

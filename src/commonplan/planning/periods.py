"""Multi-period plans: investment in one period raises capacity in later ones; the priorities hold
in every period (docs/planning.md, "Multi-period plans").

Periods s = 1..T.  Columns: activity x_s (techniques), investment I_s (capacity added to each
technique with an ``investments`` row), the lambda of every tier in every period, and mu_k,
the least lambda of tier k over the periods.  Rows, for every period s:

    needs        N x_s - G I_s - sum_k lambda_{k,s} D_k g^(s-1)  >= 0     (produced products)
    limits       U x_s                                         <= a g^(s-1) (limited products)
    capacity     x_{t,s} - sum_{r + lag_t <= s} (1-d_t)^(s-r-lag_t) I_{t,r}
                                                               <= C_t (1-d_t)^(s-1)
    least        mu_k - lambda_{k,s}                           <= 0

with G the investment goods per unit of capacity, g the growth factor of each product and d
the depreciation.  Tier by tier, mu_k is maximised and held, then (T > 1) the sum over
periods of lambda_{k,s} is maximised and held; then total labour over all periods is
minimised.  The model is passed to HiGHS whole, built from block-sparse matrices.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from commonplan.economy.model import Economy, Needs
from commonplan.planning.capital import Capital
from commonplan.planning.highs import INFINITY, LPError, highs_model, model_status
from commonplan.planning.lexicographic import HOLD
from commonplan.planning.period_result import (
    HeldModel,
    PeriodPlans,
    assemble_plans,
    explain_periods,
    period_problem,
    wear_matrix,
)
from commonplan.planning.plan import MET, Progress
from commonplan.planning.problem import TOLERANCE, PlanningProblem, planning_problem

# HiGHS's tolerance: 1e-9 (highs.py) stalls the simplex on models of all periods at 10^3 products
# x 5 periods; 1e-8 does not, and the final plan is checked against SPEC's 1e-7 (RETRIES)
SOLVER_TOLERANCE = 1e-8
RETRIES = ({"presolve": "off"}, {"solver": "ipm"})  # when the last stage's plan breaks a constraint


ENGINES = ("columns", "whole")  # column generation by period (default); one HiGHS model of all


def plan_periods(economy: Economy, needs: Needs | None, periods: int, capital: Capital | None = None,
                 progress: Progress | None = None, *, engine: str = "columns") -> PeriodPlans:
    """The optimal plan of ``economy`` over ``periods`` periods for ``needs`` (default: its own)
    growing as ``capital`` says, the priorities holding in every period.

    ``engine="columns"`` (the default) generates columns period by period
    (``planning/staircase.py``) and falls back to the whole LP, with a warning, if its plan
    fails the check of every constraint; ``engine="whole"`` passes the LP of all periods to
    HiGHS (the reference, and the floor the benchmark compares with)."""
    if not isinstance(periods, int) or periods < 1:
        raise ValueError(f"periods must be a whole number of at least 1, not {periods!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    base = planning_problem(economy, needs)
    capital = capital or Capital.none(economy)
    if engine == "columns":
        from commonplan.planning.staircase import plan_by_columns

        plans, trouble = plan_by_columns(base, capital, periods, progress)
        if plans is not None:
            return plans
        warning = (f"column generation by period failed its check ({trouble}); the plan was "
                   "computed as one linear programme of all periods instead")
    model = PeriodModel(base, capital, periods)
    model.solve(progress)
    plans = model.plans()
    if engine == "columns":
        plans.warnings.insert(0, warning)
    return plans


class PeriodModel(HeldModel):
    """The HiGHS model of all periods at once, and its lexicographic stages."""

    def __init__(self, base: PlanningProblem, capital: Capital, periods: int) -> None:
        self.base, self.capital, self.periods = base, capital, periods
        self.problems = [period_problem(base, capital, s) for s in range(periods)]
        techniques, invested = len(base.capacities), capital.invested
        self.sizes = (periods * techniques, periods * len(invested), periods * len(base.tiers),
                      len(base.tiers))
        self.starts: npt.NDArray[np.int_] = np.cumsum([0, *self.sizes])
        self.wear = wear_matrix(capital, periods)
        matrix, row_lower, row_upper = self._rows()
        col_lower, col_upper = self._columns()
        self.highs = highs_model(matrix, np.zeros(self.starts[-1]), col_lower, col_upper,
                                 row_lower, row_upper)
        for option in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
            self.highs.setOptionValue(option, SOLVER_TOLERANCE)
        self.solution: np.ndarray | None = None
        self.duals: tuple[np.ndarray, np.ndarray] | None = None
        self.holds: list[tuple[int, str, float]] = []  # (tier, "least" or "total", optimum)
        self.slack = HOLD
        self.warnings: list[str] = []
        self.exact = True  # False once a stage could not be solved as SPEC asks

    def _rows(self) -> tuple[sp.csc_array, np.ndarray, np.ndarray]:
        """The matrix and row bounds: needs, limits, capacity, least and total rows (module doc)."""
        base, capital, periods = self.base, self.capital, self.periods
        tiers, invested = len(base.tiers), capital.invested
        goods = capital.goods[base.produced][:, invested]
        select = sp.csr_array((np.ones(len(invested)), (np.arange(len(invested)), invested)),
                              shape=(len(invested), len(base.capacities)))
        diagonal = sp.block_diag
        blocks = [[diagonal([base.net] * periods), diagonal([-goods] * periods),
                   diagonal([sp.csr_array(-p.demand.T) for p in self.problems]), None],
                  [diagonal([base.use] * periods), None, None, None],
                  [diagonal([select] * periods), -self.wear, None, None],
                  [None, None, -sp.eye_array(periods * tiers), sp.vstack([sp.eye_array(tiers)] * periods)],
                  [None, None, sp.hstack([sp.eye_array(tiers)] * periods), None]]
        sizes = self._row_sizes()
        matrix = sp.block_array(_shaped(blocks, self.sizes, sizes), format="csc")
        room = np.concatenate([p.capacities[invested] for p in self.problems])
        row_lower = np.concatenate([np.zeros(sizes[0]), np.full(sum(sizes[1:]), -INFINITY)])
        row_upper = np.concatenate([np.full(sizes[0], INFINITY),
                                    *[p.available for p in self.problems], room,
                                    np.zeros(periods * tiers), np.full(tiers, INFINITY)])
        return matrix, row_lower, row_upper

    def _row_sizes(self) -> tuple[int, ...]:
        base, periods = self.base, self.periods
        return (periods * len(base.produced), periods * len(base.limited),
                periods * len(self.capital.invested), periods * len(base.tiers), len(base.tiers))

    def _columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Activity bounded by capacities not raised by investment; investment zero where it
        would come too late; every lambda and mu at zero until its tier's stage."""
        capital, invested = self.capital, self.capital.invested
        upper_x = []
        for problem in self.problems:
            capacities = problem.capacities.copy()
            capacities[invested] = np.inf
            upper_x.append(capacities)
        in_time = [np.where(s + capital.lag[invested] < self.periods, np.inf, 0.0)
                   for s in range(self.periods)]
        upper = np.concatenate([*upper_x, *in_time, np.zeros(self.sizes[2] + self.sizes[3])])
        return np.zeros(self.starts[-1]), upper

    def _lambdas(self, k: int) -> npt.NDArray[np.int32]:
        tiers = len(self.base.tiers)
        first = int(self.starts[2])
        lambdas: npt.NDArray[np.int32] = (first + np.arange(self.periods) * tiers + k).astype(np.int32)
        return lambdas

    def _mu(self, k: int) -> int:
        return int(self.starts[3] + k)

    def solve(self, progress: Progress | None = None) -> None:
        """Run the stages in SPEC's order, each tier holding in every period."""
        tiers = len(self.base.tiers)
        stages = tiers * (2 if self.periods > 1 else 1) + 1
        done = 0
        for k in range(tiers):
            _report(progress, done / stages, f"maximising the least fulfilment of priority tier {k + 1}")
            least = self._maximise_least(k)
            done += 1
            if self.periods > 1:  # a tier met in full in every period has nothing more to gain
                _report(progress, done / stages, f"maximising priority tier {k + 1} over all periods")
                if least < MET:
                    self._maximise_total(k)
                done += 1
        _report(progress, done / stages, "minimising labour over all periods")
        self._minimise_labour(priced=self.duals is None)
        _report(progress, 1.0, "planned")

    def _maximise_least(self, k: int) -> float:
        lambdas, mu = self._lambdas(k), self._mu(k)
        self.highs.changeColsBounds(len(lambdas), lambdas, np.zeros(len(lambdas)), np.ones(len(lambdas)))
        self.highs.changeColBounds(mu, 0.0, 1.0)
        self.highs.changeColCost(mu, -1.0)
        value = -self._solve()
        delivered = min(value, float(self._solved()[lambdas].min()), 1.0)
        least = max(delivered, 0.0)
        if least < MET:
            self._keep_duals()
        self.highs.changeColCost(mu, 0.0)
        self.holds.append((k, "least", least))
        self._hold(self.holds[-1])
        return least

    def _maximise_total(self, k: int) -> None:
        """The tier's total over periods; when HiGHS cannot certify it (large, ill-conditioned
        models), the plan keeps only the tier's least fulfilment, and says so."""
        lambdas = self._lambdas(k)
        self.highs.changeColsCost(len(lambdas), lambdas, -np.ones(len(lambdas)))
        slack = self.slack
        try:
            value = -self._solve()
        except LPError as error:
            self.highs.changeColsCost(len(lambdas), lambdas, np.zeros(len(lambdas)))
            self.slack = slack  # the holds widened in vain are restored
            for hold in self.holds:
                self._hold(hold)
            self.exact = False
            self.warnings.append(f"priority {int(self.base.tiers[k])}: its fulfilment over all "
                                 f"periods could not be maximised ({error}); only its least "
                                 "fulfilment in any period is held")
            return
        total = max(min(value, float(self._solved()[lambdas].sum())), 0.0)
        if total < self.periods * MET:
            self._keep_duals()
        self.highs.changeColsCost(len(lambdas), lambdas, np.zeros(len(lambdas)))
        self.holds.append((k, "total", total))
        self._hold(self.holds[-1])

    def _hold(self, hold: tuple[int, str, float]) -> None:
        """Keep a tier's optimum less the slack per period: SPEC's hold for a tier met in full,
        and a lambda HiGHS finds at 1e-9 that is truly 0 does not hold the later stages to it."""
        k, what, value = hold
        if what == "least":
            self.highs.changeColBounds(self._mu(k), max(value - self.slack, 0.0), 1.0)
        else:
            self.highs.changeRowBounds(self._total_row(k), max(value - self.slack * self.periods, 0.0),
                                       INFINITY)

    def _total_row(self, k: int) -> int:
        return int(sum(self._row_sizes()[:4]) + k)

    def _minimise_labour(self, priced: bool) -> None:
        """The last stage, checked: when the simplex basis leaves a constraint broken by more
        than SPEC's tolerance (ill-conditioned bases do), solve again without presolve, then
        by interior point, and keep the first plan that holds."""
        columns = np.arange(self.sizes[0], dtype=np.int32)
        self.highs.changeColsCost(len(columns), columns, np.tile(self.base.labour, self.periods))
        for options in ({}, *RETRIES):
            for name, value in options.items():
                self.highs.setOptionValue(name, value)
            if options:
                self.highs.clearSolver()
            self._solve()
            if priced:
                self._keep_duals()
            if not (breached := self.plans().breaches()):
                return
        self.exact = False
        self.warnings.append(f"HiGHS's plan breaks constraints by more than {TOLERANCE:g} relative: "
                             f"{'; '.join(breached)}")

    def _solve(self) -> float:
        """Solve; on numerical trouble, widen the holds of earlier tiers tenfold (up to 1e-6) and retry."""
        solution = self._optimise_held()
        self.solution = np.asarray(solution.col_value)
        self.last = (np.asarray(solution.row_dual), np.asarray(solution.col_dual))
        return float(self.highs.getInfo().objective_function_value)

    def _solved(self) -> np.ndarray:
        """The last stage's solution (a stage has been solved)."""
        assert self.solution is not None, "no stage has been solved yet"
        return self.solution

    def _keep_duals(self) -> None:
        """This stage's duals are the prices the plans report (SPEC: the last tier short of 1,
        or the labour stage when every tier is met)."""
        self.duals = self.last

    def plans(self) -> PeriodPlans:
        """The frozen result of the last stage's solution."""
        periods, techniques = self.periods, len(self.base.capacities)
        invested = self.capital.invested
        x = self._solved()[: self.sizes[0]].reshape(periods, techniques)
        investment = np.zeros((periods, techniques))
        investment[:, invested] = np.maximum(self._solved()[self.starts[1]:self.starts[2]]
                                             .reshape(periods, len(invested)), 0.0)
        warnings = list(self.warnings)
        if self.slack > HOLD:
            warnings.append(f"the earlier priority tiers were held to within {self.slack:.0e} of their "
                            "optimum per period, not 1e-9, for numerical reasons")
        return assemble_plans(self.base, self.capital, x, investment, self._prices(),
                              exact=self.exact, solver_status=model_status(self.highs),
                              warnings=warnings)

    def _prices(self) -> tuple[np.ndarray, np.ndarray]:
        """Per period: the price of each limit and of each technique's capacity, >= 0."""
        periods, techniques = self.periods, len(self.base.capacities)
        assert self.duals is not None, "the labour stage, at the latest, keeps its duals"
        row_dual, col_dual = self.duals
        sizes = self._row_sizes()
        limits = row_dual[sizes[0]:sizes[0] + sizes[1]].reshape(periods, len(self.base.limited))
        capacity = -col_dual[: self.sizes[0]].reshape(periods, techniques)
        capacity[:, self.capital.invested] = -row_dual[sum(sizes[:2]):sum(sizes[:3])].reshape(
            periods, len(self.capital.invested))
        capacity[:, ~np.isfinite(self.base.capacities)] = 0.0
        return np.maximum(-limits, 0.0), np.maximum(capacity, 0.0)


def _shaped(blocks: list[list[sp.sparray | None]], columns: tuple[int, ...],
            rows: tuple[int, ...]) -> list[list[sp.sparray]]:
    """Empty blocks made explicit, so that block_array knows every shape even when some are 0."""
    return [[sp.csr_array((rows[i], columns[j])) if block is None else block
             for j, block in enumerate(row)] for i, row in enumerate(blocks)]


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress:
        progress(fraction, message)


__all__ = ["ENGINES", "PeriodModel", "PeriodPlans", "explain_periods", "plan_periods"]

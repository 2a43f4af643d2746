"""The plans of every period of a multi-period plan, whatever solved them: the frozen record
(``PeriodPlans``), each period's problem, the wear of investment, and the explanation in words
(docs/planning.md, "Multi-period plans")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import scipy.sparse as sp

from commonplan.planning.capital import Capital
from commonplan.planning.highs import LPError, optimise
from commonplan.planning.lexicographic import MAX_SLACK
from commonplan.planning.plan import NAMED, Plan, PlanStatus, finish_plan
from commonplan.planning.problem import TOLERANCE, PlanningProblem, breaches, fulfilment_of

FULL = 1 - 1e-6  # a tier met to SPEC's accuracy is "met in full" in words


Hold = tuple[int, str, float]  # an earlier tier held: (tier, "least" or "total", its optimum)


class HeldModel:
    """A model of several periods whose earlier tiers are held (``holds``) to within ``slack``:
    solved, on numerical trouble, with the holds widened tenfold at a time up to MAX_SLACK."""

    highs: highspy.Highs
    holds: list[Hold]
    slack: float

    def _hold(self, hold: Hold) -> None:
        raise NotImplementedError

    def _optimise_held(self) -> highspy.HighsSolution:
        while True:
            try:
                return optimise(self.highs)
            except LPError:
                if self.slack * 10 > MAX_SLACK * (1 + 1e-9) or not self.holds:
                    raise
                self.slack *= 10
                for hold in self.holds:
                    self._hold(hold)


@dataclass(frozen=True, eq=False)
class PeriodPlans:
    """The plan of every period, with the investment that links them.

    ``plans[s]`` is period s+1's plan, judged against that period's needs, limits and
    capacities (its ``net_output`` includes the investment goods set aside).  Arrays are
    periods x techniques: ``investment`` (capacity added by investment begun that period,
    usable ``lag`` periods later) and ``capacity`` (inf = unlimited); ``investment_goods`` is
    periods x products.  ``least_fulfilment[k]`` is the least lambda of tier k over periods.
    """

    plans: tuple[Plan, ...]
    capital: Capital
    investment: np.ndarray
    capacity: np.ndarray
    investment_goods: np.ndarray
    least_fulfilment: np.ndarray
    status: PlanStatus
    explanation: str
    message: str
    solver_status: str
    warnings: list[str] = field(default_factory=list)

    @property
    def periods(self) -> int:
        return len(self.plans)

    @property
    def labour_hours(self) -> float:
        """Labour over all periods."""
        return float(sum(plan.labour_hours for plan in self.plans))

    def breaches(self, tolerance: float = TOLERANCE) -> list[str]:
        """Every constraint of every period broken by more than ``tolerance`` relative, in words."""
        return [f"period {s + 1}: {text}" for s in range(self.periods)
                for text in breaches(*self._judged(s), tolerance)]

    def _judged(self, s: int) -> tuple[PlanningProblem, np.ndarray, np.ndarray]:
        """Period s's problem with investment as extra columns, and its activity and lambda."""
        plan, invested = self.plans[s], self.capital.invested
        problem = plan.problem
        goods = self.capital.goods[problem.produced][:, invested]
        extended = replace(problem, net=sp.hstack([problem.net, -goods], format="csr"),
                           use=sp.hstack([problem.use, sp.csr_array((len(problem.limited),
                                                                    len(invested)))], format="csr"),
                           capacities=np.concatenate([problem.capacities, np.full(len(invested),
                                                                                  np.inf)]))
        return extended, np.concatenate([plan.activity, self.investment[s, invested]]), plan.fulfilment


def period_problem(base: PlanningProblem, capital: Capital, s: int) -> PlanningProblem:
    """Period s's needs and limits (grown), its capacities before any investment (worn)."""
    scale = capital.scale(s)
    return replace(base, available=base.available * scale[base.limited],
                   demand=base.demand * scale[base.produced],
                   capacities=base.capacities * capital.surviving(s))


def wear_matrix(capital: Capital, periods: int) -> sp.csr_array:
    """(periods x invested) x (periods x invested): capacity in period s left of a unit of
    investment begun in period r, (1-d)^(s-r-lag) once it is usable."""
    invested = capital.invested
    lag, surviving = capital.lag[invested], 1.0 - capital.depreciation[invested]
    m, rows, cols, values = len(invested), [], [], []
    for s in range(periods):
        for r in range(s):
            usable = np.flatnonzero(r + lag <= s)
            rows.append(s * m + usable)
            cols.append(r * m + usable)
            values.append(surviving[usable] ** (s - r - lag[usable]))
    size = periods * m
    if not rows:
        return sp.csr_array((size, size))
    return sp.csr_array((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(size, size))


def assemble_plans(base: PlanningProblem, capital: Capital, activity: np.ndarray,
                   investment: np.ndarray, prices: tuple[np.ndarray, np.ndarray], *, exact: bool,
                   solver_status: str, warnings: list[str]) -> PeriodPlans:
    """The frozen plans of every period from the activity and investment (periods x techniques)
    and the prices (per period: of each limit, of each technique's capacity), whatever solved them."""
    periods, invested = len(activity), capital.invested
    problems = [period_problem(base, capital, s) for s in range(periods)]
    capacity = np.array([p.capacities for p in problems])
    added = wear_matrix(capital, periods) @ investment[:, invested].ravel()
    capacity[:, invested] += added.reshape(periods, len(invested))
    goods = (capital.goods @ investment.T).T
    made = []
    for s, problem in enumerate(problems):
        problem = replace(problem, capacities=capacity[s])
        fulfilment = _delivered(capital, problem, activity[s], investment[s, invested])
        made.append(finish_plan(problem, activity[s], fulfilment, exact=exact,
                                solver_status=solver_status, shadow_prices=prices[0][s],
                                capacity_prices=prices[1][s]))
    least = np.array([plan.fulfilment for plan in made]).min(axis=0, initial=1.0)
    status = PlanStatus.of(exact, least)
    return PeriodPlans(tuple(made), capital, investment, capacity, goods, least, status,
                       explain_periods(made, investment, base), status.message(least, base.tiers),
                       solver_status, list(warnings))


def _delivered(capital: Capital, problem: PlanningProblem, x: np.ndarray,
               investment: np.ndarray) -> np.ndarray:
    """SPEC's lambda of what is left for needs once the investment goods are set aside."""
    goods = capital.goods[problem.produced][:, capital.invested]
    extended = replace(problem, net=sp.hstack([problem.net, -goods], format="csr"))
    return fulfilment_of(extended, np.concatenate([np.maximum(x, 0.0), investment]))


def explain_periods(plans: list[Plan], investment: np.ndarray, base: PlanningProblem) -> str:
    """What every period meets, and what investment builds, in plain words."""
    periods = len(plans)
    sentences = [f"A plan for {periods} period{'s' if periods > 1 else ''}."]
    for k, tier in enumerate(base.tiers):
        shares = np.array([float(plan.fulfilment[k]) for plan in plans])
        if shares.min() >= FULL:
            sentences.append(f"Priority {tier} is met in full in every period.")
        elif f"{shares.min():.1%}" == f"{shares.max():.1%}":
            sentences.append(f"Priority {tier} is met at {shares.min():.1%} in every period.")
        else:
            sentences.append(f"Priority {tier} is met at {shares.min():.1%} in period "
                             f"{int(shares.argmin()) + 1}, at worst, and at {shares.max():.1%} in "
                             f"period {int(shares.argmax()) + 1}, at best.")
    built = np.flatnonzero(investment.sum(axis=0) > 0)
    if len(built):
        ids = base.economy.techniques.ids
        names = [repr(ids[int(t)].as_py()) for t in built[:NAMED]]
        if len(built) > NAMED:
            names.append(f"{len(built) - NAMED} more techniques")
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        sentences.append(f"Investment raises the capacity of {listed}.")
    sentences.append(f"The plans take {sum(p.labour_hours for p in plans):,.6g} hours of labour "
                     "in all.")
    return " ".join(sentences)

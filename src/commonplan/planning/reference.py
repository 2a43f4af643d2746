"""The reference: SPEC's lexicographic plan as one HiGHS model over every technique.

Columns are the activities x and the tiers' lambdas; rows are the net output of every
produced product (N x - D^T lambda >= 0) and the use of every limited labour or resource
product (U x <= available); capacities are column bounds.  Exact, and the judge of the
faster methods, but a generic solve of it grows out of reach past about 10^4 products
(the basis of I - A fills in), which is why ``exact`` exploits the Leontief structure.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from commonplan.planning.highs import INFINITY, highs_model, model_status
from commonplan.planning.lexicographic import HeldTiers, StageResult, lexicographic
from commonplan.planning.plan import Plan, Progress, finish_plan, nothing_needed
from commonplan.planning.problem import PlanningProblem


class ReferenceStages(HeldTiers):
    """The stages of SPEC's order on one HiGHS model of the whole problem."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        tiers, produced = problem.demand.shape
        techniques = len(problem.capacities)
        limited = len(problem.limited)
        matrix = sp.block_array([[problem.net, sp.csr_array(-problem.demand.T)],
                                 [problem.use, sp.csr_array((limited, tiers))]], format="csc")
        highs = highs_model(
            matrix, np.zeros(techniques + tiers),
            np.zeros(techniques + tiers), np.concatenate([problem.capacities, np.zeros(tiers)]),
            np.concatenate([np.zeros(produced), np.full(limited, -INFINITY)]),
            np.concatenate([np.full(produced, INFINITY), problem.available]))
        super().__init__(highs)
        self.techniques = techniques

    def _lambda(self, k: int) -> int:
        return self.techniques + k

    def maximise_tier(self, k: int) -> StageResult:
        column = self._lambda(k)
        self.highs.changeColBounds(column, 0.0, 1.0)
        self.highs.changeColCost(column, -1.0)
        return self._solve(sign=-1.0)

    def _hold(self, k: int, lower: float) -> None:
        column = self._lambda(k)
        self.highs.changeColCost(column, 0.0)
        self.highs.changeColBounds(column, lower, 1.0)

    def minimise_labour(self) -> StageResult:
        columns = np.arange(self.techniques, dtype=np.int32)
        self.highs.changeColsCost(len(columns), columns, self.problem.labour.astype(float))
        return self._solve(sign=1.0)

    def _solve(self, sign: float) -> StageResult:
        solution = self.optimise()
        produced = len(self.problem.produced)
        columns = np.asarray(solution.col_value)
        x = columns[: self.techniques]
        row_dual = np.asarray(solution.row_dual)
        col_dual = np.asarray(solution.col_dual)[: self.techniques]
        capacity_prices = np.where(np.isfinite(self.problem.capacities),
                                   np.maximum(-col_dual, 0.0), 0.0)
        return StageResult(sign * self.highs.getInfo().objective_function_value,
                           columns[self.techniques:], x,
                           np.maximum(-row_dual[produced:], 0.0), capacity_prices)


def reference_plan(problem: PlanningProblem, progress: Progress | None = None) -> Plan:
    """SPEC's optimal plan by HiGHS on the whole model (for small economies and for checking)."""
    if len(problem.tiers) == 0:
        return nothing_needed(problem)
    stages = ReferenceStages(problem)
    result = lexicographic(stages, len(problem.tiers), progress)
    return finish_plan(problem, result.activity, result.fulfilment, exact=True,
                       solver_status=model_status(stages.highs),
                       shadow_prices=result.shadow_prices, capacity_prices=result.capacity_prices,
                       warnings=stages.warnings)

"""Labour values (SPEC section 2): the least hours, direct and indirect, that each product costs.

With one technique per product this is v = l (I - A)^-1, found by one sparse solve.  With
alternative techniques it is the componentwise minimum of l_c (I - A_c)^-1 over productive
choices c; by the non-substitution theorem a single choice attains the minimum for every
product at once, and policy iteration (Howard) finds it: evaluate the current choice with a
sparse solve, switch every product to a strictly cheaper technique at those values, repeat.
Each switch lowers the values and keeps the choice productive, so it ends in a few rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from commonplan.economy.choice import ATTAINS, TechniqueSystem, technique_system
from commonplan.economy.leontief import ROUNDING, TOLERANCE, SolveError, correction, leontief_solve
from commonplan.economy.model import Economy
from commonplan.economy.productive import productive_choice
from commonplan.errors import PlanningError

IMPROVEMENT = ATTAINS  # a switch must lower a value by more than this: closer is a tie (SPEC)
MAX_ROUNDS = 100
ROUGH = 1e-7  # the relative residual at which policy iteration compares choices
STALLED = 3  # corrections in a row that do not halve the residual: the system is not solvable
# The last corrections aim this far below ``tol``: a residual of 1e-10 in norm left the
# smallest of 10^6 values up to 2.5e-9 off (relative); at 1e-11 they are within 1e-9.
MARGIN = 0.1


class NotProductiveError(PlanningError):
    """No productive choice of techniques was found."""


@dataclass(frozen=True, eq=False)
class LabourValues:
    """Hours per unit of each produced product (positions ``products``), and the technique
    that attains each value.

    ``embodied[j, k]``: units of primary product ``economy.primary[k]`` (each kind of labour,
    each resource) embodied in one unit of ``products[j]`` under the attaining techniques; present
    when asked for ``by_kind``.
    """

    products: np.ndarray
    hours: np.ndarray
    techniques: np.ndarray
    residual: float
    rounds: int
    embodied: np.ndarray | None = None


def labour_values(economy: Economy, *, by_kind: bool = False) -> LabourValues:
    """The labour values of ``economy``'s produced products, to a relative residual of 1e-10."""
    system = technique_system(economy)
    direct = system.labour
    certificate = productive_choice(system)
    if certificate is None:
        raise NotProductiveError("no choice of techniques is productive")
    guess = certificate.prices if certificate.labour_guided else None
    cheapest = least_cost(system, direct, certificate.choice, guess)
    values = np.maximum(cheapest.values, 0.0)  # rounding below zero: products taking no labour
    costs = cheapest.costs if np.all(cheapest.values >= 0) else direct + system.per_output(values)
    _least, attaining = system.cheapest(costs, first_within=ATTAINS)
    produced = system.produced
    embodied = _embodied(system, attaining, economy.primary)[produced] if by_kind else None
    return LabourValues(produced, values[produced], attaining[produced], cheapest.residual,
                        cheapest.rounds, embodied)


@dataclass(frozen=True, eq=False)
class LeastCost:
    """Per product (all positions), the least cost over productive choices, and its choice;
    ``costs``: what every technique costs at those values (its direct cost plus its inputs)."""

    values: np.ndarray
    choice: np.ndarray
    residual: float
    rounds: int
    costs: np.ndarray


def least_cost(system: TechniqueSystem, direct: np.ndarray, choice: np.ndarray,
               guess: np.ndarray | None = None, *, improvement: float = IMPROVEMENT,
               tol: float = TOLERANCE) -> LeastCost:
    """Policy iteration (Howard) from the productive ``choice``: the least cost of every product
    when each technique costs ``direct`` (per unit of output, >= 0) plus its inputs.

    Evaluate the choice, switch every product to a strictly cheaper technique at those costs,
    repeat; each switch lowers the costs and keeps the choice productive, so it ends in a few
    rounds.  A switch must lower a cost by more than ``improvement`` (relative); the values
    reach a relative residual of ``tol``.

    One sparse product per step prices every technique at the current values: it gives both
    the residual of the current choice (the chosen techniques' costs minus the values) and the
    cheaper techniques.  The values are improved by iterative refinement, each correction
    solved only as far as needed: to ``ROUGH`` while choices are compared, to ``tol`` once
    a round of switches has been made (later switches are rare) or none is left.
    """
    values = np.zeros(system.activity.shape[1]) if guess is None else guess
    target = tol if system.single else max(tol, ROUGH)
    rounds, stalled, best = 1, 0, np.inf
    while True:
        if not np.any(direct[choice]) and np.any(values):
            values = np.zeros_like(values)  # nothing costs anything under this choice: exactly 0
        costs = direct + system.per_output(values)
        if not np.all(np.isfinite(costs)):
            raise SolveError("the Leontief system has no finite solution (singular)")
        rhs_norm = float(np.linalg.norm(direct[choice]))
        residual_vector = costs[choice] - values
        residual_norm = float(np.linalg.norm(residual_vector))
        residual = residual_norm / rhs_norm if rhs_norm else residual_norm
        exact = residual <= tol or residual_norm <= ROUNDING * (rhs_norm + float(np.linalg.norm(values)))
        if residual <= target or exact:
            least, cheaper = system.cheapest(costs)
            switch = (least < values - improvement * np.abs(values)) & (cheaper != choice)
            if switch.any() and rounds < MAX_ROUNDS:
                choice, rounds, target, stalled, best = (np.where(switch, cheaper, choice),
                                                         rounds + 1, tol, 0, np.inf)
                rhs_norm = float(np.linalg.norm(direct[choice]))
                residual_vector = costs[choice] - values
                residual_norm = float(np.linalg.norm(residual_vector))
            elif exact:
                return LeastCost(values, choice, residual, rounds, costs)
            else:
                target = tol
        stalled = stalled + 1 if residual_norm >= best / 2 else 0
        best = min(best, residual_norm)
        if stalled > STALLED:
            raise SolveError(f"the Leontief system did not converge (relative residual {residual:.2e})")
        aim = target if target > tol else tol * MARGIN  # below tol: small values exact to 1e-9
        wanted = aim * (rhs_norm or 1.0) / max(residual_norm, 1e-300)
        values = values + correction(system.chosen(choice), residual_vector, min(wanted, 0.5))


def _embodied(system: TechniqueSystem, choice: np.ndarray, primary: np.ndarray) -> np.ndarray:
    """Units of each primary product embodied per unit of every product: one solve per kind."""
    chosen = system.chosen(choice)
    direct = system.chosen_inputs(choice, primary).toarray()
    columns = [leontief_solve(chosen, direct[:, k]).x for k in range(len(primary))]
    embodied: npt.NDArray[np.float64] = np.maximum(np.column_stack(columns), 0.0) if columns else direct
    return embodied

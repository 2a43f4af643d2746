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
from commonplan.economy.leontief import TOLERANCE, leontief_solve
from commonplan.economy.model import Economy
from commonplan.economy.productive import productive_choice
from commonplan.errors import PlanningError

IMPROVEMENT = ATTAINS  # a switch must lower a value by more than this: closer is a tie (SPEC)
MAX_ROUNDS = 100
ROUGH = 1e-7  # the relative residual at which policy iteration compares choices


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
    _least, attaining = system.cheapest(direct + system.per_output(values),
                                        first_within=ATTAINS)
    produced = system.produced
    embodied = _embodied(system, attaining, economy.primary)[produced] if by_kind else None
    return LabourValues(produced, values[produced], attaining[produced], cheapest.residual,
                        cheapest.rounds, embodied)


@dataclass(frozen=True, eq=False)
class LeastCost:
    """Per product (all positions), the least cost over productive choices, and its choice."""

    values: np.ndarray
    choice: np.ndarray
    residual: float
    rounds: int


def least_cost(system: TechniqueSystem, direct: np.ndarray, choice: np.ndarray,
               guess: np.ndarray | None = None, *, improvement: float = IMPROVEMENT,
               tol: float = TOLERANCE) -> LeastCost:
    """Policy iteration (Howard) from the productive ``choice``: the least cost of every product
    when each technique costs ``direct`` (per unit of output, >= 0) plus its inputs.

    Evaluate the choice with a sparse solve, switch every product to a strictly cheaper
    technique at those costs, repeat; each switch lowers the costs and keeps the choice
    productive, so it ends in a few rounds.  A switch must lower a cost by more than
    ``improvement`` (relative); each solve reaches a relative residual of ``tol``.
    """
    values, rounds = guess, 0
    # Choices are compared on rough solves; only the last, confirming one is solved to ``tol``.
    precision = tol if system.single else max(tol, ROUGH)
    while True:
        rounds += 1
        solution = leontief_solve(system.chosen(choice), direct[choice], guess=values,
                                  tol=precision)
        values = solution.x
        if system.single or rounds == MAX_ROUNDS:
            break
        least, cheaper = system.cheapest(direct + system.per_output(values))
        switch = (least < values - improvement * np.abs(values)) & (cheaper != choice)
        if switch.any():
            choice, precision = np.where(switch, cheaper, choice), max(tol, ROUGH)
        elif precision == tol:
            break
        else:
            precision = tol
    return LeastCost(values, choice, solution.residual, rounds)


def _embodied(system: TechniqueSystem, choice: np.ndarray, primary: np.ndarray) -> np.ndarray:
    """Units of each primary product embodied per unit of every product: one solve per kind."""
    chosen = system.chosen(choice)
    direct = system.chosen_inputs(choice, primary).toarray()
    columns = [leontief_solve(chosen, direct[:, k]).x for k in range(len(primary))]
    embodied: npt.NDArray[np.float64] = np.maximum(np.column_stack(columns), 0.0) if columns else direct
    return embodied

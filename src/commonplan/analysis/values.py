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

from commonplan.analysis.linear import TOLERANCE, leontief_solve
from commonplan.economy.choice import ATTAINS, TechniqueSystem, technique_system
from commonplan.economy.model import Economy
from commonplan.economy.productive import productive_choice

IMPROVEMENT = ATTAINS  # a switch must lower a value by more than this: closer is a tie (SPEC)
MAX_ROUNDS = 100
ROUGH = 1e-4  # choices are first improved on values this exact, then on exact ones


class NotProductiveError(ArithmeticError):
    """No productive choice of techniques was found."""


@dataclass(frozen=True, eq=False)
class LabourValues:
    """Hours per unit of each produced product, and the technique that attains each value.

    ``embodied[j, k]``: units of primary product ``primary[k]`` (each kind of labour, each
    resource) embodied in one unit of ``products[j]`` under the attaining techniques; present
    when asked for ``by_kind``.
    """

    products: np.ndarray
    hours: np.ndarray
    techniques: np.ndarray
    residual: float
    rounds: int
    primary: np.ndarray
    embodied: np.ndarray | None = None


def labour_cost(economy: Economy, system: TechniqueSystem) -> np.ndarray:
    """Direct labour hours per unit of output of each technique (all kinds hour for hour)."""
    is_labour = economy.products.is_labour()[system.primary_products].astype(float)
    return system.primary @ is_labour


def labour_values(economy: Economy, *, by_kind: bool = False,
                  system: TechniqueSystem | None = None) -> LabourValues:
    """The labour values of ``economy``'s produced products, to a relative residual of 1e-10."""
    system = system if system is not None else technique_system(economy)
    direct = labour_cost(economy, system)
    choice = productive_choice(system, rounds=2000)
    if choice is None:
        raise NotProductiveError("no choice of techniques is productive")
    values, rounds, tol = None, 0, TOLERANCE if system.single else ROUGH
    while rounds < MAX_ROUNDS:
        rounds += 1
        solution = leontief_solve(system.chosen(choice), direct[choice], guess=values, tol=tol)
        values, residual = solution.x, solution.residual
        if system.single:
            break
        least, cheaper = system.cheapest(direct + system.coefficients @ values)
        gain = IMPROVEMENT if tol == TOLERANCE else 10 * ROUGH  # above the values' own error
        switch = (least < values - gain * np.abs(values)) & (cheaper != choice)
        if switch.any():
            choice = np.where(switch, cheaper, choice)
        elif tol == TOLERANCE:
            break
        else:
            tol = TOLERANCE
    values = np.maximum(values, 0.0)  # rounding below zero for products that take no labour
    attaining = attaining_techniques(system, direct, values)
    embodied = _embodied(system, attaining) if by_kind else None
    return LabourValues(system.produced, values, attaining, residual, rounds,
                        system.primary_products, embodied)


def attaining_techniques(system: TechniqueSystem, direct: np.ndarray,
                         values: np.ndarray) -> np.ndarray:
    """Per product, the first technique (file order) whose cost is within 1e-9 of its value."""
    _least, attaining = system.cheapest(direct + system.coefficients @ values,
                                        first_within=ATTAINS)
    return attaining


def _embodied(system: TechniqueSystem, choice: np.ndarray) -> np.ndarray:
    """Primary products embodied per unit of each product: one solve per kind."""
    chosen, direct = system.chosen(choice), system.primary[choice].toarray()
    columns = [leontief_solve(chosen, direct[:, k]).x for k in range(direct.shape[1])]
    return np.maximum(np.column_stack(columns), 0.0) if columns else direct

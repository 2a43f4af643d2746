"""Kantorovich's problem over an economy's arrays (SPEC section 2, "Optimal plan").

Activity x_t >= 0 of every technique; net output n = N x with N = yields on outputs minus
inputs; tier k asks n >= sum over i <= k of lambda_i D_i; use of each limited labour or
resource product U x <= available; x <= capacity.  This module holds the arrays every
method works on, and the two rules every plan is judged by, whatever computed it:
``fulfilment_of`` (SPEC's lambda of a given activity) and ``breaches`` (limits broken).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from commonplan.economy.model import Economy, Needs

TOLERANCE = 1e-7  # every constraint holds to this, relative (SPEC)
ROUNDING = 1e-12  # and to this, absolute: the rounding of sums that cancel to zero


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """The arrays of one economy's planning problem.

    ``net``: produced products x techniques, net output per unit of activity (rows are
    ``produced``, product positions).  ``use``: limited products x techniques, what a unit of
    activity uses of each labour or resource product with a finite availability (rows are
    ``limited``).  ``demand[k]``: the needs of tier ``tiers[k]`` per produced product.
    ``labour``: hours of all labour kinds per unit of activity.
    """

    economy: Economy
    produced: np.ndarray
    net: sp.csr_array
    limited: np.ndarray
    use: sp.csr_array
    available: np.ndarray
    capacities: np.ndarray
    labour: np.ndarray
    tiers: np.ndarray
    demand: np.ndarray

    @property
    def capped(self) -> np.ndarray:
        """Positions of the techniques with a finite capacity."""
        return np.flatnonzero(np.isfinite(self.capacities))

    def required(self, fulfilment: np.ndarray) -> np.ndarray:
        """Net output each produced product must reach for the given lambda of every tier."""
        required: npt.NDArray[np.float64] = fulfilment @ self.demand
        return required


def planning_problem(economy: Economy, needs: Needs | None = None) -> PlanningProblem:
    """The problem of planning ``economy`` for ``needs`` (default: the bundle's own)."""
    needs = economy.needs if needs is None else needs
    techniques = economy.techniques
    n_products, n_techniques = economy.inputs.shape
    made = sp.csc_array((techniques.yields, (techniques.outputs, np.arange(n_techniques))),
                        shape=(n_products, n_techniques))
    produced = economy.produced
    net = (made - economy.inputs).tocsr()[produced]
    primary = economy.primary
    limited = primary[np.isfinite(economy.available[primary])]
    by_product = economy.inputs.tocsr()
    labour = by_product[economy.products.is_labour()].sum(axis=0)
    tiers = np.unique(needs.priorities)
    row_of = np.full(n_products, -1)
    row_of[produced] = np.arange(len(produced))
    demand = np.zeros((len(tiers), len(produced)))
    np.add.at(demand, (np.searchsorted(tiers, needs.priorities), row_of[needs.products]),
              needs.quantities)
    return PlanningProblem(economy, produced, net, limited, by_product[limited],
                           economy.available[limited], techniques.capacities,
                           np.asarray(labour).ravel(), tiers, demand)


def fulfilment_of(problem: PlanningProblem, activity: np.ndarray) -> np.ndarray:
    """SPEC's lambda of a given plan: tier by tier, the largest value in [0, 1] for which the
    net output meets the needs of that tier and all before it, the earlier lambdas fixed.

    A product falling short of what earlier tiers (or, for products nobody needs, zero) ask by
    more than the tolerance leaves every later tier at 0.
    """
    net, flows = problem.net @ activity, abs(problem.net) @ activity
    fulfilment = np.zeros(len(problem.tiers))
    for k, tier_demand in enumerate(problem.demand):
        required = problem.required(fulfilment)
        spare = net - required
        if np.any(spare < -TOLERANCE * np.maximum(flows, required) - ROUNDING):
            break
        wanted = tier_demand > 0
        ratios = spare[wanted] / tier_demand[wanted]
        fulfilment[k] = float(np.clip(ratios.min(), 0.0, 1.0)) if wanted.any() else 1.0
    return fulfilment


def breaches(problem: PlanningProblem, activity: np.ndarray, fulfilment: np.ndarray,
             tolerance: float = TOLERANCE) -> list[str]:
    """Every constraint the plan breaks by more than ``tolerance`` relative, in words."""
    found: list[str] = []
    if np.any(activity < 0):
        found.append(f"{int((activity < 0).sum())} techniques run at negative activity")
    over = activity > problem.capacities * (1 + tolerance) + tolerance
    if over.any():
        found.append(f"{int(over.sum())} techniques run above their capacity")
    used = problem.use @ activity
    exceeded = used > problem.available * (1 + tolerance) + tolerance
    if exceeded.any():
        found.append(f"{int(exceeded.sum())} labour or resource limits are exceeded")
    net, required = problem.net @ activity, problem.required(fulfilment)
    short = net < required - tolerance * np.maximum(abs(problem.net) @ activity, required) - ROUNDING
    if short.any():
        found.append(f"{int(short.sum())} products fall short of their needs")
    return found

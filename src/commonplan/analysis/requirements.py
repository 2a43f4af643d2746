"""Gross requirements (SPEC section 2): the activity that delivers a final demand exactly.

Each product is made by the technique that attains its labour value; the gross output z
solves (I - A_c) z = y, and activity x_t = z_p / yield_t.  Capacities and availabilities do
not limit the result; where they are exceeded, ``warnings`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonplan.analysis.values import LabourValues, labour_values
from commonplan.economy.choice import technique_system
from commonplan.economy.leontief import leontief_solve
from commonplan.economy.model import Economy, Kind

LISTED = 20  # warnings of one sort listed one by one at most
SLACK = 1e-9


@dataclass(frozen=True, eq=False)
class Requirements:
    """Activity per technique, gross output per produced product, use per primary product
    (``economy.primary``), and the hours of all kinds of labour in that use."""

    activity: np.ndarray
    gross_output: np.ndarray
    use: np.ndarray
    labour_hours: float
    residual: float
    warnings: list[str]


def gross_requirements(economy: Economy, demand: np.ndarray | None = None, *,
                       values: LabourValues | None = None) -> Requirements:
    """What must be produced to deliver ``demand`` (per product; default all needs) exactly."""
    system = technique_system(economy)
    values = values if values is not None else labour_values(economy)
    if demand is None:
        demand = economy.needs.total(len(economy.products))
    choice = np.full(len(economy.products), system.none)
    choice[values.products] = values.techniques
    # Over all products: a primary product's row sums what the chosen techniques use of it.
    solution = leontief_solve(system.chosen(choice), demand, transpose=True)
    output = np.maximum(solution.x, 0.0)
    activity = np.zeros(len(economy.techniques))
    activity[values.techniques] = output[values.products] / economy.techniques.yields[
        values.techniques]
    use = output[economy.primary]
    hours = float(output[economy.products.is_labour()].sum())
    warnings = requirement_warnings(economy, activity, use)
    return Requirements(activity, output[values.products], use, hours, solution.residual,
                        warnings)


def requirement_warnings(economy: Economy, activity: np.ndarray, use: np.ndarray) -> list[str]:
    """The warnings of requirements with this ``activity`` per technique and ``use`` per primary
    product: each capacity and availability exceeded (the first LISTED of each sort by name)."""
    return _over_capacity(economy, activity) + _over_availability(economy, use)


def _over_capacity(economy: Economy, activity: np.ndarray) -> list[str]:
    capacities = economy.techniques.capacities
    over = np.flatnonzero(activity > capacities * (1 + SLACK))
    ids = economy.techniques.ids
    warnings = [f"technique {ids[int(t)].as_py()!r} would run at {activity[t]:.6g}, above its "
                f"capacity of {capacities[t]:.6g}" for t in over[:LISTED]]
    if len(over) > LISTED:
        warnings.append(f"{len(over) - LISTED} more techniques would run above their capacity")
    return warnings


def _over_availability(economy: Economy, use: np.ndarray) -> list[str]:
    products = economy.primary
    available = economy.available[products]
    over = np.flatnonzero(use > available * (1 + SLACK))
    return [f"{Kind(economy.products.kinds[products[k]]).label} "
            f"{economy.products.ids[int(products[k])].as_py()!r}: {use[k]:.6g} needed, above the "
            f"{available[k]:.6g} available" for k in over]

"""Is the economy productive, and if not, which products are at fault?

Some choice c of one technique per product has spectral radius rho(A_c) < 1 exactly when there
are prices u > 0 at which every product has a technique costing less than the product itself:
min_t (u . a_t) < u_p for all p (Collatz-Wielandt; the cheapest technique at u is then such a
choice).  We look for such u by power iteration on the min-cost map T(u)_p = min_t u . a_t;
near a spectral radius of 1, where that is slow, by solving u = 1 + A_c u for the cheapest
choice c found (a solution u > 0 is a certificate).
When none turns up, the economy is split into strongly connected groups of products (through
the inputs of all their techniques); a group is at fault when T, restricted to it, has
T(u) >= u for some u > 0: whatever techniques are chosen, its products consume, directly or
round a loop, at least as much of themselves as they make.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from commonplan.economy.choice import TechniqueSystem, technique_system
from commonplan.economy.leontief import SolveError, leontief_solve
from commonplan.economy.model import Economy
from commonplan.economy.problems import Problem

MARGIN = 1e-12
GUIDE_FLOOR = 1e-6  # activity cost added to labour, relative to the mean, in the guided search
NAMED = 20  # products named in one message at most


@dataclass(frozen=True)
class Certificate:
    """A productive choice and the prices ``u > 0`` at which it costs less than it makes.

    ``labour_guided``: the prices approximate labour values (a good start for solving them).
    """

    choice: np.ndarray
    prices: np.ndarray
    labour_guided: bool


_certified: weakref.WeakKeyDictionary[TechniqueSystem, Certificate] = weakref.WeakKeyDictionary()


def productive_choice(system: TechniqueSystem, *, rounds: int = 300) -> Certificate | None:
    """A certified productive choice, or None when none was certified in ``rounds``.

    The certificate is kept with the system, so validation and analysis search only once.
    """
    if system not in _certified:
        certificate = _guided_by_labour(system)
        if certificate is None:
            certified, choice, prices = _power_iteration(system, system.produced, rounds)
            if certified is False:
                return None
            certificate = Certificate(choice, prices, labour_guided=False) if certified else \
                _solved(system, choice)  # near a radius of 1 the iteration is slow: solve
            if certificate is None:
                return None
        _certified[system] = certificate
    return _certified[system]


def _solved(system: TechniqueSystem, choice: np.ndarray) -> Certificate | None:
    """Certify ``choice`` by solving u = 1 + A_c u: a solution u > 0 has u A_c < u."""
    ones = np.zeros(system.activity.shape[1])
    ones[system.produced] = 1.0
    try:
        prices = leontief_solve(system.chosen(choice), ones).x
    except SolveError:
        return None
    produced = system.produced
    inputs_cost = system.per_output(prices)[choice[produced]]
    if np.all(prices[produced] > 0) and np.all(inputs_cost < prices[produced] * (1 - MARGIN)):
        return Certificate(choice, prices, labour_guided=False)
    return None


def _guided_by_labour(system: TechniqueSystem, rounds: int = 40) -> Certificate | None:
    """Certify the choice that is cheapest in labour (plus a little activity): a good start.

    Value iteration u <- min_t (cost_t + u . a_t) from u = 0 with every cost positive; once
    u . a_c < u for the cheapest choice c at u, that choice is certified.
    """
    mean = float(system.labour.mean()) if len(system.labour) else 0.0
    cost = system.labour + GUIDE_FLOOR * max(mean, 1e-3)
    prices = np.zeros(system.activity.shape[1])
    produced = system.produced
    for _ in range(rounds):
        inputs_cost = system.per_output(prices)
        least, choice = system.cheapest(cost + inputs_cost)
        if np.all(inputs_cost[choice[produced]] < prices[produced] * (1 - MARGIN)):
            return Certificate(choice, prices, labour_guided=True)
        if not np.all(np.isfinite(least)):
            return None
        prices = least
    return None


def _power_iteration(system: TechniqueSystem, members: np.ndarray, rounds: int
                     ) -> tuple[bool | None, np.ndarray, np.ndarray]:
    """Damped power iteration on the min-cost map restricted to ``members`` (prices zero
    elsewhere): True with a certified choice, False when T(u) >= u, None if undecided."""
    prices = np.zeros(system.activity.shape[1])
    prices[members] = 1.0
    choice = np.zeros(0, np.int64)
    for _ in range(rounds):
        least, choice = system.cheapest(system.per_output(prices))
        inside, now = least[members], prices[members]
        if np.all(inside < now * (1 - MARGIN)):
            return True, choice, prices
        if np.all(inside >= now * (1 - MARGIN)):
            return False, choice, prices
        inside = (now + inside) / 2
        prices[members] = np.maximum(inside / inside.max(), 1e-300)
    return None, choice, prices


def groups_at_fault(system: TechniqueSystem, *, rounds: int = 20_000) -> list[np.ndarray]:
    """The strongly connected groups of produced products that no choice makes productive."""
    n = system.activity.shape[1]
    links = system.activity[: system.none].tocoo()
    makers = system.outputs[links.row]
    graph = sp.csr_array((np.ones(links.nnz), (makers, links.col)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    self_loop = np.bincount(labels[makers[makers == links.col]], minlength=count) > 0
    cyclic = np.flatnonzero((np.bincount(labels, minlength=count) > 1) | self_loop)
    rounds = max(100, min(rounds, 10**9 // max(links.nnz, 1)))
    faulty = []
    for group in cyclic:
        members = np.flatnonzero(labels == group)
        certified, _choice, _prices = _power_iteration(system, members, rounds)
        if certified is False:
            faulty.append(members)
    return faulty


def unproductive_problems(economy: Economy, products_file: str) -> list[Problem]:
    """Problems naming the groups of products that make the economy unproductive (none if it is)."""
    system = technique_system(economy)
    if len(system.produced) == 0 or productive_choice(system) is not None:
        return []
    problems = []
    for products in groups_at_fault(system):
        ids = [economy.products.ids[int(p)].as_py() for p in products[:NAMED]]
        more = f" and {len(products) - NAMED} more" if len(products) > NAMED else ""
        problems.append(Problem(products_file, "the economy is not productive: the techniques of "
                                f"{', '.join(map(repr, ids))}{more} consume, directly or round a "
                                "loop, at least as much of these products as they make",
                                int(products[0]) + 2, "id"))
    return problems or [Problem(products_file, "the economy could not be shown productive: its "
                                "input loops make nearly exactly as much as they consume")]

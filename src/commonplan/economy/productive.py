"""Is the economy productive, and if not, which products are at fault?

Some choice c of one technique per product has spectral radius rho(A_c) < 1 exactly when there
are prices u > 0 at which every product has a technique costing less than the product itself:
min_t (u . a_t) < u_p for all p (Collatz-Wielandt; the cheapest technique at u is then such a
choice).  We look for such u by power iteration on the min-cost map T(u)_p = min_t u . a_t.
When none turns up, the economy is split into strongly connected groups of products (through
the inputs of all their techniques); a group is at fault when T, restricted to it, has
T(u) >= u for some u > 0: whatever techniques are chosen, its products consume, directly or
round a loop, at least as much of themselves as they make.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from commonplan.economy.choice import TechniqueSystem, technique_system
from commonplan.economy.model import Economy
from commonplan.economy.problems import Problem

MARGIN = 1e-12
NAMED = 20  # products named in one message at most


_certified: weakref.WeakKeyDictionary[TechniqueSystem, np.ndarray] = weakref.WeakKeyDictionary()


def productive_choice(system: TechniqueSystem, *, rounds: int = 300) -> np.ndarray | None:
    """A choice with spectral radius below 1, or None when none was certified in ``rounds``.

    The choice found is kept with the system, so validation and analysis search only once.
    """
    if system in _certified:
        return _certified[system]
    prices = np.ones(len(system.produced))
    for _ in range(rounds):
        least, choice = system.cheapest(system.coefficients @ prices)
        if np.all(least < prices * (1 - MARGIN)):
            _certified[system] = choice
            return choice
        prices = _step(prices, least)
    return None


def _step(prices: np.ndarray, least: np.ndarray) -> np.ndarray:
    """One damped power-iteration step, kept positive and normalised."""
    prices = (prices + least) / 2
    return np.maximum(prices / prices.max(), 1e-300)


def groups_at_fault(system: TechniqueSystem, *, rounds: int = 20_000) -> list[np.ndarray]:
    """The strongly connected groups of produced products (slots) that no choice makes productive."""
    n = len(system.produced)
    links = system.coefficients.tocoo()
    graph = sp.csr_array((np.ones(links.nnz), (system.output_slot[links.row], links.col)),
                         shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    self_loop = np.zeros(n, bool)
    self_loop[system.output_slot[links.row][system.output_slot[links.row] == links.col]] = True
    sizes = np.bincount(labels, minlength=count)
    cyclic = np.flatnonzero((sizes > 1) | np.bincount(labels, self_loop, count).astype(bool))
    return [members for group in cyclic
            if not _group_productive(system, members := np.flatnonzero(labels == group), rounds)]


def _group_productive(system: TechniqueSystem, members: np.ndarray, rounds: int) -> bool:
    """Power iteration on T restricted to one irreducible group; decides by a certificate."""
    inside = np.zeros(len(system.produced), bool)
    inside[members] = True
    techniques = np.flatnonzero(inside[system.output_slot])
    local = np.full(len(system.produced), -1)
    local[members] = np.arange(len(members))
    rows = system.coefficients[techniques][:, members]
    sub = _subsystem(system, techniques, local[system.output_slot[techniques]], rows, len(members))
    prices = np.ones(len(members))
    for _ in range(rounds):
        least, _choice = sub.cheapest(sub.coefficients @ prices)
        if np.all(least < prices * (1 - MARGIN)):
            return True
        if np.all(least >= prices * (1 - MARGIN)):
            return False
        prices = _step(prices, least)
    return bool(np.max(least / prices) < 1)


def _subsystem(system: TechniqueSystem, techniques: np.ndarray, slots: np.ndarray,
               rows: sp.csr_array, width: int) -> TechniqueSystem:
    by_output = np.argsort(slots, kind="stable")
    return TechniqueSystem(system.produced[:width], system.primary_products, slots, rows,
                           system.primary[techniques], by_output,
                           np.searchsorted(slots[by_output], np.arange(width)))


def unproductive_problems(economy: Economy, products_file: str) -> list[Problem]:
    """Problems naming the groups of products that make the economy unproductive (none if it is)."""
    system = technique_system(economy)
    if len(system.produced) == 0 or productive_choice(system) is not None:
        return []
    problems = []
    for group in groups_at_fault(system):
        products = system.produced[group]
        ids = [economy.products.ids[int(p)].as_py() for p in products[:NAMED]]
        more = f" and {len(products) - NAMED} more" if len(products) > NAMED else ""
        problems.append(Problem(products_file, "the economy is not productive: the techniques of "
                                f"{', '.join(map(repr, ids))}{more} consume, directly or round a "
                                "loop, at least as much of these products as they make",
                                int(products[0]) + 2, "id"))
    return problems

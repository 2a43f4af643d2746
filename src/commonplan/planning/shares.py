"""Plans within the shares of work the people voted (democracy.shares): each part of the
economy (consumption, investment, public services, economy.model.Part) may claim at most its
share of the labour force for its needs.

A need is valued at its labour value v_p (analysis.values: the hours a unit takes, directly
and through all its inputs, by the techniques that take fewest): tier k's needs of part P
claim c[P, k] = sum over its rows of v_p D_p hours when met in full, of part P's budget
B_P = share_P * L, L the labour force (the availability of every kind of labour). The tiers
are met in order, so part P's needs of tier k may be met at most to

    ceiling[P, k] = min(1, (B_P - sum_{j<k} met[P, j] c[P, j]) / c[P, k])

given how far its needs of the tiers before were met (met[P, j]). Each part spends its own
budget: consumption's share does not hold back investment's needs, nor the other way round.

The plan is the ordinary plan (planning.make_plan, any method) of the needs in layers, so
every limit, resource and capacity of the economy still holds: tier k becomes a priority for
every part up to the lowest ceiling c1 among its parts (each row scaled by c1), then one for
the parts with room left from c1 to the next ceiling c2 (rows scaled by c2 - c1), and so on.
The layers are met in order, as far as they can be, so a part held back by its share never
holds back another (water filling): part P's needs of tier k are met at met[P, k], the sum of
its layers' fulfilments times their heights, and the voted tier as a whole (SPEC's lambda) at
the least of these over the parts that need something in it. When a tier falls short of its
ceilings for another reason (the labour force, a resource, a capacity), its parts claim less
than assumed and the ceilings after it rise: they are computed again from the fulfilments
found and the plan solved again, at most once per tier (a tier's lambda depends only on the
ceilings up to it).

Valuing needs at labour values is exact where every product has one technique and no
capacity binds (the hours the plan spends on a part are then v . what it delivers to the
part); elsewhere it is the accounting by which the parts' claims are compared, as the shares
themselves are fractions of the labour force. docs/planning.md works an example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from commonplan.economy.model import Economy, Needs, Part
from commonplan.errors import InputError
from commonplan.planning.plan import Plan, Progress, finish_plan
from commonplan.planning.problem import planning_problem

RISE = 1e-9  # a ceiling (a fraction) rising by less than this is rounding, not worth a new solve


@dataclass(frozen=True, eq=False)
class SharedPlan:
    """A plan within the voted shares: ``plan`` (its fulfilment is of the voted needs), each
    part's ``shares`` and ``budgets`` (hours), ``claims[P, k]`` (hours part P's needs of tier
    k take when met in full), ``met[P, k]`` (how far they are met) and the number of
    ``solves`` it took."""

    plan: Plan
    shares: npt.NDArray[np.float64]
    budgets: npt.NDArray[np.float64]
    claims: npt.NDArray[np.float64]
    met: npt.NDArray[np.float64]
    solves: int

    @property
    def claimed(self) -> npt.NDArray[np.float64]:
        """Hours of each part's budget the plan claims."""
        claimed: npt.NDArray[np.float64] = (self.claims * self.met).sum(axis=1)
        return claimed

    @property
    def limiting(self) -> list[Part]:
        """The parts whose share is used up while some of their needs are unmet."""
        unmet = (self.claims * (1 - self.met)).sum(axis=1) > 0
        used_up = self.claimed >= self.budgets * (1 - 1e-7)
        return [Part(int(p)) for p in np.flatnonzero(used_up & unmet)]


def labour_force(economy: Economy) -> float:
    """Hours of every kind of labour the economy has; InputError when one has no limit."""
    labour = np.flatnonzero(economy.products.is_labour())
    unlimited = labour[~np.isfinite(economy.available[labour])]
    if len(unlimited):
        names = ", ".join(economy.products.ids.take(unlimited[:5]).to_pylist())
        raise InputError(f"shares of work need a labour force, but the bundle's resources give "
                         f"no availability for the labour {names}")
    return float(economy.available[labour].sum())


def claims_of(economy: Economy, needs: Needs, tiers: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Hours each part's needs of each tier take when met in full (labour values)."""
    from commonplan.analysis.values import labour_values

    found = labour_values(economy)
    hours = np.zeros(len(economy.products))
    hours[found.products] = found.hours
    claims = np.zeros((len(Part), len(tiers)))
    np.add.at(claims, (needs.part_of_rows(), np.searchsorted(tiers, needs.priorities)),
              needs.quantities * hours[needs.products])
    return claims


def ceilings_of(claims: npt.NDArray[np.float64], budgets: npt.NDArray[np.float64],
                met: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
    """How far each part's needs of each tier may be met within its budget (parts x tiers),
    the tiers before met as ``met`` says (default: each to its ceiling, as the first solve
    assumes)."""
    ceilings = np.ones_like(claims)
    spent = np.zeros(len(budgets))
    for k in range(claims.shape[1]):
        asks = claims[:, k] > 0
        room = np.maximum(budgets[asks] - spent[asks], 0.0)
        ceilings[asks, k] = np.minimum(1.0, room / claims[asks, k])
        spent += (ceilings[:, k] if met is None else met[:, k]) * claims[:, k]
    return ceilings


@dataclass(frozen=True, eq=False)
class Layers:
    """The needs in layers (:func:`layered`): ``needs`` whose priority j is ``steps[j - 1]``,
    the tier it belongs to and the levels (fractions of the tier's needs) it goes from and to."""

    needs: Needs
    steps: list[tuple[int, float, float]]


def layered(needs: Needs, tiers: npt.NDArray[np.int64], ceilings: npt.NDArray[np.float64]) -> Layers:
    """The needs in layers: in tier k, first every part up to the lowest ceiling among them,
    then the parts with room left up to the next, and so on, each step a priority of its own,
    so a part held back by its share never holds back another (module docstring)."""
    parts, tier_of = needs.part_of_rows(), np.searchsorted(tiers, needs.priorities)
    steps: list[tuple[int, float, float]] = []
    products, quantities = [needs.products[:0]], [needs.quantities[:0]]
    priorities = [needs.priorities[:0]]
    for k in range(len(tiers)):
        rows = np.flatnonzero(tier_of == k)
        ceiling = ceilings[parts[rows], k]
        low = 0.0
        for high in np.unique(ceiling[ceiling > 0]).tolist():
            reach = rows[ceiling >= high]
            steps.append((k, low, high))
            products.append(needs.products[reach])
            quantities.append(needs.quantities[reach] * (high - low))
            priorities.append(np.full(len(reach), len(steps), np.int64))
            low = high
    return Layers(Needs(np.concatenate(products).astype(np.int64), np.concatenate(quantities),
                        np.concatenate(priorities)), steps)


def met_of(layers: Layers, ceilings: npt.NDArray[np.float64], fulfilment: npt.NDArray[np.float64],
           solved: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """How far each part's needs of each tier are met, from the layered plan's ``fulfilment``
    of its priorities ``solved``."""
    reached = dict(zip(solved.tolist(), fulfilment.tolist(), strict=True))
    met = np.zeros_like(ceilings)
    for priority, (k, low, high) in enumerate(layers.steps, 1):
        met[:, k] += np.where(ceilings[:, k] >= high, reached.get(priority, 1.0) * (high - low), 0.0)
    return met


def plan_within_shares(economy: Economy, needs: Needs, shares: Sequence[float], *,
                       method: str = "lp", progress: Progress | None = None) -> SharedPlan:
    """The plan of ``needs`` by ``method`` with each part's claim within its share (one per
    :class:`Part`, in its order) of the labour force (module docstring)."""
    from commonplan.planning import make_plan, method_named

    share = np.asarray(shares, float)
    if share.shape != (len(Part),) or np.any(share < 0) or not np.isclose(share.sum(), 1.0):
        raise InputError(f"shares: one share per part ({', '.join(p.label for p in Part)}), "
                         f"each >= 0 and summing to 1, not {list(shares)}")
    budgets = share * labour_force(economy)
    tiers = np.unique(needs.priorities)
    claims = claims_of(economy, needs, tiers)
    ceilings = ceilings_of(claims, budgets)
    for solves in range(1, len(tiers) + 2):
        layers = layered(needs, tiers, ceilings)
        found = make_plan(economy, layers.needs, method, progress)
        met = met_of(layers, ceilings, found.fulfilment, found.tiers)
        risen = ceilings_of(claims, budgets, met)
        if np.all(risen <= ceilings + RISE) or solves > len(tiers):
            break
        ceilings = np.maximum(ceilings, risen)
    plan = finish_plan(planning_problem(economy, needs), found.activity, _tier_fulfilment(needs, tiers, met),
                       exact=method_named(method).exact, solver_status=found.solver_status,
                       shadow_prices=found.shadow_prices, capacity_prices=found.capacity_prices,
                       warnings=found.warnings)
    return SharedPlan(plan, share, budgets, claims, met, solves)


def _tier_fulfilment(needs: Needs, tiers: npt.NDArray[np.int64],
                     met: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """SPEC's lambda of each voted tier: the least ``met`` of the parts needing something in it."""
    present = np.zeros(met.shape, bool)
    wanted = needs.quantities > 0
    present[needs.part_of_rows()[wanted], np.searchsorted(tiers, needs.priorities[wanted])] = True
    fulfilment: npt.NDArray[np.float64] = np.where(present, met, np.inf).min(axis=0, initial=np.inf)
    return np.where(np.isfinite(fulfilment), fulfilment, 1.0)

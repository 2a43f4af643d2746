"""Consequences of a shortfall: what a workplace's forecast shortfall puts at risk downstream,
through the adopted plan's input-output structure, down to the final deliveries of every needs
tier; and the rank of alerts by those consequences.

**Method: Leontief rationing without substitution** (within a period a technique's inputs are
complements: it runs at the fraction of its scarcest input). Let x be the plan's activity, the
techniques' planned output ``s_t = yield_t x_t``, ``U_p`` the planned use of product p (what
the running techniques consume of it, ``(B x)_p``, plus its final deliveries in all tiers) and
``S_p = sum of s_t over the techniques making p`` its planned supply. A shortfall caps some
techniques at a fraction ``c_t`` of their planned activity (1 elsewhere). Then, for the run
fractions r (r = c to start):

- ``a_p = min(1, S_p(r) / min(U_p, S_p))`` with ``S_p(r) = sum s_t r_t``: every user of p
  (technique or final delivery) gets the same share a_p of what it planned (proportional
  rationing; a surplus in the plan absorbs a shortfall before anybody is short; labour and
  resources are not rationed here, a_p = 1);
- ``r_t = min(c_t, min over the produced inputs p of t of a_p)``.

The map is monotone (a smaller r gives a smaller a gives a smaller r), so the iteration from c
decreases to its greatest fixpoint; it stops when no fraction moves by more than
:data:`TOLERANCE` (at most :data:`MAX_ROUNDS` rounds). Each round is a wave: the techniques
using a product whose share fell in the round before take the minimum of their inputs' shares
(a segmented ``np.minimum.reduceat`` over their columns), and the products they make update
their supply; no loop over products in Python, and a shortfall costs what it reaches.

**What is at risk**: each tier's final deliveries of p fall by the same share, ``(1 - a_p)
d_{p,k}``; summed over products in **hours of labour** at the plan's own labour values
(:func:`plan_hours`: v = l + A^T v for the plan's mix of techniques, direct and indirect hours
per unit, so quantities of different products add up). The **workplaces hit** are the producers
of the techniques that run below plan (r_t < 1), with their output lost in hours.

**Rank** (:func:`rank_key`): an alert putting an earlier-voted tier at risk (more than
:data:`NEGLIGIBLE` of that tier's deliveries, in hours) ranks above any alert that does not;
among those risking the same earliest tier, the more hours at risk in it first, then the next
tier's hours, and so on. The size of the deviation itself enters only through what it puts at
risk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc
import scipy.sparse as sp

from commonplan.economy.leontief import SolveError, leontief_solve
from commonplan.economy.model import Economy, Kind, Needs

TOLERANCE = 1e-10  # a fall of a fraction below this is not passed on (the fixpoint exact to ~1e-10)
MAX_ROUNDS = 1000  # rounds of the fixpoint at most (a chain of rationing this long is not met)
NEGLIGIBLE = 1e-9  # a tier's hours at risk below this share of its deliveries count as none
WIDE = 8  # a wave reaching more than 1/WIDE of the products sweeps every technique at once
SHOWN = 10  # products and workplaces listed by a consequence (the largest), the rest counted

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Structure:
    """The adopted plan's input-output structure, as the rationing reads it (:func:`structure`)."""

    uses: sp.csc_array  # products x techniques: what each running technique uses at plan (B diag(x))
    users: sp.csr_array  # the same by product: the techniques using each
    outputs: npt.NDArray[np.int64]  # each technique's product
    made: Floats  # each technique's planned output, yield_t x_t
    covered: Floats  # per product, the planned use that the planned supply covers: min(U_p, S_p)
    deliveries: sp.csr_array  # products x tiers: final deliveries of each tier in the plan
    tiers: tuple[int, ...]  # the tiers' priority numbers, earliest first
    hours: Floats  # per product, hours of labour per unit in the plan (direct and indirect)
    producers: npt.NDArray[np.int64]  # each technique's producer, as a position in ``names``
    names: tuple[str, ...]  # the producers' names ("" for a technique naming none)

    @property
    def tier_hours(self) -> Floats:
        """Each tier's final deliveries in hours."""
        hours: Floats = self.deliveries.T @ self.hours
        return hours


@dataclass(frozen=True)
class Rationed:
    """The fixpoint: each technique's run fraction and each product's share of what its users
    planned, after how many rounds."""

    run: Floats
    share: Floats
    rounds: int


@dataclass(frozen=True)
class AtRisk:
    """A product's final deliveries at risk in one tier: quantity (the product's unit) and hours."""

    product: int
    quantity: float
    hours: float


@dataclass(frozen=True)
class TierRisk:
    """What one tier stands to lose: its priority, its deliveries and the part at risk in
    hours, the products at risk (the :data:`SHOWN` largest by hours) and how many in all."""

    priority: int
    delivered_hours: float
    hours: float
    products: tuple[AtRisk, ...]
    count: int


@dataclass(frozen=True)
class Hit:
    """A workplace that cannot run to plan: the lowest fraction of plan it runs at and its output
    lost, in hours."""

    producer: str
    fraction: float
    hours: float


@dataclass(frozen=True)
class Consequence:
    """What a shortfall puts at risk: each tier's loss (earliest first), the workplaces hit (the
    :data:`SHOWN` largest by hours lost) and how many in all, the products short and the
    fixpoint's rounds."""

    tiers: tuple[TierRisk, ...]
    workplaces: tuple[Hit, ...]
    workplaces_hit: int
    products_short: int
    rounds: int

    @property
    def at_risk(self) -> bool:
        return any(tier.hours > 0 for tier in self.tiers)

    @property
    def hours(self) -> float:
        """All tiers' hours at risk together."""
        return float(sum(tier.hours for tier in self.tiers))

    @property
    def first_tier(self) -> int | None:
        """The earliest tier put at risk (None: none is)."""
        return next((tier.priority for tier in self.tiers if tier.hours > 0), None)


def deliveries_by_tier(needs: Needs, fulfilment: Mapping[int, float],
                       n_products: int) -> tuple[sp.csr_array, tuple[int, ...]]:
    """The plan's final deliveries, products x tiers: each tier k's needs N_{p,k} times its
    fulfilment lambda_k (SPEC 2; a tier the plan does not name is taken as unmet, 0)."""
    tiers = tuple(int(tier) for tier in np.unique(needs.priorities))
    column = np.searchsorted(np.array(tiers, np.int64), needs.priorities)
    scale = np.array([min(max(float(fulfilment.get(tier, 0.0)), 0.0), 1.0) for tier in tiers])
    matrix = sp.csr_array((needs.quantities * scale[column] if len(tiers) else needs.quantities,
                           (needs.products, column)), shape=(n_products, len(tiers)))
    matrix.sum_duplicates()
    return matrix, tiers


def structure(economy: Economy, activity: Floats, deliveries: sp.csr_array,
              tiers: Sequence[int]) -> Structure:
    """The structure of the plan of ``activity`` (one value per technique) with final
    ``deliveries`` (products x ``tiers``, :func:`deliveries_by_tier`); a ValueError when they do
    not fit the economy."""
    n, m = len(economy.products), len(economy.techniques)
    if activity.shape != (m,) or not np.all(np.isfinite(activity)):
        raise ValueError(f"activity must hold {m} finite numbers, one per technique")
    if deliveries.shape != (n, len(tiers)):
        raise ValueError(f"deliveries must be {n} products by {len(tiers)} tiers")
    x = np.maximum(activity, 0.0)
    produced = economy.products.kinds < Kind.LABOUR
    uses = sp.csc_array(sp.diags_array(produced.astype(float)) @ economy.inputs @ sp.diags_array(x))
    uses.eliminate_zeros()
    uses.sort_indices()
    outputs = np.asarray(economy.techniques.outputs, np.int64)
    made = economy.techniques.yields * x
    supply = np.bincount(outputs, weights=made, minlength=n)
    planned_use = uses.sum(axis=1) + np.asarray(deliveries.sum(axis=1)).ravel()
    names, codes = _producers(economy)
    return Structure(uses, sp.csr_array(uses), outputs, made, np.minimum(planned_use, supply),
                     sp.csr_array(deliveries), tuple(int(tier) for tier in tiers), plan_hours(economy, x),
                     codes, names)


def plan_hours(economy: Economy, activity: Floats) -> Floats:
    """Hours of labour (every kind, hour for hour) per unit of each product in the plan of
    ``activity``, direct and indirect: v = l + A^T v, where product p's column of A and l is the
    plan's mix of its techniques (each weighted by its share of p's planned output); 0 for a
    product the plan makes none of, and for labour and resources themselves."""
    n = len(economy.products)
    outputs = np.asarray(economy.techniques.outputs, np.int64)
    made = economy.techniques.yields * np.maximum(activity, 0.0)
    supply = np.bincount(outputs, weights=made, minlength=n)
    running = np.flatnonzero(made > 0)
    if not len(running):
        return np.zeros(n)
    # per unit of its product, technique t weighs x_t / S_p: its inputs per unit of p's supply
    weight = sp.csr_array((np.maximum(activity, 0.0)[running] / supply[outputs[running]],
                           (running, outputs[running])), shape=(len(economy.techniques), n))
    per_unit = sp.csr_array(economy.inputs @ weight)  # products x products: A and the labour rows
    labour = economy.products.kinds == Kind.LABOUR
    produced = (economy.products.kinds < Kind.LABOUR).astype(float)
    direct = np.asarray(per_unit.T @ labour.astype(float)).ravel()
    mix = sp.csr_array(sp.diags_array(produced) @ per_unit)
    try:
        values = leontief_solve(mix, direct, transpose=True).x
    except SolveError:
        raise ValueError("the plan's mix of techniques is not productive: no labour values") from None
    hours: Floats = np.where(supply > 0, np.maximum(values, 0.0), 0.0)
    return hours


def ration(plan: Structure, cap: Floats) -> Rationed:
    """The greatest fixpoint of Leontief rationing (module doc) when each technique may run at
    most at ``cap`` (a fraction of its planned activity, 1 where nothing is short).

    Worked in waves: each round looks only at the techniques using a product whose share fell
    in the round before, and at the products they make, so a shortfall costs what it reaches
    (the same fixpoint as rounds over the whole economy, which the tests check)."""
    n = plan.uses.shape[0]
    run = np.clip(np.asarray(cap, float), 0.0, 1.0)
    supply = np.bincount(plan.outputs, weights=plan.made * run, minlength=n)
    share = np.ones(n)
    short = plan.covered > 0
    share[short] = np.minimum(1.0, supply[short] / plan.covered[short])
    changed = np.flatnonzero(share < 1.0 - TOLERANCE)
    users, uses, m = plan.users, plan.uses, len(plan.outputs)
    columns = np.flatnonzero(np.diff(uses.indptr) > 0)  # the techniques using a produced input
    rounds = 0
    while len(changed) and rounds < MAX_ROUNDS:
        rounds += 1
        techniques = columns
        if len(changed) <= n // WIDE:
            reached = np.zeros(m, bool)
            reached[users.indices[_ragged(users.indptr, changed)]] = True
            techniques = np.flatnonzero(reached)
        if len(techniques) > len(columns) // 4:  # a wave over much of the economy: every column at once
            techniques = columns
            scarcest = np.minimum.reduceat(share[uses.indices], uses.indptr[columns])
        else:
            spans = _ragged(uses.indptr, techniques)
            lengths = uses.indptr[techniques + 1] - uses.indptr[techniques]
            scarcest = np.minimum.reduceat(share[uses.indices[spans]], np.cumsum(lengths) - lengths)
        moved = run[techniques] - np.minimum(run[techniques], scarcest)
        fell = moved > TOLERANCE
        techniques, moved = techniques[fell], moved[fell]
        if not len(techniques):
            break
        run[techniques] -= moved
        lost = np.bincount(plan.outputs[techniques], weights=plan.made[techniques] * moved, minlength=n)
        products = np.flatnonzero(lost)
        supply[products] -= lost[products]
        covered = plan.covered[products]
        new = np.ones(len(products))
        some = covered > 0
        new[some] = np.minimum(1.0, supply[products[some]] / covered[some])
        changed = products[share[products] - new > TOLERANCE]
        share[products] = np.minimum(share[products], new)
    return Rationed(run, share, rounds)


def _ragged(indptr: npt.NDArray[np.int32] | npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
            ) -> npt.NDArray[np.int64]:
    """The positions of the stored entries of ``rows`` of a compressed matrix, row after row."""
    starts, lengths = indptr[rows], indptr[rows + 1] - indptr[rows]
    offsets = np.cumsum(lengths) - lengths
    positions: npt.NDArray[np.int64] = (np.repeat(starts - offsets, lengths)
                                        + np.arange(int(lengths.sum()), dtype=np.int64))
    return positions


def consequence(plan: Structure, cap: Floats) -> Consequence:
    """What capping the techniques at ``cap`` puts at risk (module doc)."""
    rationed = ration(plan, cap)
    lost = np.maximum(1.0 - rationed.share, 0.0)
    lost[lost <= TOLERANCE] = 0.0
    tier_hours = plan.tier_hours
    tiers = []
    risked = sp.csr_array(sp.diags_array(lost) @ plan.deliveries)  # products x tiers, quantities
    risked.eliminate_zeros()
    by_column = sp.csc_array(risked)
    for k, priority in enumerate(plan.tiers):
        start, end = by_column.indptr[k], by_column.indptr[k + 1]
        rows, quantities = by_column.indices[start:end], by_column.data[start:end]
        hours = quantities * plan.hours[rows]
        total = float(hours.sum())
        if total <= NEGLIGIBLE * float(tier_hours[k]):
            total = 0.0
        top = np.argsort(-hours, kind="stable")[:SHOWN] if total > 0 else np.zeros(0, np.int64)
        tiers.append(TierRisk(priority, float(tier_hours[k]), total,
                              tuple(AtRisk(int(rows[i]), float(quantities[i]), float(hours[i])) for i in top),
                              len(rows) if total > 0 else 0))
    below = 1.0 - rationed.run > TOLERANCE
    below &= plan.made > 0
    output_lost = plan.made * (1.0 - rationed.run) * plan.hours[plan.outputs]
    by_producer = np.bincount(plan.producers[below], weights=output_lost[below], minlength=len(plan.names))
    lowest = np.ones(len(plan.names))
    np.minimum.at(lowest, plan.producers[below], rationed.run[below])
    hit = np.flatnonzero(lowest < 1.0 - TOLERANCE)
    order = hit[np.lexsort((hit, -by_producer[hit]))][:SHOWN]
    workplaces = tuple(Hit(plan.names[code], float(lowest[code]), float(by_producer[code])) for code in order)
    return Consequence(tuple(tiers), workplaces, len(hit), int(np.count_nonzero(lost)), rationed.rounds)


def shortfall_cap(plan: Structure, producer: str, product: int, fraction: float) -> Floats:
    """The caps of a shortfall of ``producer``'s output of ``product`` to ``fraction`` of plan
    (clipped to [0, 1]): its techniques making that product at ``fraction``, the rest at 1."""
    cap = np.ones(len(plan.outputs))
    if producer in plan.names:
        code = plan.names.index(producer)
        cap[(plan.producers == code) & (plan.outputs == product)] = min(max(fraction, 0.0), 1.0)
    return cap


def rank_key(result: Consequence) -> tuple[float, ...]:
    """The sort key of an alert by its consequence, the gravest first (module doc): the tiers'
    hours at risk negated, earliest tier first."""
    return tuple(-tier.hours for tier in result.tiers)


def _producers(economy: Economy) -> tuple[tuple[str, ...], npt.NDArray[np.int64]]:
    """The distinct producer names (a blank or missing one is "") and each technique's code."""
    producers, count = economy.techniques.producers, len(economy.techniques)
    if producers is None:
        return ("",), np.zeros(count, np.int64)
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(producers.fill_null("")))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return tuple(encoded.dictionary.to_pylist()), codes

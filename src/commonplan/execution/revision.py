"""What the reports teach, and the rest of the period as a planning problem (a rolling horizon).

From the current reports of a round's elapsed periods (a period not reported counts as done as
planned: the revision learns only from what was reported; what is missing is visible elsewhere),
:func:`learn` derives, per workplace (``producer``):

- its **achieved output** of each product, as a ratio to plan per period (``rho``: 1 on plan),
  and so each technique's actual activity: the workplace's output of a product split among its
  techniques making it in proportion to their planned output;
- its **actual coefficients**: for each input it was planned to use (produced inputs, resources,
  labour), a factor ``s`` on the planned coefficients of all its techniques, a credibility-weighted
  mean (Buhlmann credibility): ``s = (used + K) / (expected + K)``, ``used`` what it reported
  using, ``expected`` what its actual activity takes at the planned coefficients, and ``K``
  :data:`PRIOR_PERIODS` periods of planned use counted for the plan. Reports on plan give
  ``s = 1`` exactly; a workplace that made little says little (``s`` stays near 1); the less it
  made with the same inputs, the higher ``s`` (monotone);
- its **capacity for the rest**: the planned capacity scaled to the periods left; when the
  workplace reported a **shortfall** of a product (less than planned to date, relative
  :data:`SHORTFALL`), every technique making it is capped by the best rate it showed in one of
  its last :data:`RECENT_PERIODS` periods, times the periods left (a breakdown that lasts caps
  it; one that has passed, its workplace back on plan, does not);
- the **stocks** on hand (each workplace's latest reported stock of goods), and what was
  **delivered**: output minus what the reporting workplaces used minus what they hold.

:func:`rest_of_period` turns these into the economy and needs of the periods left: the learned
coefficients, the capacities for the rest, each limited resource's availability less what was
used, the stocks as supply (a technique per product held, no inputs, capacity the stock), and
the needs of the rest: each row's share of the periods left plus what the adopted plan should
have delivered to date and did not (less what it delivered beyond), spread over the product's
rows in proportion. Solving it is the planning use case's job (app.variants.plan_variant): there
is no second planner. :func:`fulfilment_of` measures a given net output against tiered needs
(tier by tier, the earlier tiers held), to compare the revision with the adopted plan for the
same periods (:func:`compare`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from commonplan.economy.model import Economy, Kind, Needs, Techniques

PRIOR_PERIODS = 1.0  # periods of planned use the planned coefficients weigh as (credibility)
SHORTFALL = 1e-6  # relative: output below plan to date by more is a shortfall
TOLERANCE = 1e-5  # a tier's fulfilment lower by more than this is lowered (10x the planner's 1e-6)
STOCK_PRODUCER = "stocks on hand"  # the producer of the techniques drawing on stocks
CHANGES_SHOWN = 10  # products whose delivery changes most, in a comparison
ROUNDED = 1e-9  # a best rate below this share of plan is taken as none (the solver drops less)
RECENT_PERIODS = 4  # the latest periods whose best rate caps a workplace short of plan


@dataclass(frozen=True)
class Reported:
    """One workplace's current report of one elapsed period (``period``: 0 for the first), its
    figures by product id."""

    producer: str
    period: int
    outputs: Mapping[str, float] = field(default_factory=dict)
    inputs: Mapping[str, float] = field(default_factory=dict)  # produced inputs and resources
    labour: Mapping[str, float] = field(default_factory=dict)
    stocks: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Learned:
    """What the reports of ``elapsed`` of ``periods`` periods teach about the economy.

    ``coefficients``: the learned input matrix (products x techniques); ``capacities``: each
    technique's capacity for the periods left (inf: unlimited); ``lowered``: techniques whose
    capacity a shortfall capped; ``activity``: each technique's actual activity to date;
    ``available``: what is left of each labour or resource product (inf: unlimited);
    ``delivered``: net output to date per product; ``stocks``: goods held now, per product."""

    periods: int
    elapsed: int
    coefficients: sp.csc_array
    capacities: npt.NDArray[np.float64]
    lowered: npt.NDArray[np.bool_]
    activity: npt.NDArray[np.float64]
    available: npt.NDArray[np.float64]
    delivered: npt.NDArray[np.float64]
    stocks: npt.NDArray[np.float64]
    warnings: tuple[str, ...] = ()

    @property
    def left(self) -> int:
        return self.periods - self.elapsed


def producer_codes(techniques: Techniques) -> tuple[list[str], npt.NDArray[np.int64]]:
    """The distinct producer names (blank or missing: ``""``) and each technique's code."""
    if techniques.producers is None:
        return [""], np.zeros(len(techniques), np.int64)
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(techniques.producers.fill_null("")))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary.to_pylist(), codes


def learn(economy: Economy, activity: npt.NDArray[np.float64], periods: int, elapsed: int,
          reports: Sequence[Reported]) -> Learned:
    """What the current ``reports`` of the first ``elapsed`` of ``periods`` teach about the
    plan of whole-period ``activity`` (module doc); a ValueError when the figures do not fit."""
    techniques, products = economy.techniques, economy.products
    n_t, n_p = len(techniques), len(products)
    if activity.shape != (n_t,) or not np.all(np.isfinite(activity)):
        raise ValueError(f"activity must hold {n_t} finite numbers, one per technique")
    if not 0 <= elapsed < periods:
        raise ValueError(f"elapsed periods {elapsed} must be from 0 to {periods - 1} (some left)")
    x = np.maximum(activity, 0.0)
    names, codes = producer_codes(techniques)
    code_of = {name: code for code, name in enumerate(names)}
    n_c = len(names)
    position = {product: index for index, product in enumerate(products.ids.to_pylist())}
    outputs = techniques.outputs.astype(np.int64)
    made = techniques.yields * x  # whole-period planned output of each technique
    key_of_t = codes * n_p + outputs  # (producer, product) of each technique
    planned_key = _sums(key_of_t, made)  # key -> whole-period planned output

    warnings: list[str] = []
    reported = np.zeros(n_c, np.int64)  # periods each producer reported
    out_lines: dict[int, dict[int, float]] = {}  # key -> period -> output
    used: dict[tuple[int, int], float] = {}  # (product, producer) -> reported use
    stock_at: dict[int, tuple[int, dict[int, float]]] = {}  # producer -> (period, stocks)
    unknown: set[str] = set()
    seen: set[tuple[int, int]] = set()
    for report in reports:
        code = code_of.get(report.producer.strip())
        if code is None or not 0 <= report.period < elapsed or (code, report.period) in seen:
            unknown.add(report.producer)
            continue
        seen.add((code, report.period))
        reported[code] += 1
        for product, quantity in report.outputs.items():
            if product in position:
                per = out_lines.setdefault(code * n_p + position[product], {})
                per[report.period] = per.get(report.period, 0.0) + float(quantity)
        for product, quantity in (*report.inputs.items(), *report.labour.items()):
            if product in position:
                at = (position[product], code)
                used[at] = used.get(at, 0.0) + float(quantity)
        if product_stocks := {position[p]: float(q) for p, q in report.stocks.items() if p in position}:
            if code not in stock_at or stock_at[code][0] < report.period:
                stock_at[code] = (report.period, product_stocks)
        elif code not in stock_at or stock_at[code][0] < report.period:
            stock_at[code] = (report.period, {})
    if unknown:
        warnings.append(f"{len(unknown)} reports were left out (a producer without targets, a period "
                        "not elapsed, or a period given twice)")

    # achieved ratio to plan per (producer, product): the sum over elapsed periods, and the best
    # of the recent periods
    recent_from = max(elapsed - RECENT_PERIODS, 0)
    recent = np.zeros(n_c, np.int64)  # recent periods each producer reported
    for code, period in seen:
        recent[code] += period >= recent_from
    keys = np.array(sorted(planned_key), np.int64)
    planned = np.array([planned_key[k] for k in keys.tolist()])
    unreported = elapsed - reported[keys // n_p] if len(keys) else np.zeros(0, np.int64)
    total_rho = unreported.astype(np.float64)  # an unreported period counts as on plan (1)
    unreported_recent = elapsed - recent_from - recent[keys // n_p] if len(keys) else np.zeros(0, np.int64)
    best_rho = np.where(unreported_recent > 0, 1.0, 0.0)
    for index, key in enumerate(keys.tolist()):
        if planned[index] <= 0:
            continue
        per_period = planned[index] / periods
        for period, value in out_lines.get(key, {}).items():
            rho = value / per_period
            total_rho[index] += rho
            if period >= recent_from:
                best_rho[index] = max(best_rho[index], rho)
        # a reported period without the product made none of it: counted 0 in the sum above
    rho_of_t = np.ones(n_t)
    best_of_t = np.ones(n_t)
    running = x > 0
    if len(keys):
        where = np.searchsorted(keys, key_of_t[running])
        rho_of_t[running] = total_rho[where]
        best_of_t[running] = best_rho[where]
    actual = np.where(running, x / periods * rho_of_t, 0.0)
    short = running & (rho_of_t < elapsed * (1 - SHORTFALL))

    # the learned coefficients: a factor per (input, producer) on the planned coefficients
    inputs = sp.csc_array(economy.inputs)
    place = sp.csr_array((np.ones(n_t), (np.arange(n_t), codes)), shape=(n_t, n_c))
    planned_use = sp.csr_array(inputs @ sp.diags_array(x) @ place)  # whole period, products x producers
    expected = sp.csr_array(inputs @ sp.diags_array(actual) @ place)
    pu = planned_use.tocoo()
    exp_at = _lookup(expected.tocoo(), pu.row * n_c + pu.col, n_c)
    per_period_use = pu.data / periods
    got = np.array([used.get((int(q), int(c)), 0.0) for q, c in zip(pu.row, pu.col, strict=True)]) \
        if len(pu.data) else np.zeros(0)
    unrep = (elapsed - reported[pu.col]) * per_period_use  # unreported periods: used as planned
    prior = PRIOR_PERIODS * per_period_use
    factor = np.where(pu.data > 0, (got + unrep + prior) / np.maximum(exp_at + prior, 1e-300), 1.0)
    factor_keys = pu.row.astype(np.int64) * n_c + pu.col
    order = np.argsort(factor_keys)
    factor_keys, factor = factor_keys[order], factor[order]
    coo = inputs.tocoo()
    scale = _lookup_sorted(factor_keys, factor, coo.row.astype(np.int64) * n_c + codes[coo.col], 1.0)
    learned = sp.csc_array((coo.data * scale, (coo.row, coo.col)), shape=inputs.shape)
    learned.sum_duplicates()
    learned.sort_indices()

    # capacities for the periods left
    left = periods - elapsed
    capacities = np.where(np.isinf(techniques.capacities), np.inf, techniques.capacities * left / periods)
    capped = x / periods * best_of_t * left
    capped = np.where(best_of_t < ROUNDED, 0.0, capped)  # a rate within rounding of none is none
    slowed = short & (best_of_t < 1 - SHORTFALL)  # back on plan lately (within rounding): not capped
    capacities = np.where(slowed, np.minimum(capacities, capped), capacities)

    # what is left of each limited labour or resource product; what was delivered; stocks
    total_used = np.zeros(n_p)
    for (q, _c), quantity in used.items():
        total_used[q] += quantity
    unreported_use = sp.csr_array(planned_use @ sp.diags_array(
        (elapsed - reported).astype(np.float64) / periods)).sum(axis=1)
    total_used += np.asarray(unreported_use).ravel()
    primary = products.kinds >= Kind.LABOUR
    available = np.where(primary & np.isfinite(economy.available),
                         np.maximum(economy.available - total_used, 0.0), economy.available)
    stocks = np.zeros(n_p)
    for _period, held in stock_at.values():
        for p, quantity in held.items():
            if products.kinds[p] == Kind.GOOD:
                stocks[p] += quantity
    output_to_date = np.bincount(outputs, weights=techniques.yields * actual, minlength=n_p)
    delivered = np.where(primary, 0.0, output_to_date - total_used - stocks)
    return Learned(periods, elapsed, learned, capacities, short & (capacities < np.where(
        np.isinf(techniques.capacities), np.inf, techniques.capacities * left / periods)),
        actual, available, delivered, stocks, tuple(warnings))


def _sums(keys: npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> dict[int, float]:
    unique, inverse = np.unique(keys, return_inverse=True)
    return dict(zip(unique.tolist(), np.bincount(inverse, weights=values).tolist(), strict=True))


def _lookup(matrix: sp.coo_array, wanted: npt.NDArray[np.int64], n_c: int) -> npt.NDArray[np.float64]:
    """The entries of ``matrix`` (products x producers) at the keys ``product * n_c + producer``."""
    keys = matrix.row.astype(np.int64) * n_c + matrix.col
    order = np.argsort(keys)
    return _lookup_sorted(keys[order], matrix.data[order], wanted, 0.0)


def _lookup_sorted(keys: npt.NDArray[np.int64], values: npt.NDArray[np.float64],
                   wanted: npt.NDArray[np.int64], default: float) -> npt.NDArray[np.float64]:
    if not len(keys):
        return np.full(len(wanted), default)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], default)


@dataclass(frozen=True, eq=False)
class Rest:
    """The periods left as a planning problem: its ``economy`` (the learned one, with a
    technique per product held in stock after the economy's own) and its ``needs``."""

    economy: Economy
    needs: Needs
    stock_techniques: npt.NDArray[np.int64]  # the product each added technique draws on


def rest_of_period(economy: Economy, learned: Learned, wanted: Needs,
                   planned_net: npt.NDArray[np.float64]) -> Rest:
    """The economy and needs of the periods left (module doc): ``wanted`` are the whole
    period's needs as voted, ``planned_net`` the adopted plan's whole-period net output."""
    n_p = len(economy.products)
    share_left, share_done = learned.left / learned.periods, learned.elapsed / learned.periods
    carried = planned_net * share_done - learned.delivered  # owed to date (< 0: delivered ahead)
    per_product = np.bincount(wanted.products, weights=wanted.quantities, minlength=n_p)
    row_total = per_product[wanted.products]
    spread = np.divide(wanted.quantities, row_total, out=np.zeros(len(wanted)), where=row_total > 0)
    quantities = np.maximum(wanted.quantities * share_left + carried[wanted.products] * spread, 0.0)
    needs = Needs(wanted.products.astype(np.int64), quantities, wanted.priorities.astype(np.int64),
                  wanted.part_of_rows().copy())
    held = np.flatnonzero(learned.stocks > 0)
    techniques = economy.techniques
    ids = techniques.ids.to_pylist()
    taken = set(ids)
    product_ids = economy.products.ids.to_pylist()
    added = []
    for p in held.tolist():
        name = f"stock:{product_ids[p]}"
        while name in taken:
            name += "'"
        taken.add(name)
        added.append(name)
    producers = (techniques.producers.to_pylist() if techniques.producers is not None
                 else [None] * len(ids))
    rest_techniques = Techniques(
        pa.array(ids + added, pa.string()),
        np.concatenate([techniques.outputs.astype(np.int64), held]),
        np.concatenate([techniques.yields, np.ones(len(held))]),
        np.concatenate([learned.capacities, learned.stocks[held]]),
        pa.array(producers + [STOCK_PRODUCER] * len(held), pa.string()))
    coefficients = sp.csc_array((learned.coefficients.data, learned.coefficients.indices,
                                 np.concatenate([learned.coefficients.indptr,
                                                 np.full(len(held), learned.coefficients.indptr[-1])])),
                                shape=(n_p, len(ids) + len(held)))
    rest = Economy(economy.products, rest_techniques, coefficients, learned.available.copy(), needs,
                   economy.info)
    return Rest(rest, needs, held.astype(np.int64))


def net_output(economy: Economy, activity: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """SPEC's net output of ``activity`` in ``economy``: what it makes less what it uses."""
    made = np.bincount(economy.techniques.outputs, weights=economy.techniques.yields * activity,
                       minlength=len(economy.products))
    return np.asarray(made - economy.inputs @ activity, np.float64)


def fulfilment_of(net: npt.NDArray[np.float64], needs: Needs) -> dict[int, float]:
    """Each tier's fulfilment by the net output ``net``, tier by tier as SPEC defines it (the
    largest lambda in [0, 1] meeting the tier with the earlier ones held at theirs)."""
    tiers = np.unique(needs.priorities)
    met: dict[int, float] = {}
    covered = np.zeros(len(net))  # what the earlier tiers take of each product
    for tier in tiers.tolist():
        rows = (needs.priorities == tier) & (needs.quantities > 0)
        asked = np.bincount(needs.products[rows], weights=needs.quantities[rows], minlength=len(net))
        wanted = asked > 0
        if not wanted.any():
            met[tier] = 1.0
            continue
        ratio = (net[wanted] - covered[wanted]) / asked[wanted]
        met[tier] = float(np.clip(ratio.min(), 0.0, 1.0))
        covered += met[tier] * asked
    return met


@dataclass(frozen=True)
class Change:
    """A product whose delivery in the periods left changes: before (the adopted plan), after
    (the revision), its need in the periods left, and why, in words."""

    product: int
    before: float
    after: float
    need: float
    why: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """The revision beside the adopted plan for the same periods: each tier's fulfilment before
    and after, what the plan revised promised when it was adopted, the tiers the revision lowers
    below that promise (beyond :data:`TOLERANCE`), the products whose delivery changes most."""

    before: Mapping[int, float]
    after: Mapping[int, float]
    lowered: tuple[int, ...]
    changes: tuple[Change, ...]
    promised: Mapping[int, float] = field(default_factory=dict)


def compare(economy: Economy, learned: Learned, rest: Rest, adopted: npt.NDArray[np.float64],
            revised: npt.NDArray[np.float64], after: Mapping[int, float], *,
            promised: Mapping[int, float] | None = None, binding_capacities: Sequence[int] = (),
            binding_limits: Sequence[int] = (), shown: int = CHANGES_SHOWN) -> Comparison:
    """The revision (``revised``: its activity over the rest economy's techniques, ``after``:
    its fulfilment per tier) beside the adopted plan of whole-period ``adopted`` activity, run
    as planned in the periods left (with the stocks on hand); why each change, from what was
    learned and what binds in the revision. A tier is lowered when the revision gives it less
    than the plan revised ``promised`` it (the fulfilment voted for; when not given, less than
    the plan run as planned would): a fault that makes the promise unreachable is the voters'
    to accept, however much better the revision does than carrying on regardless."""
    n_t = len(economy.techniques)
    share_left = learned.left / learned.periods
    stocks = learned.stocks
    before_net = net_output(economy, adopted * share_left) + stocks
    after_net = net_output(rest.economy, revised)
    before = fulfilment_of(before_net, rest.needs)
    reference = before if promised is None else promised
    lowered = tuple(tier for tier, value in after.items() if value < reference.get(tier, 0.0) - TOLERANCE)
    need = rest.needs.total(len(economy.products))
    produced = economy.produced
    delta = np.abs(after_net[produced] - before_net[produced])
    # a product made and mostly used up: its solver's noise is no change
    made = np.bincount(economy.techniques.outputs, weights=economy.techniques.yields * adopted * share_left,
                       minlength=len(economy.products))
    scale = np.maximum.reduce([np.abs(before_net[produced]), need[produced], made[produced],
                               np.full(len(produced), 1e-12)])
    relative = delta / scale
    top = produced[np.argsort(-relative, kind="stable")[:shown]]
    top = top[relative[np.searchsorted(produced, top)] > TOLERANCE]
    binding = set(int(t) for t in binding_capacities if t < n_t)
    limits = set(int(p) for p in binding_limits)
    changes = [Change(int(p), float(before_net[p]), float(after_net[p]), float(need[p]),
                      _why(economy, learned, int(p), binding, limits)) for p in top.tolist()]
    return Comparison(before, dict(after), lowered, tuple(changes), dict(promised or {}))


def _why(economy: Economy, learned: Learned, product: int, binding: set[int],
         limits: set[int]) -> tuple[str, ...]:
    """What was learned about the techniques making ``product``: capacities capped by a
    shortfall (and whether they bind now), inputs whose coefficient changed by more than 1%."""
    techniques = economy.techniques
    ids = techniques.ids.to_pylist()
    product_ids = economy.products.ids.to_pylist()
    if economy.products.names is not None:  # people read names
        product_ids = [name or product for name, product in
                       zip(economy.products.names.to_pylist(), product_ids, strict=True)]
    producers = techniques.producers.to_pylist() if techniques.producers is not None else [None] * len(ids)
    reasons: list[str] = []
    for t in np.flatnonzero(techniques.outputs == product).tolist():
        at = f" at {producers[t]}" if producers[t] else ""
        if learned.lowered[t]:
            reasons.append(f"capacity of {ids[t]}{at} lowered by a shortfall to {learned.capacities[t]:.6g}"
                           + (" (binding)" if t in binding else ""))
        elif t in binding:
            reasons.append(f"capacity of {ids[t]}{at} binds")
        planned = economy.inputs[:, [t]].tocoo()
        now = learned.coefficients[:, [t]].tocoo()
        was = dict(zip(planned.row.tolist(), planned.data.tolist(), strict=True))
        for q, value in zip(now.row.tolist(), now.data.tolist(), strict=True):
            old = was.get(q, 0.0)
            if old > 0 and abs(value / old - 1) > 0.01:
                reasons.append(f"{product_ids[q]} per unit of {ids[t]}: {old:.6g} planned, "
                               f"{value:.6g} learned")
    if learned.delivered[product] < 0 or learned.stocks[product] > 0:
        reasons.append(f"stocks on hand: {learned.stocks[product]:.6g}")
    reasons += [f"{product_ids[p]} binds" for p in sorted(limits)][:3]
    return tuple(reasons)


# -- the economy the next round starts from ---------------------------------------------------

LEARNED_CHANGES_SHOWN = 20  # the largest changes of a learned economy listed


def next_economy(economy: Economy, learned: Learned) -> Economy:
    """The economy the next round starts from: the learned coefficients, and for a whole period
    each technique's capacity as planned or, where a shortfall capped it, the best rate shown
    in one period times the periods of a whole period; the needs, resources and the rest as
    they were."""
    techniques = economy.techniques
    whole = np.where(learned.lowered, learned.capacities * learned.periods / max(learned.left, 1),
                     techniques.capacities)
    return Economy(economy.products, Techniques(techniques.ids, techniques.outputs, techniques.yields,
                                                whole, techniques.producers),
                   learned.coefficients, economy.available, economy.needs, economy.info)


@dataclass(frozen=True)
class EconomyChange:
    """A coefficient (``product`` per unit of ``technique``) or a capacity (``product`` None)
    that the reports changed, from ``before`` to ``after``."""

    technique: int
    product: int | None
    before: float
    after: float

    @property
    def relative(self) -> float:
        return abs(self.after - self.before) / max(abs(self.before), 1e-300)


def economy_changes(before: Economy, after: Economy, shown: int = LEARNED_CHANGES_SHOWN,
                    ) -> tuple[list[EconomyChange], int]:
    """The largest relative changes from ``before`` to ``after`` (the same products and
    techniques), coefficients and capacities together, the largest first (``shown`` of them),
    and how many changed by more than 1e-6 relative."""
    old, new = sp.csc_array(before.inputs).tocoo(), sp.csc_array(after.inputs).tocoo()
    keys_old = old.col.astype(np.int64) * len(before.products) + old.row
    keys_new = new.col.astype(np.int64) * len(before.products) + new.row
    keys = np.union1d(keys_old, keys_new)
    was = _lookup_sorted(*_sorted(keys_old, old.data), keys, 0.0)
    now = _lookup_sorted(*_sorted(keys_new, new.data), keys, 0.0)
    relative = np.abs(now - was) / np.maximum(np.abs(was), 1e-300)
    caps_old, caps_new = before.techniques.capacities, after.techniques.capacities
    both = np.isfinite(caps_old) & np.isfinite(caps_new)
    old_finite, new_finite = np.where(both, caps_old, 0.0), np.where(both, caps_new, 0.0)
    cap_relative = np.where(both, np.abs(new_finite - old_finite) / np.maximum(np.abs(old_finite), 1e-300),
                            np.where(caps_old != caps_new, np.inf, 0.0))  # unlimited to limited
    found = [EconomyChange(int(k // len(before.products)), int(k % len(before.products)), float(a), float(b))
             for k, a, b in zip(keys[relative > 1e-6].tolist(), was[relative > 1e-6].tolist(),
                                now[relative > 1e-6].tolist(), strict=True)]
    found += [EconomyChange(t, None, float(caps_old[t]), float(caps_new[t]))
              for t in np.flatnonzero(cap_relative > 1e-6).tolist()]
    found.sort(key=lambda change: -change.relative)
    return found[:shown], len(found)


def _sorted(keys: npt.NDArray[np.int64],
            values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    order = np.argsort(keys)
    return keys[order], values[order]

"""Synthetic economies for scale tests: seeded, vectorised, productive and partly constrained.

``generate(N)`` builds an economy of N produced products (goods and services, ids
``p0000001``...) plus 4 kinds of labour (``labour-1``...) and 4 natural resources
(``ore-1``, ``ore-2``, ``land-1``, ``water-1``).  It aims to look, to the tools, like a real
supply network, because a uniform random matrix would hide the costs that matter:

- **Sectors.** Every product belongs to one of 16 sectors (food, metals, health, ...) which
  fixes its kind (good or service), unit, main kind of labour and the natural resource it
  tends to use.  Health and education services are partly ``public``.
- **Heavy-tailed networks.** The number of distinct produced inputs of a technique is
  lognormal (mean about ``inputs_per_product``, sigma 1, so some techniques have hundreds);
  suppliers are drawn with Zipf-like popularity (weight ``rank**-0.7`` over a random
  ranking), so a few products (think energy, transport) feed a large share of all
  techniques while most feed a handful -- as in measured production networks.
- **Productive for every choice.** In "value units" each technique's produced inputs per
  unit of output add up to ``s`` in [0.1, 0.8] (mean 0.45), split by lognormal weights.
  Every column sum is below 0.8, so every choice of techniques has spectral radius below
  0.8 (about 0.45-0.5 in practice) and labour values exist.  Each product then gets a
  physical unit worth ``10**U(-1, 1)`` value units and some techniques a yield other than 1;
  this rescales quantities over orders of magnitude (as real tables mix tonnes and pieces)
  without changing any spectral radius, which is invariant under that diagonal similarity.
- **Labour and resources.** Each technique uses two kinds of labour (mostly its sector's)
  for ``(1 - s)`` hours per value unit times a lognormal factor, and often its sector's
  natural resource.
- **Alternatives.** A share ``alternatives`` of products (default 5%) has a second
  technique, appended after the N main ones, with freshly drawn inputs and its labour
  shifted to another kind: it may be cheaper in hours or not, and it relieves a different
  labour kind, so neither technique dominates everywhere.
- **Needs in tiers.** About a quarter of products (mostly consumer sectors) have needs:
  essentials (food, housing, health, education) at priority 1, others at 2 or 3, and often
  a further row one tier lower.
- **Partly constrained.** Gross requirements of all needs are estimated with the main
  techniques (a truncated Neumann series with scipy.sparse); every labour and resource
  availability is set to 80-95% of that use, and 5% of the used main techniques get a
  capacity of 85-115% of their estimated activity.  So a plan meeting every need is not
  possible, but most of it is.

Quantities are rounded to 6 significant digits so that a CSV bundle reads back the same
numbers.  The result depends only on the arguments (numpy ``Generator`` seeded by ``seed``).
10**6 products with 20 inputs each take about 4-5 s and 1.1 GiB at peak (2 cores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from commonplan.economy.model import (
    Economy,
    EconomyInfo,
    Kind,
    Needs,
    Products,
    Techniques,
)

LABOUR: tuple[tuple[str, str], ...] = (
    ("labour-1", "general work"),
    ("labour-2", "skilled trades"),
    ("labour-3", "engineering and science"),
    ("labour-4", "care and teaching"),
)
RESOURCES: tuple[tuple[str, str, str], ...] = (
    ("ore-1", "iron ore", "t"),
    ("ore-2", "copper ore", "t"),
    ("land-1", "farmland", "ha"),
    ("water-1", "fresh water", "m3"),
)


@dataclass(frozen=True)
class Sector:
    """A family of products with a kind, a unit, a main kind of labour and a resource."""

    name: str
    kind: Kind
    unit: str
    weight: float  # share of products
    labour: int  # index into LABOUR
    resource: int  # index into RESOURCES, -1 = none
    essential: bool = False  # its needs are priority 1
    consumer: bool = False  # its products are often needed directly
    public_share: float = 0.0  # share of its products used in common


SECTORS: tuple[Sector, ...] = (
    Sector("agriculture", Kind.GOOD, "kg", 0.06, 0, 2, essential=True, consumer=True),
    Sector("food", Kind.GOOD, "kg", 0.08, 0, 3, essential=True, consumer=True),
    Sector("mining", Kind.GOOD, "t", 0.03, 1, 0),
    Sector("metals", Kind.GOOD, "t", 0.06, 1, 1),
    Sector("chemicals", Kind.GOOD, "l", 0.07, 2, 3),
    Sector("machinery", Kind.GOOD, "piece", 0.10, 1, 0),
    Sector("electronics", Kind.GOOD, "piece", 0.08, 2, 1, consumer=True),
    Sector("textiles", Kind.GOOD, "m", 0.06, 0, 2, consumer=True),
    Sector("construction", Kind.GOOD, "m2", 0.05, 1, 2),
    Sector("energy", Kind.GOOD, "kWh", 0.03, 2, 0),
    Sector("housing", Kind.SERVICE, "dwelling-month", 0.04, 1, 2, essential=True, consumer=True),
    Sector("transport", Kind.SERVICE, "trip", 0.07, 1, -1, consumer=True),
    Sector("distribution", Kind.SERVICE, "delivery", 0.08, 0, -1),
    Sector("software", Kind.SERVICE, "hour", 0.05, 2, -1),
    Sector("health", Kind.SERVICE, "visit", 0.06, 3, -1, True, True, public_share=0.5),
    Sector("education", Kind.SERVICE, "course", 0.08, 3, -1, True, True, public_share=0.5),
)

ZIPF_EXPONENT = 0.7  # supplier popularity ~ rank**-0.7
INPUTS_SIGMA = 1.0  # sigma of the lognormal number of inputs
SIGNIFICANT_DIGITS = 6
CHUNK_TECHNIQUES = 1 << 16  # inputs are drawn this many techniques at a time


def generate(
    products: int,
    *,
    inputs_per_product: int = 20,
    seed: int = 0,
    alternatives: float = 0.05,
) -> Economy:
    """A synthetic productive economy of ``products`` goods and services (see the module).

    ``alternatives`` is the share of products with a second technique (0 gives exactly one
    technique per product, as classic input-output tables have).
    """
    if products < 1:
        raise ValueError("products must be at least 1")
    if inputs_per_product < 0:
        raise ValueError("inputs_per_product must be >= 0")
    if not 0.0 <= alternatives <= 1.0:
        raise ValueError("alternatives must be in [0, 1]")
    rng = np.random.default_rng(seed)
    n = products
    n_labour, n_resources = len(LABOUR), len(RESOURCES)

    # Products: sector, kind, physical unit (in value units), publicness.
    weights = np.array([s.weight for s in SECTORS])
    sector = rng.choice(len(SECTORS), size=n, p=weights / weights.sum()).astype(np.int8)
    kinds = np.array([s.kind for s in SECTORS], np.int8)[sector]
    public = rng.random(n) < np.array([s.public_share for s in SECTORS])[sector]
    scale = 10.0 ** rng.uniform(-1.0, 1.0, n)

    # Techniques: the main one of each product, then the alternatives.
    alternative_of = np.sort(rng.choice(n, size=round(alternatives * n), replace=False))
    outputs = np.concatenate([np.arange(n), alternative_of])
    n_techniques = len(outputs)
    yields = np.ones(n_techniques)
    odd = rng.random(n_techniques) < 0.1
    yields[odd] = rng.choice([0.5, 2.0, 5.0, 10.0, 100.0], size=int(odd.sum()))
    made = scale[outputs] * yields  # value units made by one unit of activity

    # Per technique: number of inputs, their total s in value units, labour, resources.
    wanted = _input_counts(rng, n, n_techniques, inputs_per_product)
    share = np.where(wanted > 0, 0.1 + 0.7 * rng.beta(4.0, 4.0, n_techniques), 0.0)
    tech_sector = sector[outputs]
    main_labour = np.array([s.labour for s in SECTORS], np.int64)[tech_sector]
    shift = rng.integers(1, n_labour, n_techniques)
    main_labour = np.where(np.arange(n_techniques) >= n, (main_labour + shift) % n_labour, main_labour)
    second_labour = (main_labour + rng.integers(1, n_labour, n_techniques)) % n_labour
    hours = (1.0 - share) * rng.lognormal(0.0, 0.3, n_techniques) * made
    main_part = rng.uniform(0.5, 0.9, n_techniques)
    resource = np.array([s.resource for s in SECTORS], np.int64)[tech_sector]
    resource = np.where(rng.random(n_techniques) < 0.8, resource, -1)
    resource_use = np.where(resource >= 0, rng.lognormal(-1.0, 0.5, n_techniques), 0.0) * made
    primary = _Primary(
        rows=n + np.stack([main_labour, second_labour], axis=1),
        hours=np.stack([main_part, 1.0 - main_part], axis=1) * hours[:, None],
        resource=np.where(resource >= 0, n + n_labour + resource, -1),
        resource_use=resource_use,
    )
    inputs = _inputs(rng, n, wanted, share * made, scale, primary)

    # Needs (value units drawn, then physical), mostly of consumer goods and services.
    consumer = np.array([s.consumer for s in SECTORS])[sector]
    essential = np.array([s.essential for s in SECTORS])[sector]
    needed = np.flatnonzero(rng.random(n) < np.where(consumer | public, 0.5, 0.05))
    first_tier = np.where(essential[needed], 1, rng.integers(2, 4, len(needed)))
    more = (rng.random(len(needed)) < 0.5) & (first_tier < 3)
    need_products = np.concatenate([needed, needed[more]])
    need_tiers = np.concatenate([first_tier, first_tier[more] + 1])
    order = np.lexsort((need_tiers, need_products))
    need_products, need_tiers = need_products[order], need_tiers[order]
    need_quantities = _round(rng.lognormal(2.0, 1.5, len(need_products)) / scale[need_products])

    # Limits: 80-95% of what the main techniques would use to meet every need.
    final = np.bincount(need_products, weights=need_quantities, minlength=n)
    activity, use = _requirements(inputs, n, yields, final)
    available = np.where(use > 0, use * rng.uniform(0.80, 0.95, len(use)), 1.0)
    capacities = np.full(n_techniques, np.inf)
    capped = np.flatnonzero((rng.random(n) < 0.05) & (activity > 0))
    capacities[capped] = _round(activity[capped] * rng.uniform(0.85, 1.15, len(capped)))

    sector_names = pa.array([s.name for s in SECTORS]).take(pa.array(sector))
    numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    return Economy(
        products=Products(
            ids=_concat(_ids("p", n), [i for i, _ in LABOUR] + [r[0] for r in RESOURCES]),
            kinds=np.concatenate(
                [
                    kinds,
                    np.full(n_labour, Kind.LABOUR, np.int8),
                    np.full(n_resources, Kind.RESOURCE, np.int8),
                ]
            ),
            names=_concat(
                pc.binary_join_element_wise(sector_names, numbers, " "),
                [name for _, name in LABOUR] + [r[1] for r in RESOURCES],
            ),
            units=_concat(
                pa.array([s.unit for s in SECTORS]).take(pa.array(sector)),
                ["hour"] * n_labour + [r[2] for r in RESOURCES],
            ),
            public=np.concatenate([public, np.zeros(n_labour + n_resources, bool)]),
        ),
        techniques=Techniques(
            ids=_ids("t", n_techniques),
            outputs=outputs.astype(np.int64),
            yields=yields,
            capacities=capacities,
        ),
        inputs=inputs,
        available=np.concatenate([np.full(n, np.inf), _round(available)]),
        needs=Needs(
            products=need_products.astype(np.int64),
            quantities=need_quantities,
            priorities=need_tiers.astype(np.int64),
        ),
        info=EconomyInfo(
            name=f"synthetic economy of {n} products",
            period="one synthetic period",
            description=(
                f"{n} goods and services with about {inputs_per_product} produced inputs "
                f"each (heavy-tailed), {len(alternative_of)} alternative techniques, "
                f"{n_labour} kinds of labour, {n_resources} natural resources"
            ),
            source=(
                f"commonplan.economy.synthetic.generate({n}, inputs_per_product="
                f"{inputs_per_product}, seed={seed}, alternatives={alternatives})"
            ),
        ),
    )


@dataclass(frozen=True)
class _Primary:
    """Labour and resource use per unit of activity: two labour rows, one resource row or -1."""

    rows: np.ndarray  # (techniques, 2) product positions of the two labour kinds
    hours: np.ndarray  # (techniques, 2)
    resource: np.ndarray  # (techniques,) product position, -1 = none
    resource_use: np.ndarray  # (techniques,)


def _input_counts(rng: np.random.Generator, n: int, n_techniques: int, mean: int) -> np.ndarray:
    """How many distinct produced inputs each technique has: lognormal, mean about ``mean``."""
    if mean == 0:
        return np.zeros(n_techniques, np.int64)
    most = max(1, min(n // 2, 50 * mean))
    mu = np.log(mean) - INPUTS_SIGMA**2 / 2
    counts = np.rint(rng.lognormal(mu, INPUTS_SIGMA, n_techniques))
    return np.clip(counts, 1, most).astype(np.int64)


def _inputs(
    rng: np.random.Generator,
    n: int,
    wanted: np.ndarray,
    produced_total: np.ndarray,
    scale: np.ndarray,
    primary: _Primary,
) -> sp.csc_array:
    """The inputs matrix, drawn a chunk of techniques at a time to keep temporaries small.

    Column t holds ``wanted[t]`` produced inputs (suppliers by Zipf-like popularity) whose
    value adds up to ``produced_total[t]`` (value units per unit of activity), split by
    lognormal weights and converted to physical units with ``scale``; then its two labour
    rows and its resource row, numbered after the produced products so columns stay sorted.
    """
    n_techniques = len(wanted)
    n_rows = n + len(LABOUR) + len(RESOURCES)
    popularity = rng.permutation(n).astype(np.int32)  # popularity[rank] = product
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for begin in range(0, n_techniques, CHUNK_TECHNIQUES):
        end = min(begin + CHUNK_TECHNIQUES, n_techniques)
        pattern = _suppliers(rng, n, wanted[begin:end], popularity)
        produced = np.diff(pattern.indptr)
        column = np.repeat(np.arange(end - begin), produced)
        weight = rng.lognormal(0.0, 1.0, pattern.nnz)
        total = np.bincount(column, weights=weight, minlength=end - begin)
        weight *= (produced_total[begin:end] / np.where(total > 0, total, 1.0))[column]
        weight /= scale[pattern.indices]

        has_resource = primary.resource[begin:end] >= 0
        size = produced + 2 + has_resource
        indptr = np.concatenate([[0], np.cumsum(size)])
        chunk_indices = np.empty(indptr[-1], np.int32)
        chunk_data = np.empty(indptr[-1])
        where = np.arange(pattern.nnz) - pattern.indptr[column] + indptr[column]
        chunk_indices[where] = pattern.indices
        chunk_data[where] = weight
        rows = primary.rows[begin:end]
        order = np.argsort(rows, axis=1)
        start = indptr[:-1] + produced
        for k in range(2):
            chunk_indices[start + k] = np.take_along_axis(rows, order, axis=1)[:, k]
            chunk_data[start + k] = np.take_along_axis(primary.hours[begin:end], order, 1)[:, k]
        last = (start + 2)[has_resource]
        chunk_indices[last] = primary.resource[begin:end][has_resource]
        chunk_data[last] = primary.resource_use[begin:end][has_resource]
        indices.append(chunk_indices)
        data.append(_round(chunk_data))
        counts.append(size)
    sizes = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    index_type = np.int32 if indptr[-1] < 2**31 and n_rows < 2**31 else np.int64
    matrix = sp.csc_array(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(indices).astype(index_type, copy=False) if indices else np.zeros(0, index_type),
            indptr.astype(index_type),
        ),
        shape=(n_rows, n_techniques),
    )
    matrix.has_sorted_indices = True
    return matrix


def _suppliers(rng: np.random.Generator, n: int, wanted: np.ndarray, popularity: np.ndarray) -> sp.csc_array:
    """A canonical 0/1 pattern (products x techniques) with ``wanted[t]`` rows in column t, or
    nearly: suppliers by popularity, repeats merged and topped up uniformly in three rounds."""
    power = 1.0 - ZIPF_EXPONENT
    # Inverse CDF of the density x**-a on [1, n + 1]; floor(x) - 1 is the popularity rank.
    draws = rng.random(int(wanted.sum()))
    draws *= (n + 1.0) ** power - 1.0
    draws += 1.0
    np.power(draws, 1.0 / power, out=draws)
    ranks = np.minimum(draws.astype(np.int64) - 1, n - 1)
    pattern = _pattern(popularity[ranks], wanted, n)
    for _ in range(3):
        missing = wanted - np.diff(pattern.indptr)
        if not missing.any():
            break
        extra = rng.integers(0, n, int(missing.sum()), dtype=np.int32)
        pattern = pattern + _pattern(extra, missing, n)
        pattern.data[:] = 1.0
    return pattern


def _pattern(rows: np.ndarray, counts: np.ndarray, n: int) -> sp.csc_array:
    """A canonical 0/1 CSC pattern holding ``counts[t]`` consecutive ``rows`` in column t."""
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    pattern = sp.csc_array(
        (np.ones(len(rows), np.float32), rows.astype(np.int32, copy=False), indptr),
        shape=(n, len(counts)),
    )
    pattern.sum_duplicates()
    pattern.data[:] = 1.0
    return pattern


def _requirements(
    inputs: sp.csc_array, n: int, yields: np.ndarray, final: np.ndarray, tolerance: float = 1e-2
) -> tuple[np.ndarray, np.ndarray]:
    """Activity of the main techniques (the first ``n``) meeting ``final``, and the use of
    every primary product: a Neumann series summed until its terms are small (an estimate).
    """
    per_output = np.zeros(inputs.shape[1])
    output = final.astype(np.float64)
    term = final
    for _ in range(200):
        per_output[:n] = term / yields[:n]
        term = (inputs @ per_output)[:n]
        output += term
        if term.max(initial=0.0) <= tolerance * output.max(initial=0.0):
            break
    activity = output / yields[:n]
    per_output[:n] = activity
    return activity, (inputs @ per_output)[n:]


_POWERS = 10.0 ** np.arange(23)  # exact
_CHUNK = 1 << 20  # small enough for the allocator to reuse memory instead of faulting it in


def _round(values: np.ndarray) -> np.ndarray:
    """``values`` (>= 0) rounded to 6 significant digits, so that their shortest decimal is short.

    x becomes rint(x * 10**k) / 10**k (or rint(x / 10**-k) * 10**-k), both powers exact, so
    the result is the double nearest to a 6-digit decimal.  Works in chunks: at 10**7 values
    fresh temporaries would cost more in page faults than the arithmetic.
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    for begin in range(0, len(values), _CHUNK):
        x = values[begin : begin + _CHUNK]
        with np.errstate(divide="ignore"):
            shift = SIGNIFICANT_DIGITS - 1 - np.floor(np.log10(x))
        usable = np.isfinite(shift) & (np.abs(shift) <= 22)  # leaves 0, inf and extremes be
        shift = np.where(usable, shift, 0).astype(np.int64)
        power = _POWERS[np.abs(shift)]
        up = shift >= 0
        rounded = np.where(up, np.rint(x * power) / power, np.rint(x / power) * power)
        out[begin : begin + _CHUNK] = np.where(usable, rounded, x)
    return out


def _ids(prefix: str, count: int) -> pa.StringArray:
    """``prefix`` followed by 1..count, zero-padded to at least 7 digits."""
    width = max(7, len(str(count)))
    numbers = pc.cast(pa.array(np.arange(1, count + 1)), pa.string())
    padded = pc.utf8_lpad(numbers, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def _concat(array: pa.Array, more: list[str]) -> pa.StringArray:
    return pa.concat_arrays([array.cast(pa.string()), pa.array(more, pa.string())])

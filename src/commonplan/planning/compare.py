"""Plan variants side by side, as a council compares them before it adopts one: each variant's
total labour, fulfilment per priority tier and what binds, and the products whose net output
differs most between the variants, with the products' names and units.

Pure: it reads the variants' plan documents (SPEC section 3, ``plan --json``) and the economy's
names, and returns a frozen :class:`Comparison`.  The relative difference of product p over
the variants' net outputs n_p^1..n_p^k is (max n_p - min n_p) / max |n_p|, in [0, 2]; products
whose spread is below :data:`NOISE` times the largest |n| of all variants are not counted as
differing (solver round-off is not a difference between plans).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from commonplan.economy.model import Kind

if TYPE_CHECKING:
    from commonplan.economy.model import Economy

TOP = 10  # products listed as differing most
NOISE = 1e-9  # a spread below NOISE * the largest |net output| is round-off, not a difference


@dataclass(frozen=True)
class Product:
    """A product as people read it: its id, its name (the id when the table has none) and unit."""

    id: str
    name: str
    unit: str

    @property
    def label(self) -> str:
        """Its name with its unit, as a chart's bar or a table's row reads it: "Bread (loaf)"."""
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclass(frozen=True)
class Capacity:
    """A technique whose capacity binds, the product it makes and its workplace ("" if none)."""

    technique: str
    product: Product
    producer: str = ""

    @property
    def label(self) -> str:
        """"the capacity to make Bread (Bakery)": the product, then the workplace or the technique."""
        return f"the capacity to make {self.product.name} ({self.producer or self.technique})"


@dataclass(frozen=True)
class Variant:
    """One plan's summary: ``fulfilment`` as (tier, lambda) pairs, tiers in order."""

    job: int
    status: str
    labour_hours: float
    fulfilment: tuple[tuple[str, float], ...]
    binding_resources: tuple[Product, ...]
    binding_capacities: tuple[Capacity, ...]
    resource_prices: tuple[float | None, ...]  # of each binding resource (None: not priced)
    capacity_prices: tuple[float | None, ...]  # of each binding capacity
    parts: Mapping[str, Any]  # the variant's parts when planned within voted shares (app.variants)


@dataclass(frozen=True)
class Difference:
    """A product's net output in each variant (in the variants' order) and its relative difference."""

    product: Product
    net_output: tuple[float, ...]
    relative: float


@dataclass(frozen=True)
class Comparison:
    variants: tuple[Variant, ...]
    differences: tuple[Difference, ...]

    def to_json(self) -> dict[str, Any]:
        """Exact ids and figures: products by id (with name and unit), tiers as decimal strings,
        each difference's net outputs by job number (as a string)."""
        jobs = [str(variant.job) for variant in self.variants]
        return {"variants": [_variant_json(variant) for variant in self.variants],
                "differences": [{**_product_json(d.product), "relative": d.relative,
                                 "net_output": dict(zip(jobs, d.net_output, strict=True))}
                                for d in self.differences]}


@dataclass(frozen=True)
class Names:
    """What the economy's tables say of its ids: product id to (name, unit), technique id to the
    id of the product it makes."""

    products: Mapping[str, tuple[str, str]]
    outputs: Mapping[str, str]
    kinds: Mapping[str, str] = field(default_factory=dict)  # product id to kind (economy.model.Kind)
    producers: Mapping[str, str] = field(default_factory=dict)  # technique id to workplace

    def product(self, product_id: str) -> Product:
        name, unit = self.products.get(product_id, ("", ""))
        return Product(product_id, name or product_id, unit)

    def capacity(self, technique: str) -> Capacity:
        return Capacity(technique, self.product(self.outputs.get(technique, technique)),
                        self.producers.get(technique, ""))

    def technique(self, technique: str) -> str:
        """A technique as people read it: what it makes and where ("Bread, Bakery"), or what it
        makes and its id when no workplace is given ("Bread, bake")."""
        made = self.product(self.outputs.get(technique, technique)).name
        return f"{made}, {self.producers.get(technique) or technique}"

    def labour(self, product_id: str) -> bool:
        return self.kinds.get(product_id) == "labour"


def names_of(economy: Economy) -> Names:
    """The names of an economy read in memory (the command line has it loaded already)."""
    products, techniques = economy.products, economy.techniques
    ids = products.ids.to_pylist()
    labels = text_column(products.names, len(ids))
    units = text_column(products.units, len(ids))
    technique_ids = techniques.ids.to_pylist()
    return Names(dict(zip(ids, zip(labels, units, strict=True), strict=True)),
                 dict(zip(technique_ids, (ids[i] for i in techniques.outputs.tolist()), strict=True)),
                 dict(zip(ids, (Kind(kind).label for kind in products.kinds.tolist()), strict=True)),
                 {t: p for t, p in zip(technique_ids, text_column(techniques.producers, len(technique_ids)),
                                       strict=True) if p})


def text_column(column: Any, rows: int) -> list[str]:
    """A nullable text column as strings ("" for a null or a missing column)."""
    return [text or "" for text in column.to_pylist()] if column is not None else [""] * rows


def compare(plans: Sequence[tuple[int, Mapping[str, Any]]], names: Names, top: int = TOP) -> Comparison:
    """The comparison of ``plans`` (job number and plan document, in the ballot's order)."""
    variants = tuple(_variant(job, document, names) for job, document in plans)
    return Comparison(variants, _differences([document for _, document in plans], names, top))


def _variant(job: int, document: Mapping[str, Any], names: Names) -> Variant:
    binding = document.get("binding") or {}
    fulfilment = document.get("fulfilment") or {}
    return Variant(
        job=job, status=str(document.get("status", "")),
        labour_hours=float(document.get("labour_hours", 0.0)),
        fulfilment=tuple(sorted(((str(tier), float(share)) for tier, share in fulfilment.items()),
                                key=lambda pair: int(pair[0]) if pair[0].isdigit() else 0)),
        binding_resources=tuple(names.product(p) for p in binding.get("resources", [])),
        binding_capacities=tuple(names.capacity(t) for t in binding.get("capacities", [])),
        resource_prices=_prices(document.get("shadow_prices"), binding.get("resources", [])),
        capacity_prices=_prices(document.get("capacity_prices"), binding.get("capacities", [])),
        parts=dict((document.get("variant") or {}).get("parts") or {}))


def _prices(prices: Mapping[str, Any] | None, binding: Sequence[str]) -> tuple[float | None, ...]:
    """The price of each binding limit (None where the plan gives none: harmony prices nothing)."""
    return tuple(float(prices[key]) if prices and prices.get(key) is not None else None for key in binding)


def _differences(documents: Sequence[Mapping[str, Any]], names: Names, top: int) -> tuple[Difference, ...]:
    """The ``top`` products of largest relative difference (then largest spread, then id)."""
    if len(documents) < 2:
        return ()
    maps = [document.get("net_output") or {} for document in documents]
    ids = list(dict.fromkeys(product for net in maps for product in net))  # a missing product made 0
    if not ids:
        return ()
    table = np.array([[float(net.get(product, 0.0)) for net in maps] for product in ids])
    spread = table.max(axis=1) - table.min(axis=1)
    scale = np.abs(table).max(axis=1)
    differing = spread > NOISE * float(scale.max())
    relative = np.divide(spread, scale, out=np.zeros_like(spread), where=differing)
    order = sorted(np.flatnonzero(differing), key=lambda i: (-relative[i], -spread[i], ids[i]))[:top]
    return tuple(Difference(names.product(ids[i]), tuple(float(x) for x in table[i]), float(relative[i]))
                 for i in order)


def _variant_json(variant: Variant) -> dict[str, Any]:
    """A variant's summary; each binding limit with its price (null when not priced), the
    parts' shares and claims when the variant was planned within voted shares ({} otherwise)."""
    resources = zip(variant.binding_resources, variant.resource_prices, strict=True)
    capacities = zip(variant.binding_capacities, variant.capacity_prices, strict=True)
    return {"job": variant.job, "status": variant.status, "labour_hours": variant.labour_hours,
            "fulfilment": dict(variant.fulfilment),
            "binding": {"resources": [{**_product_json(p), "price": price} for p, price in resources],
                        "capacities": [{"technique": c.technique, **_product_json(c.product),
                                        "producer": c.producer, "price": price}
                                       for c, price in capacities]},
            "parts": dict(variant.parts)}


def _product_json(product: Product) -> dict[str, str]:
    return {"product": product.id, "name": product.name, "unit": product.unit}

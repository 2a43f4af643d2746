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
from dataclasses import dataclass
from typing import Any

import numpy as np

TOP = 10  # products listed as differing most
NOISE = 1e-9  # a spread below NOISE * the largest |net output| is round-off, not a difference


@dataclass(frozen=True)
class Product:
    """A product as people read it: its id, its name (the id when the table has none) and unit."""

    id: str
    name: str
    unit: str


@dataclass(frozen=True)
class Capacity:
    """A technique whose capacity binds, and the product it makes."""

    technique: str
    product: Product


@dataclass(frozen=True)
class Variant:
    """One plan's summary: ``fulfilment`` as (tier, lambda) pairs, tiers in order."""

    job: int
    status: str
    labour_hours: float
    fulfilment: tuple[tuple[str, float], ...]
    binding_resources: tuple[Product, ...]
    binding_capacities: tuple[Capacity, ...]


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

    def product(self, product_id: str) -> Product:
        name, unit = self.products.get(product_id, ("", ""))
        return Product(product_id, name or product_id, unit)


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
        binding_capacities=tuple(Capacity(t, names.product(names.outputs.get(t, t)))
                                 for t in binding.get("capacities", [])))


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
    return {"job": variant.job, "status": variant.status, "labour_hours": variant.labour_hours,
            "fulfilment": dict(variant.fulfilment),
            "binding": {"resources": [_product_json(p) for p in variant.binding_resources],
                        "capacities": [{"technique": c.technique, **_product_json(c.product)}
                                       for c in variant.binding_capacities]}}


def _product_json(product: Product) -> dict[str, str]:
    return {"product": product.id, "name": product.name, "unit": product.unit}

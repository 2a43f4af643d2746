"""Each workplace's targets in a plan: what it is to make, the inputs it will receive and from
whom, the labour it may use.

A workplace is a ``producer`` of the techniques table. For a plan's activity x:

- its **outputs**: for each technique t it runs (x_t > 0), yield_t x_t of t's output;
- its **inputs**: for each product q its techniques consume, sum over its t of quantity(t, q) x_t,
  and, for a produced q, **from whom**: every producer p making q receives a part in proportion
  to p's output of q in the plan (sum of yield_t x_t over p's techniques t making q, over all
  techniques making q). A product made by many producers lists the :data:`MAX_SUPPLIERS`
  largest and the rest as one remainder (how many, how much), so the parts always add up to the
  input; a technique naming no producer supplies as the producer ``""``;
- its **resources** (land, ore: from nobody) and its **labour**, in the hours of each kind of
  labour, with their total.

Pure numbers over the economy model; the whole economy's targets at once, in one pass of sparse
products, so a round computes them once and serves each workplace from what it stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from commonplan.economy.model import Economy, Kind

MAX_SUPPLIERS = 25  # suppliers listed by name for one input; the rest as one remainder


class Output(NamedTuple):
    """``quantity`` of ``product`` to make by running ``technique`` at ``activity``."""

    technique: str
    product: str
    activity: float
    quantity: float


class Supply(NamedTuple):
    """``quantity`` of an input that ``producer`` sends."""

    producer: str
    quantity: float


class Input(NamedTuple):
    """``quantity`` of ``product`` to receive: from ``suppliers`` (the largest first), and from
    ``others`` more producers together ``others_quantity``. A labour or resource product has no
    supplier."""

    product: str
    quantity: float
    suppliers: tuple[Supply, ...] = ()
    others: int = 0
    others_quantity: float = 0.0


@dataclass(frozen=True)
class WorkplaceTargets:
    """One producer's targets: its outputs (in technique order), its produced inputs, resources
    and labour (in product order), and its labour hours in all (every kind of labour, hour for
    hour, as SPEC counts them)."""

    producer: str
    outputs: tuple[Output, ...]
    inputs: tuple[Input, ...]
    resources: tuple[Input, ...]
    labour: tuple[Input, ...]
    labour_hours: float


def workplace_targets(economy: Economy, activity: npt.NDArray[np.float64]) -> list[WorkplaceTargets]:
    """The targets of every producer running a technique in the plan of ``activity`` (one value
    per technique, in the economy's order), by producer name; a ValueError when ``activity``
    does not fit the economy."""
    techniques, products = economy.techniques, economy.products
    if activity.shape != (len(techniques),) or not np.all(np.isfinite(activity)):
        raise ValueError(f"activity must hold {len(techniques)} finite numbers, one per technique")
    names, codes = _producer_codes(techniques.producers, len(techniques))
    x = np.where(activity > 0, activity, 0.0)
    running = np.flatnonzero(x > 0)
    made = techniques.yields * x
    place = sp.csr_array((np.ones(len(running)), (running, codes[running])),
                         shape=(len(techniques), len(names)))  # techniques x producers
    received = sp.csc_array(economy.inputs @ sp.diags_array(x) @ place)  # products x producers
    supply = sp.csr_array((made[running], (techniques.outputs[running], codes[running])),
                          shape=(len(products), len(names)))  # duplicates add up
    suppliers = _Suppliers(supply, names)
    product_ids = products.ids.to_pylist()
    technique_ids, output_ids = techniques.ids.to_pylist(), [product_ids[p] for p in techniques.outputs]
    activities, quantities = x.tolist(), made.tolist()
    produced, resource, labour_kind = (products.kinds < Kind.LABOUR, products.kinds == Kind.RESOURCE,
                                       products.kinds == Kind.LABOUR)
    by_producer = np.split(running[np.argsort(codes[running], kind="stable")],
                           np.cumsum(np.bincount(codes[running], minlength=len(names)))[:-1])
    targets = []
    for code in np.argsort(np.array(names, dtype=object), kind="stable"):
        ran = by_producer[code].tolist()
        if not ran:
            continue
        start, end = received.indptr[code], received.indptr[code + 1]
        rows, amounts = received.indices[start:end], received.data[start:end]
        order = np.argsort(rows, kind="stable")
        rows, amounts = rows[order], amounts[order]

        def of(kind: np.ndarray, rows: np.ndarray = rows,
               amounts: np.ndarray = amounts) -> list[tuple[int, float]]:
            chosen = kind[rows] & (amounts > 0)
            return list(zip(rows[chosen].tolist(), amounts[chosen].tolist(), strict=True))

        outputs = tuple(Output(technique_ids[t], output_ids[t], activities[t], quantities[t]) for t in ran)
        inputs = tuple(suppliers.of(q, product_ids[q], a) for q, a in of(produced))
        resources = tuple(Input(product_ids[q], a) for q, a in of(resource))
        labour = tuple(Input(product_ids[q], a) for q, a in of(labour_kind))
        targets.append(WorkplaceTargets(names[code], outputs, inputs, resources, labour,
                                        float(sum(item.quantity for item in labour))))
    return targets


def _producer_codes(producers: pa.StringArray | None, count: int) -> tuple[list[str], np.ndarray]:
    """The distinct producer names (a blank or missing one is ``""``) and each technique's code."""
    if producers is None:
        return [""], np.zeros(count, np.int64)
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(producers.fill_null("")))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary.to_pylist(), codes


class _Suppliers:
    """Who makes each product in the plan, in shares of its output, worked out once per product."""

    def __init__(self, supply: sp.csr_array, names: list[str]) -> None:
        self._supply, self._names = supply, names
        self._shares: dict[int, tuple[list[tuple[str, float]], int, float]] = {}

    def of(self, q: int, product: str, quantity: float) -> Input:
        """``quantity`` of product ``q`` split among its producers."""
        listed, others, others_share = self._share(q)
        return Input(product, quantity, tuple(Supply(name, quantity * share) for name, share in listed),
                     others, quantity * others_share)

    def _share(self, q: int) -> tuple[list[tuple[str, float]], int, float]:
        if q not in self._shares:
            start, end = self._supply.indptr[q], self._supply.indptr[q + 1]
            codes, made = self._supply.indices[start:end], self._supply.data[start:end]
            total = float(made.sum())
            if total <= 0:
                self._shares[q] = ([], 0, 0.0)
            else:
                order = sorted(range(len(codes)), key=lambda i: (-made[i], self._names[codes[i]]))
                listed = [(self._names[codes[i]], float(made[i]) / total) for i in order[:MAX_SUPPLIERS]]
                rest = float(sum(made[i] for i in order[MAX_SUPPLIERS:])) / total
                self._shares[q] = (listed, max(0, len(order) - MAX_SUPPLIERS), rest)
        return self._shares[q]

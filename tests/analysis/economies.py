"""Small economies for the analysis tests, built from dense matrices."""

from __future__ import annotations

import numpy as np

from commonplan.economy.build import build_economy
from commonplan.economy.model import Economy


def leontief_economy(a: np.ndarray, labour: np.ndarray, demand: np.ndarray | None = None,
                     alternatives: list[tuple[int, np.ndarray, float]] = ()) -> Economy:
    """Products p0..pn-1 each made by technique t<i> with produced inputs a[:, i] and labour[i].

    ``alternatives``: extra techniques (product, produced inputs, labour), appended in order.
    """
    n = a.shape[0]
    products = [{"id": f"p{i}", "kind": "good"} for i in range(n)] + [{"id": "work", "kind": "labour"}]
    techniques = [{"id": f"t{i}", "output": f"p{i}"} for i in range(n)]
    columns = [(i, a[:, i], labour[i]) for i in range(n)]
    for k, (product, inputs, hours) in enumerate(alternatives):
        techniques.append({"id": f"alt{k}", "output": f"p{product}"})
        columns.append((product, inputs, hours))
    inputs = []
    for technique, (_, coefficients, hours) in zip(techniques, columns, strict=True):
        inputs += [{"technique": technique["id"], "product": f"p{q}", "quantity": repr(float(c))}
                   for q, c in enumerate(coefficients) if c != 0]
        if hours != 0:
            inputs.append({"technique": technique["id"], "product": "work", "quantity": repr(float(hours))})
    needs = [] if demand is None else [{"product": f"p{i}", "quantity": repr(float(q))}
                                       for i, q in enumerate(demand) if q > 0]
    return build_economy(products=products, techniques=techniques, inputs=inputs, needs=needs)

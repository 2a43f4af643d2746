"""The ``needs --json`` document (SPEC section 4) and the keys it adds."""

from __future__ import annotations

from typing import Any

import numpy as np

from commonplan.needs.discover import NeedsEstimate


def _map(products: list[str], numbers: np.ndarray) -> dict[str, float]:
    return dict(zip(products, np.asarray(numbers, float).tolist(), strict=True))


def needs_document(estimate: NeedsEstimate) -> dict[str, Any]:
    """SPEC's keys (horizon_days, needs, shortage_days) and more: the 80% interval, the plain
    forecast before feedback, the naive sum of sales scaled to the horizon,
    requests, every adjustment with its reason, figures about people."""
    products = estimate.products
    people = estimate.people
    return {
        "horizon_days": estimate.horizon_days,
        "needs": _map(products, estimate.quantity),
        "shortage_days": dict(zip(products, estimate.shortage_days.astype(int).tolist(), strict=True)),
        "interval_80": {product: [low, high] for product, low, high in
                        zip(products, estimate.low.tolist(), estimate.high.tolist(), strict=True)},
        "forecast": _map(products, estimate.forecast.quantity),
        "naive": _map(products, estimate.forecast.naive),
        "requested": _map(products, estimate.requested),
        "adjustments": [{"product": a.product, "factor": float(a.factor), "before": float(a.before),
                         "after": float(a.after),
                         "reason": a.reason} for a in estimate.adjustments],
        "people": {"k": people.k, "buyers": people.buyers, "members_waiting": people.members_waiting,
                   "withheld": people.withheld},
    }

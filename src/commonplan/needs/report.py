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
    requests, every adjustment with its reason, the products whose estimate leans on their group,
    the demand moved to declared substitutes, open requests older than the horizon, figures about
    people."""
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
        "shrunk_toward_group": [product for product, leans in
                                zip(products, estimate.forecast.shrunk.tolist(), strict=True) if leans],
        "substitution": [{"product": m.product, "substitute": m.substitute, "days": m.days,
                          "moved": m.units} for m in estimate.moved],
        "stale_requests": estimate.stale,
        "people": {"k": people.k, "buyers": people.buyers, "members_waiting": people.members_waiting,
                   "withheld": people.withheld},
    }

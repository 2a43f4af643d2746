"""The JSON documents of SPEC section 3, built from domain results (shared by every interface).

Maps list every id of their kind in file order, zeros included; numbers are finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from commonplan import __version__
from commonplan.analysis.requirements import Requirements
from commonplan.analysis.values import LabourValues
from commonplan.economy.model import Economy
from commonplan.economy.problems import Problem
from commonplan.planning.periods import PeriodPlans
from commonplan.planning.plan import Plan


def provenance(bundle_sha256: str | None, **more: str) -> dict[str, Any]:
    return {"bundle_sha256": bundle_sha256, "commonplan_version": __version__, **more}


def id_map(ids: pa.Array, numbers: np.ndarray) -> dict[str, float]:
    """``{id: number}`` in the order given, as plain Python floats."""
    return dict(zip(ids.to_pylist(), np.asarray(numbers, float).tolist(), strict=True))


def values_document(economy: Economy, values: LabourValues) -> dict[str, Any]:
    ids = economy.products.ids.take(values.products)
    document: dict[str, Any] = {"unit": "hours", "values": id_map(ids, values.hours),
                                "residual": values.residual}
    if values.embodied is not None:
        kinds = economy.products.ids.take(economy.primary).to_pylist()
        rows = values.embodied.tolist()
        document["by_kind"] = {product: dict(zip(kinds, row, strict=True))
                               for product, row in zip(ids.to_pylist(), rows, strict=True)}
    return document


def requirements_document(economy: Economy, requirements: Requirements) -> dict[str, Any]:
    """Gross output is given for the produced products (those that have labour values)."""
    primary = economy.primary
    return {"activity": id_map(economy.techniques.ids, requirements.activity),
            "use": id_map(economy.products.ids.take(primary), requirements.use),
            "gross_output": id_map(economy.products.ids.take(economy.produced),
                                   requirements.gross_output),
            "labour_hours": requirements.labour_hours,
            "residual": requirements.residual}


def document_rows(document: dict[str, Any], prefix: str = "") -> list[tuple[str, str, float | None]]:
    """Every number of a SPEC document as rows (quantity, id, value), in the document's order:
    its maps of numbers (``values``, ``activity``, ``net_output``, ``fulfilment``...),
    ``by_kind`` as ``by_kind:<kind>``, and each of a multi-period plan's ``periods`` as
    ``period <n>:<quantity>``; the CSV download of a result."""
    rows: list[tuple[str, str, float | None]] = []
    for quantity, content in document.items():
        if not isinstance(content, dict) or quantity in ("provenance", "binding"):
            continue
        for key, value in content.items():
            if isinstance(value, dict):
                rows += [(f"{prefix}{quantity}:{kind}", key, number) for kind, number in value.items()]
            elif value is None or isinstance(value, int | float):
                rows.append((prefix + quantity, key, value))
    for period in document.get("periods", []):
        rows += document_rows(period, f"period {period['period']}:")
    return rows


def validation_document(problems: list[Problem]) -> dict[str, Any]:
    return {"ok": not problems, "errors": [problem.as_json() for problem in problems]}


def plan_document(economy: Economy, plan: Plan) -> dict[str, Any]:
    """SPEC section 3's ``plan --json`` (without provenance and warnings)."""
    problem, products, techniques = plan.problem, economy.products, economy.techniques
    primary = economy.primary
    document: dict[str, Any] = {
        "status": plan.status.spec,
        "fulfilment": {str(int(tier)): float(share)
                       for tier, share in zip(plan.tiers, plan.fulfilment, strict=True)},
        "activity": id_map(techniques.ids, plan.activity),
        "net_output": id_map(products.ids, plan.net_output),
        "labour_hours": plan.labour_hours,
        "shadow_prices": {},
        "capacity_prices": {},
        "binding": {"resources": products.ids.take(plan.binding_limits).to_pylist(),
                    "capacities": techniques.ids.take(plan.binding_capacities).to_pylist()},
        "explanation": plan.explanation,
        "use": id_map(products.ids.take(primary), -plan.net_output[primary]),
    }
    if plan.shadow_prices is not None:
        prices = np.zeros(len(products))
        prices[problem.limited] = plan.shadow_prices
        document["shadow_prices"] = id_map(products.ids.take(primary), prices[primary])
    if plan.capacity_prices is not None:
        document["capacity_prices"] = id_map(techniques.ids, plan.capacity_prices)
    return document


def periods_document(plans: PeriodPlans) -> dict[str, Any]:
    """The JSON of ``plan --periods N --json``: SPEC's ``plan --json`` keys describe the first
    period (the one to carry out now); ``periods`` holds every period's plan with its
    ``investment``, ``investment_goods`` and ``capacity``; ``least_fulfilment`` the least
    lambda of each tier over the periods.  Provenance and warnings are the caller's."""
    tiers = [str(int(tier)) for tier in plans.plans[0].tiers]
    every = [period_document(plans, s) for s in range(plans.periods)]
    return {**every[0], "explanation": plans.explanation,
            "least_fulfilment": dict(zip(tiers, plans.least_fulfilment.tolist(), strict=True)),
            "total_labour_hours": plans.labour_hours, "periods": every}


def period_document(plans: PeriodPlans, s: int) -> dict[str, Any]:
    """Period s+1's plan in SPEC's ``plan --json`` keys, with what it invests and its capacities."""
    plan = plans.plans[s]
    economy = plan.problem.economy
    techniques, products = economy.techniques.ids, economy.products.ids
    capacity = plans.capacity[s]
    return {"period": s + 1, **plan_document(economy, plan),
            "investment": id_map(techniques, plans.investment[s]),
            "investment_goods": id_map(products.take(economy.produced),
                                       plans.investment_goods[s, economy.produced]),
            "capacity": dict(zip(techniques.to_pylist(),
                                 [float(c) if np.isfinite(c) else None for c in capacity.tolist()],
                                 strict=True))}

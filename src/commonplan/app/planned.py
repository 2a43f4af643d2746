"""What a plan job planned for: the needs it was computed on (the bundle's, or those its round
learned from the people's records) with the tiers voted and the projects funded. The job runner
reads them to plan; the watch of execution reads them to say whose deliveries a shortfall puts
at risk (app.alerts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from commonplan.app import variants
from commonplan.economy.model import Economy, Needs
from commonplan.store.models import Job


def learned_quantities(session: Session, options: Mapping[str, Any]) -> dict[str, float] | None:
    """The needs (product to quantity) a plan job with ``options`` plans on learned needs from
    (its ``needs_job``); None when it plans the bundle's."""
    if "needs_job" not in options:
        return None
    source = session.get(Job, options["needs_job"])
    return dict((source.result or {}).get("needs", {})) if source is not None else {}


def planned_needs(session: Session, economy: Economy, job: Job | None) -> Needs:
    """The needs the plan job ``job`` planned: the bundle's, or those its needs job learned,
    with the tiers voted and the projects funded (what its fulfilment is of)."""
    options = job.options if job is not None else {}
    quantities = learned_quantities(session, options)
    learned = variants.learned_needs(economy, quantities)[0] if quantities is not None else None
    return variants.variant_needs(economy, variants.choices_from_options(options), learned)

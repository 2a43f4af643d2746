"""The use cases of alerts that the API, the pages and the command line share: watching a
workplace's targets after each report it files (an alert raised when its forecast or alarm says
so, with its consequences through the adopted plan), the round's alerts ranked by consequence,
one alert with its history, the alerts a council holds, and the acts (app.acts.alerts) with the
climb due swept first. The rules are execution.alerts and execution.consequences."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from commonplan.app.acts.alerts import (
    NO_TIER,
    Raised,
    acknowledge_alert,
    act_on_alert,
    may_raise,
    raise_alert,
    sweep_alerts,
)
from commonplan.app.acts.common import found, utc
from commonplan.app.comparisons import names_of_economy
from commonplan.app.planned import planned_needs
from commonplan.app.targets import activity_of
from commonplan.democracy.rounds import Step
from commonplan.economy.bundle import read_bundle
from commonplan.economy.problems import BundleError
from commonplan.execution.alerts import OPEN_STATES, Direction, trigger
from commonplan.execution.consequences import (
    Consequence,
    Structure,
    consequence,
    deliveries_by_tier,
    shortfall_cap,
    structure,
)
from commonplan.store.books import OpenBooks
from commonplan.store.models import (
    Alert,
    AlertEvent,
    Council,
    CouncilMember,
    Job,
    Member,
    Round,
    StoredEconomy,
)

logger = logging.getLogger(__name__)
PLANS_KEPT = 2  # adopted plans' structures kept in memory (one per round in execution, mostly)
SHOWN_HELD = 50  # open alerts a council's page (and its route) lists, the gravest first
SHOWN_EVENTS = 100  # steps of an alert's history shown


@dataclass(frozen=True)
class Plan:
    """An adopted plan's structure (execution.consequences) and its products' ids by position."""

    structure: Structure
    products: tuple[str, ...]
    position: Mapping[str, int]


_plans: OrderedDict[tuple[str, str], Plan] = OrderedDict()
_lock = threading.Lock()


def adopted_plan(db: Session, held: Round) -> Plan:
    """The structure of the round's adopted plan, computed once per bundle and adopted plan (by
    their SHA-256) and kept (:data:`PLANS_KEPT`): its techniques and activity, and its final
    deliveries by tier (the needs it planned, learned and voted, at its fulfilment of each tier)."""
    stored = found(db, StoredEconomy, held.economy_id, "economy")
    adopted = db.get(Job, held.adopted_job_id) if held.adopted_job_id is not None else None
    result: Mapping[str, Any] = (adopted.result or {}) if adopted is not None else {}
    key = (stored.bundle_sha256, held.plan_sha256 or hashlib.sha256(
        json.dumps(result, sort_keys=True, default=str).encode()).hexdigest())
    with _lock:
        if key in _plans:
            _plans.move_to_end(key)
            return _plans[key]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.zip"
        path.write_bytes(stored.bundle)
        economy = read_bundle(path).economy
    deliveries, tiers = deliveries_by_tier(planned_needs(db, economy, adopted),
                                           _fulfilment(result.get("fulfilment")), len(economy.products))
    products = tuple(economy.products.ids.to_pylist())
    plan = Plan(structure(economy, activity_of(economy, result), deliveries, tiers), products,
                {product: position for position, product in enumerate(products)})
    with _lock:
        _plans[key] = plan
        while len(_plans) > PLANS_KEPT:
            _plans.popitem(last=False)
    return plan


def _fulfilment(given: Any) -> dict[int, float]:
    """The plan's fulfilment by tier (SPEC: priority number as text to lambda; a plan of several
    periods gives it per period, of which the first is carried out)."""
    if isinstance(given, list) and given:
        given = given[0]
    if not isinstance(given, Mapping):
        return {}
    fulfilment = {}
    for tier, value in given.items():
        try:
            fulfilment[int(tier)] = float(value)
        except (TypeError, ValueError):
            continue
    return fulfilment


def consequence_document(db: Session, held: Round, plan: Plan, result: Consequence,
                         fraction: float) -> dict[str, Any]:
    """What a shortfall puts at risk, as stored with its alert and served: each tier's hours at
    risk of its deliveries, the products at risk with names, the workplaces hit with their
    councils."""
    names = names_of_economy(db, held.economy_id).products
    producers = [hit.producer for hit in result.workplaces]
    councils = {council.producer: council for council in db.scalars(
        select(Council).where(Council.producer.in_(producers)))} if producers else {}

    def product(position: int) -> dict[str, str]:
        ident = plan.products[position]
        name, unit = names.get(ident, (ident, ""))
        return {"product": ident, "name": name or ident, "unit": unit}

    return {
        "method": "leontief rationing", "fraction_of_plan": fraction,
        "hours_at_risk": result.hours, "first_tier_at_risk": result.first_tier,
        "tiers": [{"priority": tier.priority, "delivered_hours": tier.delivered_hours,
                   "hours_at_risk": tier.hours,
                   "share_at_risk": tier.hours / tier.delivered_hours if tier.delivered_hours > 0 else 0.0,
                   "products_at_risk": tier.count,
                   "products": [{**product(each.product), "quantity": each.quantity, "hours": each.hours}
                                for each in tier.products]} for tier in result.tiers],
        "workplaces": [{"producer": hit.producer,
                        "council": ({"id": councils[hit.producer].id, "name": councils[hit.producer].name}
                                    if hit.producer in councils else None),
                        "fraction": hit.fraction, "hours_lost": hit.hours} for hit in result.workplaces],
        "workplaces_hit": result.workplaces_hit, "products_short": result.products_short,
        "rounds": result.rounds}


NOTHING_AT_RISK = {"method": "leontief rationing", "fraction_of_plan": 1.0, "hours_at_risk": 0.0,
                   "first_tier_at_risk": None, "tiers": [], "workplaces": [], "workplaces_hit": 0,
                   "products_short": 0, "rounds": 0}


def watch_report(db: Session, books: OpenBooks, held: Round, council: Council, period: str,
                 forecasts: Sequence[Mapping[str, Any]]) -> list[Alert]:
    """After ``council`` filed its report for ``period``: an alert for each of its targets whose
    forecast (app.reports.forecasts_view) raises one (execution.alerts.trigger), with the
    consequences of the shortfall forecast (above plan: nothing at risk); the climb due swept."""
    sweep_alerts(db, books, held.id)
    raised = []
    for view in forecasts:
        alarms = [(alarm["period"], bool(alarm["below"])) for alarm in view["alarms"]]
        for cause in trigger(view["fulfilment"], view["high"], alarms, period):
            if not may_raise(db, held.id, council.producer or "", view["product"], cause.direction.value,
                             cause.period):
                continue  # its alert is open, or was raised for that period: nothing to compute
            fraction = min(max(float(view["fulfilment"]), 0.0), 1.0)
            document, tier, hours = dict(NOTHING_AT_RISK), None, 0.0
            if cause.direction is Direction.BELOW and fraction < 1:
                try:
                    plan = adopted_plan(db, held)
                except (BundleError, ValueError) as error:  # the alert is raised all the same, saying why
                    document["unavailable"] = f"the consequences could not be computed: {error}"[:500]
                    plan = None
                position = plan.position.get(view["product"]) if plan is not None else None
                if plan is not None and position is not None:
                    result = consequence(plan.structure, shortfall_cap(plan.structure, council.producer or "",
                                                                       position, fraction))
                    document = consequence_document(db, held, plan, result, fraction)
                    tier = result.first_tier
                    hours = next((each.hours for each in result.tiers if each.priority == tier), 0.0)
            alert = raise_alert(db, books, held, council, Raised(
                council.producer or "", view["product"], cause, cause.period, float(view["fulfilment"]),
                float(view["low"]), float(view["high"]), document, tier, hours))
            if alert is not None:
                raised.append(alert)
    return raised


# -- views ---------------------------------------------------------------------------------------


def ranked(query: Select[Alert]) -> Select[Alert]:
    """Alerts in the order of their consequence: open ones first, then the earliest tier at risk,
    the most hours at risk in it, the oldest."""
    return query.order_by(Alert.open_slot.is_(None), Alert.rank_tier, Alert.rank_hours.desc(), Alert.id)


def round_alerts_query(round_id: int) -> Select[Alert]:
    return ranked(select(Alert).where(Alert.round_id == round_id))


def council_alerts_query(council_id: int) -> Select[Alert]:
    """The open alerts a council holds, ranked."""
    return ranked(select(Alert).where(Alert.holder_id == council_id, Alert.open_slot.is_not(None)))


def swept_round(db: Session, books: OpenBooks, round_id: int) -> Round:
    """The round (refused when there is none), its overdue alerts climbed."""
    held = found(db, Round, round_id, "round")
    sweep_alerts(db, books, held.id)
    return held


def alert_view(db: Session, books: OpenBooks, alert: Alert, *, history: bool = False) -> dict[str, Any]:
    """An alert as people and programs read it: the target (product and workplace named), why it
    was raised, its forecast, state, holder, deadline (and whether it passed at the top), how
    often it climbed, its consequences and rank; with ``history``, every step (who, when)."""
    held = db.get(Round, alert.round_id)
    names = names_of_economy(db, held.economy_id).products if held is not None else {}
    council, holder = db.get(Council, alert.council_id), db.get(Council, alert.holder_id)
    name, unit = names.get(alert.product, (alert.product, ""))
    deadline = utc(alert.deadline)
    is_open = alert.state in OPEN_STATES
    view = {
        "id": alert.id, "round": alert.round_id, "producer": alert.producer,
        "product": alert.product, "name": name or alert.product, "unit": unit,
        "council": {"id": alert.council_id, "name": council.name if council is not None else ""},
        "holder": {"id": alert.holder_id, "name": holder.name if holder is not None else ""},
        "direction": alert.direction, "cause": alert.cause, "period": alert.period,
        "fulfilment": alert.fulfilment, "low": alert.low, "high": alert.high, "state": alert.state,
        "open": is_open, "deadline": deadline.isoformat() if is_open else None,
        "overdue": is_open and deadline <= utc(books.clock()), "steps": alert.steps,
        "raised_at": utc(alert.raised_at).isoformat(),
        "acted_at": utc(alert.acted_at).isoformat() if alert.acted_at is not None else None,
        "rank": {"tier": None if alert.rank_tier == NO_TIER else alert.rank_tier, "hours": alert.rank_hours},
        "consequences": alert.consequences}
    if history:
        events = list(db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                                 .order_by(AlertEvent.id).limit(SHOWN_EVENTS)))
        councils = {row.id: row.name for row in db.scalars(select(Council).where(
            Council.id.in_({event.council_id for event in events})))}
        view["history"] = [{
            "kind": event.kind, "at": utc(event.at).isoformat(), "actor": event.actor,
            "council": {"id": event.council_id, "name": councils.get(event.council_id, "")},
            "from": event.from_council_id,
            "deadline_passed": utc(event.deadline_passed).isoformat() if event.deadline_passed else None,
            "note": event.note} for event in events]
    return view


def one_alert(db: Session, books: OpenBooks, alert_id: int) -> dict[str, Any]:
    """An alert with its history, its climb due taken first."""
    alert = found(db, Alert, alert_id, "alert")
    sweep_alerts(db, books, alert.round_id)
    db.refresh(alert)
    return alert_view(db, books, alert, history=True)


def council_alerts(db: Session, books: OpenBooks, council: Council) -> list[dict[str, Any]]:
    """The open alerts ``council`` holds, ranked (the first :data:`SHOWN_HELD`: what its page
    shows), the climb due swept."""
    sweep_alerts(db, books)
    return [alert_view(db, books, alert)
            for alert in db.scalars(council_alerts_query(council.id).limit(SHOWN_HELD))]


def acknowledged(db: Session, books: OpenBooks, me: Member, alert_id: int) -> dict[str, Any]:
    return alert_view(db, books, acknowledge_alert(db, books, me, alert_id), history=True)


def acted_on(db: Session, books: OpenBooks, me: Member, alert_id: int, note: str) -> dict[str, Any]:
    return alert_view(db, books, act_on_alert(db, books, me, alert_id, note), history=True)


def may_answer(db: Session, council: Council, me: Member | None) -> bool:
    """Whether ``me`` is a member of ``council`` (who may acknowledge and act on what it holds)."""
    return me is not None and db.get(CouncilMember, (council.id, me.id)) is not None



SWEEP_SECONDS = 60.0  # how often the server climbs the alerts due, without anyone reading them


class AlertSweeper:
    """The server's sweep of alerts (app.acts.alerts.sweep_alerts) every ``seconds``, in a thread
    of its own and a transaction each time, so an alert climbs on time, on the books, even when
    nobody reads alerts; reads sweep too, and two sweeps at once climb each step once."""

    def __init__(self, make_session: Callable[[], Session], books: OpenBooks,
                 seconds: float = SWEEP_SECONDS) -> None:
        self.sessions, self.books, self.seconds = make_session, books, seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="alert-sweeper", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)

    def sweep(self) -> int:
        """One sweep, committed: the steps taken."""
        with self.sessions() as session, session.begin():
            return sweep_alerts(session, self.books)

    def warm(self) -> int:
        """The adopted plans of the latest rounds in execution (:data:`PLANS_KEPT`) read and kept,
        so that the first alert of a round does not read its economy while the report that
        raised it holds the books' lock; how many."""
        with self.sessions() as session:
            held = list(session.scalars(select(Round).where(Round.step == Step.EXECUTION.value,
                                                            Round.adopted_job_id.is_not(None))
                                        .order_by(Round.id.desc()).limit(PLANS_KEPT)))
            for each in held:
                adopted_plan(session, each)
            return len(held)

    def _run(self) -> None:
        while not self.stopping.wait(self.seconds):
            try:
                self.sweep()
                self.warm()
            except Exception:  # a failed sweep is retried at the next; reads sweep too
                logger.exception("the sweep of alerts failed")

"""The targets of a round's adopted plan for every workplace (planning.targets): computed once,
when the round leaves the adoption (the plan frozen by its SHA-256), stored one JSON document
per producer (store.models.RoundTarget) and served from there, so one workplace's targets are one
row read, whatever the size of the economy. The API, the pages and the CSV downloads share the
views here; the documents keep exact figures, the pages round them for people."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.orm import Session

from commonplan.app.rows import ancestors, found
from commonplan.democracy.refusals import Refusal
from commonplan.democracy.rounds import Step
from commonplan.economy.model import Economy
from commonplan.planning.targets import Input, WorkplaceTargets, workplace_targets
from commonplan.store.books import OpenBooks
from commonplan.store.models import (
    Council,
    CouncilMember,
    Job,
    JobState,
    Round,
    RoundTarget,
    TargetDispute,
    table_of,
)

PUBLISHED = (Step.TARGETS, Step.EXECUTION, Step.CLOSED)  # the steps in which a round has targets
DISPUTABLE = (Step.TARGETS, Step.EXECUTION)  # the steps in which a target may be disputed
# the kinds of target a workplace may dispute: the section of its targets and the key naming one
DISPUTED = {"output": ("outputs", "technique"), "input": ("inputs", "product"),
            "labour": ("labour", "product")}
CSV_COLUMNS = ("producer", "section", "technique", "product", "name", "unit", "quantity", "from", "others")
SHOWN_DISPUTES = 100  # open disputes a round's view lists
BATCH = 500  # documents read at a time for a download of every workplace's targets


def targets_job_document(economy: Economy, adopted: Mapping[str, Any], round_id: int) -> dict[str, Any]:
    """What a round's targets job computes (app.jobs): every workplace's targets in the plan
    whose result is ``adopted``, as documents; :func:`keep_targets` stores them."""
    return {"round": round_id, "documents": targets_documents(economy, activity_of(economy, adopted))}


def keep_targets(session: Session, result: dict[str, Any]) -> dict[str, Any]:
    """Store the documents of a targets job's ``result`` as its round's targets; the result the
    job keeps: the round, how many workplaces have targets and the SHA-256 of them all."""
    documents = result.pop("documents")
    held = found(session, Round, result["round"], "round")
    return {**result, "workplaces": len(documents), "targets_sha256": store_targets(session, held, documents)}


def record_published(session: Session, books: OpenBooks, held: Round, actor: str) -> None:
    """Record on the open books that the round's targets are published (its targets job done):
    the plan they are of, how many workplaces and the SHA-256 of them all."""
    job = found(session, Job, held.targets_job_id or 0, "job")
    kept = job.result or {}
    books.record(session, "targets published", actor, {
        "round": held.id, "job": job.id, "plan_sha256": held.plan_sha256,
        "workplaces": kept.get("workplaces", 0), "targets_sha256": kept.get("targets_sha256", "")})


def targets_state(session: Session, held: Round) -> Job | None:
    """The job publishing the round's targets; None before the round adopted its plan."""
    return session.get(Job, held.targets_job_id) if held.targets_job_id is not None else None


def targets_documents(economy: Economy, activity: np.ndarray) -> list[dict[str, Any]]:
    """Every workplace's targets for the plan of ``activity``, as stored documents, by name."""
    names = _names(economy)
    return [target_document(target, names) for target in workplace_targets(economy, activity)]


def store_targets(session: Session, held: Round, documents: list[dict[str, Any]]) -> str:
    """Store the round's ``documents`` (one per workplace, in name order), in place of any it
    had (a targets job queued anew stores them whole again); their SHA-256."""
    session.execute(delete(RoundTarget).where(RoundTarget.round_id == held.id))
    if documents:
        session.execute(insert(table_of(RoundTarget)), [
            {"round_id": held.id, "position": position, "producer": document["producer"],
             "document": document} for position, document in enumerate(documents)])
    return hashlib.sha256(json.dumps(documents, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def activity_of(economy: Economy, result: Mapping[str, Any]) -> np.ndarray:
    """The plan's activity (SPEC ``activity``: every technique's, the first period's for a plan
    of several) in the economy's order."""
    activity = result.get("activity") or {}
    return np.array([float(activity.get(technique, 0.0)) for technique in economy.techniques.ids.to_pylist()])


def _names(economy: Economy) -> dict[str, tuple[str, str]]:
    """Each product's name and unit (its id and "" where the bundle gives none)."""
    products = economy.products
    ids = products.ids.to_pylist()
    names = products.names.to_pylist() if products.names is not None else [None] * len(ids)
    units = products.units.to_pylist() if products.units is not None else [None] * len(ids)
    return {product: (name or product, unit or "")
            for product, name, unit in zip(ids, names, units, strict=True)}


def target_document(target: WorkplaceTargets, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """One workplace's targets as stored and served: exact figures, products with their names."""

    def item(each: Input, *more: tuple[str, Any]) -> dict[str, Any]:
        name, unit = names[each.product]
        return {"product": each.product, "name": name, "unit": unit, "quantity": each.quantity, **dict(more)}

    return {
        "producer": target.producer,
        "outputs": [{"technique": output.technique, "product": output.product,
                     "name": names[output.product][0], "unit": names[output.product][1],
                     "activity": output.activity, "quantity": output.quantity} for output in target.outputs],
        "inputs": [item(each, ("from", [{"producer": supply.producer, "quantity": supply.quantity}
                                        for supply in each.suppliers]),
                        ("others", {"producers": each.others, "quantity": each.others_quantity}))
                   for each in target.inputs],
        "resources": [item(each) for each in target.resources],
        "labour": [item(each) for each in target.labour],
        "labour_hours": target.labour_hours,
    }


# -- serving ---------------------------------------------------------------------------------


def published_round(session: Session, round_id: int) -> Round:
    """The round, refused (not_ready) before its targets are published: before it leaves the
    adoption of its plan, and while its targets job has not finished."""
    held = found(session, Round, round_id, "round")
    if Step(held.step) not in PUBLISHED:
        raise Refusal("not_ready", f"round {held.id} publishes its targets when it leaves the adoption "
                      f"of its plan; it is at {held.step!r}")
    job = targets_state(session, held)
    if job is None or job.state != JobState.DONE:
        state = "" if job is None else f" (job {job.id}, {job.state})"
        raise Refusal("not_ready", f"round {held.id}'s targets are being published{state}")
    return held


def stored_targets(session: Session, held: Round, producer: str) -> RoundTarget:
    """The stored targets of ``producer`` in the round; refused (not_found) when it has none."""
    row = session.scalar(select(RoundTarget).where(RoundTarget.round_id == held.id,
                                                   RoundTarget.producer == producer))
    if row is None:
        raise Refusal("not_found", f"the adopted plan of round {held.id} gives no targets to a producer "
                      f"named {producer!r} (its techniques name the producers)")
    return row


def targets_view(session: Session, held: Round, row: RoundTarget, *, disputes: bool = True) -> dict[str, Any]:
    """One workplace's targets as the API answers and the pages show them: the round, its plan's
    hash, the workplace council that is this producer (if one is), the targets and, with
    ``disputes``, the disputes of them."""
    council = session.scalar(select(Council).where(Council.producer == row.producer))
    view: dict[str, Any] = {
        "round": held.id, "plan_sha256": held.plan_sha256,
        "council": None if council is None else {"id": council.id, "name": council.name},
        **row.document}
    if disputes:
        view["disputes"] = [dispute_view(session, dispute, row.document) for dispute in session.scalars(
            select(TargetDispute).where(TargetDispute.round_id == held.id,
                                        TargetDispute.producer == row.producer).order_by(TargetDispute.id))]
    return view


def targets_summary(session: Session, held: Round) -> dict[str, Any]:
    """What the round's view shows of its targets: how many workplaces have them, the open
    disputes for the federation (the first SHOWN_DISPUTES, oldest first) with how many, and the
    job publishing them (its state and progress)."""
    if Step(held.step) not in PUBLISHED:
        return {"workplaces": 0, "open_disputes": 0, "disputes": [], "targets_job": None}
    job = targets_state(session, held)
    publishing = None if job is None else {"id": job.id, "state": job.state, "progress": job.progress,
                                           "message": job.message}
    open_ones = select(TargetDispute).where(TargetDispute.round_id == held.id,
                                            TargetDispute.open_slot.is_not(None))
    shown = list(session.scalars(open_ones.order_by(TargetDispute.id).limit(SHOWN_DISPUTES)))
    documents = {row.producer: row.document for row in session.scalars(select(RoundTarget).where(
        RoundTarget.round_id == held.id, RoundTarget.producer.in_({d.producer for d in shown})))}
    return {
        "workplaces": session.scalar(select(func.count()).select_from(RoundTarget)
                                     .where(RoundTarget.round_id == held.id)) or 0,
        "open_disputes": session.scalar(select(func.count()).select_from(open_ones.subquery())) or 0,
        "disputes": [dispute_view(session, dispute, documents.get(dispute.producer, {}))
                     for dispute in shown],
        "targets_job": publishing}


def dispute_view(session: Session, dispute: TargetDispute,
                 document: dict[str, Any] | None = None) -> dict[str, Any]:
    """A dispute as the federation reads it: who (the council; the member's pseudonym is on the
    open books), what (by the product's name, from the workplace's targets ``document``, read
    when not given), why, and the federation's answer once given."""
    council = session.get(Council, dispute.council_id)
    if document is None:
        document = session.scalar(select(RoundTarget.document).where(
            RoundTarget.round_id == dispute.round_id, RoundTarget.producer == dispute.producer)) or {}
    return {"id": dispute.id, "round": dispute.round_id, "council": dispute.council_id,
            "council_name": council.name if council is not None else "",
            "producer": dispute.producer, "kind": dispute.kind, "target": dispute.target,
            "target_name": target_name(document, dispute.kind, dispute.target),
            "reason": dispute.reason, "open": dispute.open_slot is not None,
            "opened_at": dispute.opened_at.isoformat(), "answer": dispute.answer or None}


def target_name(document: dict[str, Any], kind: str, target: str) -> str:
    """The name of the product a ``kind`` target is of (an output's target is its technique):
    the name in the workplace's targets ``document``, the target itself where it is not there."""
    section, key = DISPUTED[kind]
    return next((item["name"] for item in document.get(section, ()) if item[key] == target), target)


def council_targets(session: Session, council_id: int,
                    round_id: int | None = None) -> tuple[Round, RoundTarget]:
    """The targets of the workplace council ``council_id``, for the producer it is: in the round
    ``round_id``, or in the latest round with published targets of a federation above it."""
    council = found(session, Council, council_id, "council")
    if council.producer is None:
        raise Refusal("not_eligible", f"council {council.id} has not said which producer it is: "
                      "its members name it, on its page or by the API")
    if round_id is not None:
        held = published_round(session, round_id)
        return held, stored_targets(session, held, council.producer)
    above = ancestors(session, council)
    row = session.scalar(select(RoundTarget).join(Round, Round.id == RoundTarget.round_id).where(
        RoundTarget.producer == council.producer, Round.council_id.in_(above))
        .order_by(RoundTarget.round_id.desc()).limit(1))
    if row is None:
        raise Refusal("not_found", f"no round of a federation above council {council.id} has published "
                      f"targets for the producer {council.producer!r} yet")
    return found(session, Round, row.round_id, "round"), row


def council_targets_page(session: Session, council: Council, member_id: int) -> dict[str, Any]:
    """What a workplace council's page shows of its targets: the latest published for the
    producer it is (None before any are) and whether the viewer, a member, may dispute them."""
    try:
        held, row = council_targets(session, council.id)
    except Refusal:
        return {"targets": None, "may_dispute": False}
    disputable = Step(held.step) in DISPUTABLE
    return {"targets": targets_view(session, held, row),
            "may_dispute": disputable and session.get(CouncilMember, (council.id, member_id)) is not None}


def round_targets_query(held: Round) -> Select[RoundTarget]:
    """The round's stored targets in producer name order (for paging)."""
    return select(RoundTarget).where(RoundTarget.round_id == held.id).order_by(RoundTarget.position)


def workplaces(session: Session, held: Round, rows: list[RoundTarget]) -> list[dict[str, Any]]:
    """The workplaces of ``rows`` (a page of the round's targets) as the round's list of them
    shows them: the producer, its council (if one is this producer), its outputs named, its
    labour hours, how many of its disputes are open."""
    producers = [row.producer for row in rows]
    councils = {council.producer: council for council in session.scalars(
        select(Council).where(Council.producer.in_(producers)))}
    open_by: dict[str, int] = {producer: count for producer, count in session.execute(
        select(TargetDispute.producer, func.count()).where(
            TargetDispute.round_id == held.id, TargetDispute.producer.in_(producers),
            TargetDispute.open_slot.is_not(None)).group_by(TargetDispute.producer))}
    return [{"producer": row.producer, "council": councils.get(row.producer),
             "outputs": [output["name"] for output in row.document["outputs"]],
             "labour_hours": row.document["labour_hours"], "disputes": open_by.get(row.producer, 0)}
            for row in rows]


# -- downloads -------------------------------------------------------------------------------


def csv_rows(document: dict[str, Any]) -> Iterator[list[Any]]:
    """A workplace's targets as CSV rows (:data:`CSV_COLUMNS`), exact figures: one row per
    output, one per supplier of each input (its part; the rest of its makers in one row with
    their number in ``others``), one per resource and kind of labour."""
    producer = document["producer"]
    for output in document["outputs"]:
        yield [producer, "output", output["technique"], output["product"], output["name"], output["unit"],
               output["quantity"], "", ""]
    for each in document["inputs"]:
        start = [producer, "input", "", each["product"], each["name"], each["unit"]]
        for supply in each["from"]:
            yield [*start, supply["quantity"], supply["producer"], ""]
        if each["others"]["producers"]:
            yield [*start, each["others"]["quantity"], "", each["others"]["producers"]]
        if not each["from"] and not each["others"]["producers"]:
            yield [*start, each["quantity"], "", ""]
    for section in ("resources", "labour"):
        for each in document[section]:
            yield [producer, section.removesuffix("s"), "", each["product"], each["name"], each["unit"],
                   each["quantity"], "", ""]


def targets_csv(documents: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The CSV text of ``documents``, a header first, a chunk per document."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for document in documents:
        writer.writerows(csv_rows(document))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def every_document(sessions: Callable[[], Session], round_id: int) -> Iterator[dict[str, Any]]:
    """The documents of every workplace of the round, in name order, read BATCH at a time in a
    session of their own (a download streams on after the request's session has closed)."""
    query = select(RoundTarget).where(RoundTarget.round_id == round_id).order_by(RoundTarget.position)
    position = 0
    with sessions() as session:
        while True:
            rows = session.scalars(query.where(RoundTarget.position >= position).limit(BATCH)).all()
            for row in rows:
                yield row.document
            if len(rows) < BATCH:
                return
            position = rows[-1].position + 1

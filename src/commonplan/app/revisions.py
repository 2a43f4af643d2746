"""A revision of the rest of a round's execution (a rolling horizon): what the reports teach
(execution.revision.learn), the periods left as a planning problem (rest_of_period), solved by
the planning use case itself (app.variants.plan_variant, with the round's voted tiers and
shares: no second planner), and compared with the adopted plan for the same periods. The job
worker computes it (:func:`revision_document`); the act deciding what becomes of it is
app.acts.revisions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from commonplan.app.acts.common import found, utc
from commonplan.app.acts.revisions import State, ask_learned_economy, ask_revision, settle
from commonplan.app.reports import due_of, planned_periods
from commonplan.app.runner import Runner
from commonplan.app.targets import targets_documents
from commonplan.app.variants import Choices, plan_variant, variant_needs
from commonplan.democracy.refusals import Refusal
from commonplan.economy.model import Economy, Needs
from commonplan.execution.revision import (
    TOLERANCE,
    Comparison,
    Learned,
    Reported,
    compare,
    learn,
    net_output,
    rest_of_period,
)
from commonplan.store.books import OpenBooks
from commonplan.store.models import Job, JobState, Member, Round, RoundRevision

if TYPE_CHECKING:
    from commonplan.planning.plan import Progress


def activity_of(economy: Economy, result: Mapping[str, Any]) -> np.ndarray:
    """A plan document's whole-period activity (SPEC ``activity``) in the economy's order."""
    activity = result.get("activity") or {}
    return np.array([float(activity.get(t, 0.0)) for t in economy.techniques.ids.to_pylist()])


def revise(economy: Economy, current: np.ndarray, choices: Choices, needs: Needs | None, *,
           periods: int, elapsed: int, reports: Sequence[Reported],
           promised: Mapping[int, float] | None = None, method: str = "lp",
           progress: Progress | None = None) -> dict[str, Any]:
    """The revision of the plan of whole-period activity ``current`` (which ``promised`` each
    tier that fulfilment) after ``elapsed`` of ``periods`` periods, from the current
    ``reports``, as the job keeps it: the comparison with the plan for the periods left, what
    was learned, the revised whole-period activity (the periods elapsed as done, the rest as
    revised) and every workplace's targets in it."""
    learned = learn(economy, current, periods, elapsed, reports)
    wanted = variant_needs(economy, choices, needs)
    planned_net = net_output(economy, current)
    rest = rest_of_period(economy, learned, wanted, planned_net)
    computed = plan_variant(rest.economy, Choices(choices.tiers, choices.shares, ()), rest.needs,
                            method=method, progress=progress)
    plan = computed.result
    after = {int(tier): float(value) for tier, value in zip(plan.tiers, plan.fulfilment, strict=True)}
    comparison = compare(economy, learned, rest, current, plan.activity, after, promised=promised,
                         binding_capacities=plan.binding_capacities.tolist(),
                         binding_limits=plan.binding_limits.tolist())
    n_t = len(economy.techniques)
    revised = learned.activity + plan.activity[:n_t]  # what was done to date, and the rest as revised
    learned_economy = learned_economy_of(economy, learned)
    return {
        "kind": "revision", "execution_periods": periods, "elapsed": elapsed,
        "activity": dict(zip(economy.techniques.ids.to_pylist(), revised.tolist(), strict=True)),
        "rest": {"fulfilment": {str(k): v for k, v in after.items()},
                 "labour_hours": float(plan.labour_hours), "explanation": plan.explanation,
                 "stocks_drawn": float(plan.activity[n_t:].sum())},
        "comparison": comparison_document(economy, comparison),
        "learned": learned_summary(economy, learned),
        "documents": targets_documents(learned_economy, revised),
        "warnings": [*learned.warnings, *computed.warnings],
        "tolerance": TOLERANCE,
    }




def learned_economy_of(economy: Economy, learned: Learned) -> Economy:
    """The economy with the coefficients learned (capacities and availabilities as the bundle
    gives them: the periods left are the revision's own problem)."""
    return Economy(economy.products, economy.techniques, learned.coefficients, economy.available,
                   economy.needs, economy.info)


def comparison_document(economy: Economy, comparison: Comparison) -> dict[str, Any]:
    """The comparison as JSON: tiers before, after and as promised, the tiers lowered, the
    changes named."""
    names = documents_names(economy)
    return {
        "fulfilment_before": {str(k): v for k, v in comparison.before.items()},
        "fulfilment_after": {str(k): v for k, v in comparison.after.items()},
        "fulfilment_promised": {str(k): v for k, v in comparison.promised.items()},
        "lowered": [str(tier) for tier in comparison.lowered], "lowers": bool(comparison.lowered),
        "changes": [{"product": names[change.product][0], "name": names[change.product][1],
                     "before": change.before, "after": change.after, "need": change.need,
                     "why": list(change.why)} for change in comparison.changes]}


def documents_names(economy: Economy) -> list[tuple[str, str]]:
    """Each product's id and name (its id where the bundle gives none), by position."""
    ids = economy.products.ids.to_pylist()
    names = economy.products.names.to_pylist() if economy.products.names is not None else [None] * len(ids)
    return [(product, name or product) for product, name in zip(ids, names, strict=True)]


def learned_summary(economy: Economy, learned: Learned) -> dict[str, Any]:
    """How many coefficients changed (beyond 1%), which capacities a shortfall lowered (the
    first 20 by id), the stocks on hand."""
    planned = sp.csc_array(economy.inputs)
    difference = sp.csc_array(abs(learned.coefficients - planned)).tocoo()
    at = np.abs(planned[difference.row, difference.col]) if difference.nnz else np.zeros(0)
    moved = int(np.count_nonzero(difference.data > 0.01 * np.asarray(at).ravel()))
    ids = economy.techniques.ids.to_pylist()
    lowered = [{"technique": ids[t], "capacity": float(learned.capacities[t])}
               for t in np.flatnonzero(learned.lowered)[:20].tolist()]
    return {"coefficients_changed": moved, "capacities_lowered": int(learned.lowered.sum()),
            "lowered": lowered, "stocks": float(learned.stocks.sum())}


def reported(rows: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> list[Reported]:
    """Stored reports (``producer``, ``period`` and the canonical sections) as the core reads
    them, each period numbered by its place among ``labels``, the periods elapsed."""
    place = {label: index for index, label in enumerate(labels)}

    def figures(items: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        return {item["product"]: float(item["quantity"]) for item in items}

    return [Reported(row["producer"], place[row["period"]], figures(row.get("outputs", [])),
                     figures(row.get("inputs", [])), figures(row.get("labour", [])),
                     figures(row.get("stocks", []))) for row in rows if row["period"] in place]


# -- the use cases the edges call -------------------------------------------------------------


def elapsed_periods(held: Round, now: datetime) -> tuple[int, list[str]]:
    """The periods of the round's execution as planned, and the labels of those elapsed (due,
    or reported already), in order: what a revision learns from and what it re-plans."""
    periods = planned_periods(held, now)
    due = {period.label for period in due_of(held, now)}
    ended = [index for index, period in enumerate(periods) if period.label in due]
    return len(periods), [period.label for period in periods[:ended[-1] + 1]] if ended else []


def start_revision(db: Session, books: OpenBooks, runner: Runner, me: Member, round_id: int,
                   now: datetime) -> RoundRevision:
    """Ask for a revision of the round's rest (app.acts.revisions.ask_revision), its job handed
    to the worker once the transaction is committed (before, the worker could not see it)."""
    held = found(db, Round, round_id, "round")
    periods, elapsed = elapsed_periods(held, now)
    revision = ask_revision(db, books, me, held.id, periods=periods, elapsed=elapsed)
    queued = revision.job_id
    event.listen(db, "after_commit", lambda _: runner.submit(queued), once=True)
    return revision


def settle_job(sessions: Callable[[], Session], books: OpenBooks, job_id: int) -> None:
    """Once job ``job_id`` has ended: if it computed a revision, decide it (applied, or put to
    the vote; app.acts.revisions.settle) in a transaction of its own."""
    with sessions() as session, session.begin():
        revision = session.scalar(select(RoundRevision).where(RoundRevision.job_id == job_id))
        if revision is None or revision.state != State.COMPUTING:
            return
        books.lock(session)
        session.refresh(revision)
        settle(session, books, revision)


def revision_view(db: Session, revision: RoundRevision) -> dict[str, Any]:
    """A revision as people and programs read it: what became of it, its job, its ballot, and
    once computed the comparison with the plan it revises (tiers before and after, the
    products whose delivery changes most, by name, and why) and what was learned."""
    job = db.get(Job, revision.job_id)
    result = job.result if job is not None and job.state == JobState.DONE and job.result else None
    view: dict[str, Any] = {
        "round": revision.round_id, "number": revision.number, "state": revision.state,
        "job": revision.job_id, "job_state": job.state if job is not None else None,
        "progress": job.progress if job is not None else None, "plan_job": revision.plan_job_id,
        "ballot": revision.ballot_id, "requested_at": utc(revision.requested_at).isoformat(),
        "decided_at": utc(revision.decided_at).isoformat() if revision.decided_at else None,
        "old_targets_sha256": revision.old_targets_sha256 or None,
        "new_targets_sha256": revision.new_targets_sha256 or None,
        "comparison": None, "learned": None, "rest": None, "periods": None, "elapsed": None}
    if result is not None:
        view.update(comparison=result["comparison"], learned=result["learned"], rest=result["rest"],
                    periods=result["execution_periods"], elapsed=result["elapsed"])
    return view


def revisions_of(db: Session, round_id: int) -> list[RoundRevision]:
    """The round's revisions, the latest first."""
    found(db, Round, round_id, "round")
    return list(db.scalars(select(RoundRevision).where(RoundRevision.round_id == round_id)
                           .order_by(RoundRevision.number.desc())))


def revision_of(db: Session, round_id: int, number: int) -> RoundRevision:
    """The round's revision ``number``; refused (not_found) when it has none of that number."""
    revision = db.scalar(select(RoundRevision).where(RoundRevision.round_id == round_id,
                                                     RoundRevision.number == number))
    if revision is None:
        raise Refusal("not_found", f"round {round_id} has no revision {number}")
    return revision


# -- the economy the next round starts from -----------------------------------------------------


def learned_document(economy: Economy, bundle_sha256: str, options: Mapping[str, Any],
                     progress: Progress) -> dict[str, Any]:
    """What a learned-economy job computes: the economy the next round starts from (the
    learned coefficients and capacities, execution.revision.next_economy) as a zipped bundle
    (base64, checked as an upload is; a BundleError naming every problem otherwise), its
    provenance, and how it changed: the largest changes by technique and product name."""
    import base64
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from commonplan.economy.bundle import check_bundle, write_bundle
    from commonplan.economy.model import EconomyInfo
    from commonplan.economy.problems import BundleError
    from commonplan.execution.revision import economy_changes, next_economy

    progress(0.1, "learning from the reports")
    labels = list(options["elapsed"])
    learned = learn(economy, activity_of(economy, options["plan"]), options["periods"], len(labels),
                    reported(options["reports"], labels))
    following = next_economy(economy, learned)
    source = (f"learned from the reports of round {options['round']} ({len(labels)} of "
              f"{options['periods']} periods, {labels[0]} to {labels[-1]}) on the bundle {bundle_sha256}")
    name = f"{economy.info.name or 'economy'} learned from round {options['round']}"
    info = EconomyInfo(name=name, period=economy.info.period,
                       description=economy.info.description, source=source)
    following = Economy(following.products, following.techniques, following.inputs, following.available,
                        following.needs, info)
    progress(0.5, "writing the bundle")
    with tempfile.TemporaryDirectory() as folder:
        written = write_bundle(following, Path(folder) / "bundle", format="csv")
        problems, warnings, sha256 = check_bundle(written)
        if problems or sha256 is None:
            raise BundleError(problems)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(written.iterdir()):
                archive.write(path, path.name)
    changes, changed = economy_changes(economy, following)
    ids = economy.techniques.ids.to_pylist()
    producers = (economy.techniques.producers.to_pylist() if economy.techniques.producers is not None
                 else [None] * len(ids))
    names = documents_names(economy)
    return {
        "kind": "learned", "round": options["round"], "plan_job": options["plan_job"], "name": name,
        "source": source, "execution_periods": options["periods"], "elapsed": len(labels),
        "reports_sha256": options["reports_sha256"], "changed": changed,
        "changes": [{"technique": ids[c.technique], "producer": producers[c.technique] or "",
                     "what": "capacity" if c.product is None else "input",
                     "product": None if c.product is None else names[c.product][0],
                     "name": "capacity" if c.product is None else names[c.product][1],
                     "before": c.before if np.isfinite(c.before) else None,
                     "after": c.after if np.isfinite(c.after) else None} for c in changes],
        "bundle": base64.b64encode(buffer.getvalue()).decode(), "sha256": sha256,
        "bundle_warnings": list(warnings)}


def start_learned_economy(db: Session, books: OpenBooks, runner: Runner, me: Member, round_id: int,
                          now: datetime) -> Job:
    """Ask for the economy the next round starts from (app.acts.revisions.ask_learned_economy),
    its job handed to the worker once the transaction is committed."""
    held = found(db, Round, round_id, "round")
    periods, elapsed = elapsed_periods(held, now)
    job = ask_learned_economy(db, books, me, held.id, periods=periods, elapsed=elapsed)
    queued = job.id
    event.listen(db, "after_commit", lambda _: runner.submit(queued), once=True)
    return job


def learned_view(db: Session, round_id: int) -> dict[str, Any]:
    """The latest economy learned from the round's reports: its job's state, and once done the
    new economy (its number: open the next round on it), its provenance and how it changed;
    refused (not_found) before any was asked for."""
    found(db, Round, round_id, "round")
    job = db.scalar(select(Job).where(Job.kind == "learned", Job.options["round"].as_integer() == round_id)
                    .order_by(Job.id.desc()).limit(1))
    if job is None:
        raise Refusal("not_found", f"no economy was learned from round {round_id}'s reports yet")
    result = job.result if job.state == JobState.DONE and job.result else {}
    return {"round": round_id, "job": job.id, "state": job.state, "message": job.message,
            "economy": result.get("economy"), "name": result.get("name"), "source": result.get("source"),
            "bundle_sha256": result.get("bundle_sha256"), "periods": result.get("execution_periods"),
            "elapsed": result.get("elapsed"), "changed": result.get("changed"),
            "changes": result.get("changes", [])}


def promised_fulfilment(plan: Mapping[str, Any]) -> dict[int, float] | None:
    """What the plan of a job's ``plan`` result promised each tier: an adopted plan's fulfilment,
    a revision's fulfilment of the periods it re-planned; None when it says neither."""
    given = ((plan.get("rest") or {}).get("fulfilment") if plan.get("kind") == "revision"
             else plan.get("fulfilment"))
    if not isinstance(given, Mapping):
        return None
    return {int(tier): float(value) for tier, value in given.items()}

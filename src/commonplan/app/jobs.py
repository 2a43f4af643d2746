"""Jobs, the use cases of computing in the background: the options a job is stored with, its
run (the stored bundle read back, app.computations' document stored as the result, progress
written as it goes, any failure stored with its reason), its cancelling and its result."""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commonplan.app import computations, documents, variants
from commonplan.app.comparisons import names_of_economy
from commonplan.app.documents import document_rows
from commonplan.app.planned import learned_quantities
from commonplan.app.targets import keep_targets, targets_job_document
from commonplan.democracy.closing import BallotState
from commonplan.democracy.refusals import Refusal
from commonplan.economy.bundle import LoadedBundle, read_bundle
from commonplan.economy.problems import BundleError
from commonplan.planning import exact_methods
from commonplan.store.jobs import (
    LEASE,
    cancel_job,
    claim_job,
    fail_job,
    finish_job,
    renew_lease,
    report_progress,
    requeue_job,
)
from commonplan.store.models import Ballot, Job, JobState, Member, RoundRecord, StoredEconomy

if TYPE_CHECKING:
    from commonplan.economy.model import Economy, Needs
    from commonplan.planning.plan import Progress

MAX_PERIODS = 20  # of a multi-period plan computed by the service
# what a job computes (app.computations; a round's targets, app.targets)
JobKind = Literal["values", "requirements", "plan", "needs", "targets", "revision", "learned"]
StartableKind = Literal["values", "requirements", "plan"]  # what anyone may start on an economy
# (a needs job reads a planning round's records: app.rounds.learn_round_needs starts it; a targets
# job publishes a round's adopted plan to every workplace: moving the round past its adoption; a
# revision job re-plans the rest of a round's execution: app.acts.revisions asks for it)


class ServerStopping(Exception):
    """The server is stopping: the running job goes back to the queue, to resume on the next start."""


class JobCancelled(Exception):
    """The job was cancelled while it ran: it stops, and keeps its state (store.jobs.cancel_job)."""


def job_options(kind: str, method: str, periods: int, voted: dict[str, Any] | None = None) -> dict[str, Any]:
    """The options a job is stored with; 422 naming ``periods`` when more than one period is
    asked of anything but an exact plan (multi-period plans are exact, docs/planning.md), or
    naming the ballot when voted choices (:func:`voted_choices`) are given to anything but a
    plan, or shares to a plan of several periods."""
    if periods > 1 and (kind != "plan" or method not in exact_methods()):
        raise Refusal("invalid_request", "several periods are planned only by an exact plan: "
                                         f"kind plan, method {' or '.join(exact_methods())}",
                      field="periods")
    voted = voted or {}
    ballots = [key for key in voted if key.endswith("_ballot")]
    if ballots and kind != "plan":
        raise Refusal("invalid_request", "voted choices apply to a plan", field=ballots[0])
    if "shares" in voted and periods > 1:
        raise Refusal("invalid_request", "shares of work apply to a plan of one period",
                      field="shares_ballot")
    return {"method": method, "periods": periods, **voted}


def voted_choices(session: Session, economy: StoredEconomy, priorities_ballot: int | None,
                  shares_ballot: int | None, projects: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The choices a plan variant is computed from (``{"priorities_ballot", "tiers",
    "shares_ballot", "shares", "projects"}``, each only when asked): the results of closed
    ballots and the funded projects, checked against the economy before any job starts. 422
    naming the field when a ballot is no such ballot, or a result or project names a product
    the economy does not make."""
    voted: dict[str, Any] = {}
    if priorities_ballot is not None:
        result = _closed_result(session, priorities_ballot, "priorities", "priorities_ballot")
        voted |= {"priorities_ballot": priorities_ballot, "tiers": result["tiers"]}
    if shares_ballot is not None:
        result = _closed_result(session, shares_ballot, "shares", "shares_ballot")
        if result.get("shares") is None:
            raise Refusal("invalid_request", f"ballot {shares_ballot} closed without proposals",
                          field="shares_ballot")
        voted |= {"shares_ballot": shares_ballot, "shares": result["shares"]}
    if projects:
        voted["projects"] = [{"id": p.id, "name": p.name, "tier": p.tier, "needs": dict(p.needs)}
                             for p in variants.choices_from_documents(projects=projects).projects]
    if voted:
        produced = set(names_of_economy(session, economy.id).outputs.values())  # kept per bundle
        try:
            variants.checked_choices(produced, variants.choices_from_options(voted))
        except Refusal as refused:
            fields = {"priorities": "priorities_ballot", "shares": "shares_ballot"}
            raise Refusal("invalid_request", refused.reason,
                          field=fields.get(refused.field or "", refused.field)) from None
    return voted


def _closed_result(session: Session, ballot_id: int, kind: str, field: str) -> dict[str, Any]:
    ballot = session.get(Ballot, ballot_id)
    if ballot is None or ballot.kind != kind or ballot.state != BallotState.CLOSED or not ballot.result:
        raise Refusal("invalid_request", f"ballot {ballot_id} is not a closed ballot on {kind}",
                      field=field)
    return dict(ballot.result)


def run_job(sessions: sessionmaker[Session], job_id: int, stopping: Any = None) -> None:
    """Run job ``job_id`` to its end: done with a result, or failed with the reason; back in
    the queue when ``stopping`` (an event) is set; nothing when it is not queued any more. Its
    lease is renewed while it runs (store.jobs.LEASE), so no other process takes it over."""
    runner = secrets.token_hex(16)
    with sessions() as session, session.begin():
        if not claim_job(session, job_id, runner):
            return
        job = session.get(Job, job_id)
        assert job is not None
        kind, options = job.kind, dict(job.options)
        bundle = session.get(StoredEconomy, job.economy_id).bundle  # type: ignore[union-attr]
        records, learned = _inputs(session, kind, options)
        if kind == "targets":
            options["adopted"] = _adopted(session, options)
        if kind in ("revision", "learned"):
            options |= _revision_inputs(session, options)

    def progress(fraction: float, message: str) -> None:
        if stopping is not None and stopping.is_set():
            raise ServerStopping
        with sessions() as session, session.begin():
            if not report_progress(session, job_id, fraction, message, runner):
                raise JobCancelled

    try:
        with tempfile.TemporaryDirectory() as folder, _leased(sessions, job_id, runner):
            path = Path(folder) / "bundle.zip"
            path.write_bytes(bundle)
            progress(0.0, "reading the bundle")
            inputs = {"records": _written(Path(folder), records), "learned_needs": learned}
            result = job_document(kind, {**options, **inputs}, path, read_bundle(path), progress)
    except ServerStopping:
        with sessions() as session, session.begin():
            requeue_job(session, job_id, runner)
        return
    except JobCancelled:
        return
    except BundleError as error:
        reason = "; ".join(str(problem) for problem in error.problems)
    except Exception as error:  # the job fails with the reason, the server goes on
        reason = f"{type(error).__name__}: {error}"
    else:
        with sessions() as session, session.begin():
            if renew_lease(session, job_id, runner):  # still ours (locked): not cancelled, not taken over
                kept = (keep_targets(session, result) if kind == "targets" else
                        keep_learned(session, job_id, result) if kind == "learned" else result)
                finish_job(session, job_id, kept, runner)
        return
    with sessions() as session, session.begin():
        fail_job(session, job_id, reason, runner)


@contextmanager
def _leased(sessions: sessionmaker[Session], job_id: int, runner: str) -> Iterator[None]:
    """While the block runs, renew ``runner``'s lease on its job every quarter of a lease (a
    thread: a long solve between two progress reports keeps its claim)."""
    ended = threading.Event()

    def renew() -> None:
        while not ended.wait(LEASE.total_seconds() / 4):
            with sessions() as session, session.begin():
                renew_lease(session, job_id, runner)

    beating = threading.Thread(target=renew, name=f"lease of job {job_id}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        ended.set()
        beating.join()


def _inputs(session: Session, kind: str, options: Mapping[str, Any]
            ) -> tuple[list[tuple[str, str, bytes]], dict[str, float] | None]:
    """What a job reads beside its bundle: a needs job, its round's records (kind, file name,
    content); a plan on learned needs, the needs its needs job learned."""
    records: list[tuple[str, str, bytes]] = []
    if kind == "needs":
        records = [(sent.kind, sent.filename, sent.content) for sent in session.scalars(
            select(RoundRecord).where(RoundRecord.round_id == options["round"]).order_by(RoundRecord.id))]
    return records, learned_quantities(session, options)


def _adopted(session: Session, options: Mapping[str, Any]) -> dict[str, Any]:
    """A targets job's input: the result of the plan its round adopted."""
    adopted = session.get(Job, options["adopted_job"])
    return dict(adopted.result or {}) if adopted is not None else {}


def keep_learned(session: Session, job_id: int, result: dict[str, Any]) -> dict[str, Any]:
    """Store the bundle a learned-economy job made as an economy of the member who asked; the
    result the job keeps: the new economy's number and SHA-256 beside the changes."""
    import base64

    job = session.get(Job, job_id)
    assert job is not None, f"job {job_id} is gone"
    content = base64.b64decode(result.pop("bundle"))
    stored = StoredEconomy(owner_id=job.owner_id, name=result["name"], bundle_sha256=result.pop("sha256"),
                           bundle=content, warnings=result.pop("bundle_warnings"))
    session.add(stored)
    session.flush()
    return {**result, "economy": stored.id, "bundle_sha256": stored.bundle_sha256}


def _revision_inputs(session: Session, options: Mapping[str, Any]) -> dict[str, Any]:
    """A revision job's input: the plan it revises (its result) and the round's current reports
    of the periods elapsed, with the SHA-256 of which they are (app.acts.revisions)."""
    from commonplan.app.acts.revisions import reports_basis

    plan = session.get(Job, options["plan_job"])
    rows, basis = reports_basis(session, options["round"], options["elapsed"])
    return {"plan": dict(plan.result or {}) if plan is not None else {}, "reports_sha256": basis,
            "reports": [{"producer": row.producer, "period": row.period, **row.document} for row in rows]}


def _written(folder: Path, records: list[tuple[str, str, bytes]]) -> dict[str, list[Path]]:
    """The records as files in ``folder``, by kind (each under a name of its own)."""
    paths: dict[str, list[Path]] = {}
    for number, (kind, filename, content) in enumerate(records):
        path = folder / f"{number}-{kind}{Path(filename).suffix.lower() or '.csv'}"
        path.write_bytes(content)
        paths.setdefault(kind, []).append(path)
    return paths


def job_document(kind: str, options: Mapping[str, Any], bundle: Path, loaded: LoadedBundle,
                 progress: Progress) -> dict[str, Any]:
    """The SPEC document of a job of ``kind`` on the bundle at ``bundle``, with provenance and
    warnings: what the command of the same name prints with ``--json``. A needs job reads the
    ``records`` files; a plan on ``learned_needs`` plans those (app.variants.learned_needs)."""
    economy = loaded.economy
    choices = variants.choices_from_options(options)
    computed: computations.Computed[Any]
    needs: Needs | None = None
    learned_warnings: list[str] = []
    if options.get("learned_needs") is not None:
        needs, learned_warnings = variants.learned_needs(economy, options["learned_needs"])
    if kind == "targets":
        progress(0.1, "every workplace's targets in the adopted plan")
        return {**targets_job_document(economy, options["adopted"], options["round"]),
                "provenance": documents.provenance(loaded.sha256), "warnings": list(loaded.warnings)}
    if kind == "learned":
        from commonplan.app.revisions import learned_document

        return {**learned_document(economy, loaded.sha256, options, progress),
                "provenance": documents.provenance(loaded.sha256), "warnings": list(loaded.warnings)}
    if kind == "revision":
        return {**revision_document(economy, choices, needs, options, progress),
                "provenance": documents.provenance(loaded.sha256),
                "warnings": [*loaded.warnings, *learned_warnings]}
    if kind == "needs":
        files = options.get("records") or {}
        computed = computations.needs(files.get("purchases", []), files.get("stock", []),
                                      files.get("requests", []),
                                      horizon_days=options.get("horizon_days", 365),
                                      groups=files.get("groups", []),
                                      substitutes=files.get("substitutes", []),
                                      progress=progress)
    elif kind == "values":
        computed = computations.values(economy)
    elif kind == "requirements":
        computed = computations.requirements(economy)
    elif options.get("periods", 1) > 1:
        needs = needs if choices.empty else variants.variant_needs(economy, choices, needs)
        computed = computations.periods(economy, needs, options["periods"], bundle, progress)
    elif not choices.empty:
        computed = variants.plan_variant(economy, choices, needs, method=options.get("method", "lp"),
                                         progress=progress)
    else:
        computed = computations.plan(economy, needs, method=options.get("method", "lp"), progress=progress)
    return {**computed.document, "provenance": documents.provenance(loaded.sha256),
            "warnings": [*loaded.warnings, *learned_warnings, *computed.warnings]}


def revision_document(economy: Economy, choices: variants.Choices, needs: Needs | None,
                      options: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """What a revision job computes (app.revisions.revise) from its inputs (_revision_inputs)."""
    from commonplan.app.revisions import activity_of, promised_fulfilment, reported, revise

    progress(0.05, "learning from the reports")
    labels = list(options["elapsed"])
    document = revise(economy, activity_of(economy, options["plan"]), choices, needs,
                      periods=options["periods"], elapsed=len(labels),
                      reports=reported(options["reports"], labels),
                      promised=promised_fulfilment(options["plan"]),
                      method=options.get("method", "lp"), progress=progress)
    return {**document, "round": options["round"], "plan_job": options["plan_job"],
            "reports_sha256": options["reports_sha256"]}


def cancelled(session: Session, job: Job, by: Member) -> Job:
    """Cancel ``job`` (who may is app.guard.cancellable_job's); refused when it has ended."""
    if not cancel_job(session, job.id, f"{by.role} {by.id}"):
        raise Refusal("ended", f"job {job.id} has ended ({job.state}): nothing to cancel")
    session.refresh(job)
    return job


def finished_result(job: Job) -> dict[str, Any]:
    """The job's stored document; refused until it is done."""
    if job.state != JobState.DONE or job.result is None:
        raise Refusal("not_done", f"the job is {job.state}: {job.message}")
    return dict(job.result)


def result_csv(document: dict[str, Any]) -> str:
    """The document's numbers as CSV: one row per quantity and id (documents.document_rows)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("quantity", "id", "value"))
    writer.writerows(document_rows(document))
    return text.getvalue()

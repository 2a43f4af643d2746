"""Running a job: the stored bundle read back, the domain computation, the SPEC document stored
as the result; progress written as it goes; any failure stored with its reason."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from commonplan.economy.bundle import LoadedBundle, read_bundle
from commonplan.economy.problems import BundleError
from commonplan.planning.plan import Progress
from commonplan.service.errors import ApiError
from commonplan.store.jobs import (
    claim_job,
    fail_job,
    finish_job,
    report_progress,
    requeue_job,
)
from commonplan.store.models import Ballot, Job, StoredEconomy

MAX_PERIODS = 20  # of a multi-period plan computed by the service


class ServerStopping(Exception):
    """The server is stopping: the running job goes back to the queue, to resume on the next start."""


class JobCancelled(Exception):
    """The job was cancelled while it ran: it stops, and keeps its state (store.jobs.cancel_job)."""


def job_options(kind: str, method: str, periods: int, tiers: dict[str, Any] | None = None) -> dict[str, Any]:
    """The options a job is stored with; 422 naming ``periods`` when more than one period is
    asked of anything but an exact plan (multi-period plans are exact, docs/planning.md), or
    naming ``priorities_ballot`` when voted tiers (``{"ballot", "tiers"}``) are given to
    anything but a plan."""
    if periods > 1 and (kind, method) != ("plan", "lp"):
        raise ApiError(422, "invalid_request", "several periods are planned only by an exact plan: "
                                               "kind plan, method lp", field="periods")
    if tiers is None:
        return {"method": method, "periods": periods}
    if kind != "plan":
        raise ApiError(422, "invalid_request", "voted priorities apply to a plan", field="priorities_ballot")
    return {"method": method, "periods": periods, "priorities_ballot": tiers["ballot"],
            "tiers": tiers["tiers"]}


def voted_tiers(session: Session, ballot_id: int | None) -> dict[str, Any] | None:
    """The tiers a closed priorities ballot chose (``{"ballot", "tiers"}``); 422 naming
    ``priorities_ballot`` when it is no such ballot."""
    if ballot_id is None:
        return None
    ballot = session.get(Ballot, ballot_id)
    if ballot is None or ballot.kind != "priorities" or ballot.state != "closed" or not ballot.result:
        raise ApiError(422, "invalid_request", f"ballot {ballot_id} is not a closed ballot on priorities",
                       field="priorities_ballot")
    return {"ballot": ballot.id, "tiers": ballot.result["tiers"]}


def run_job(sessions: sessionmaker[Session], job_id: int, stopping: Any = None) -> None:
    """Run job ``job_id`` to its end: done with a result, or failed with the reason; back in
    the queue when ``stopping`` (an event) is set; nothing when it is not queued any more."""
    with sessions() as session, session.begin():
        if not claim_job(session, job_id):
            return
        job = session.get(Job, job_id)
        assert job is not None
        kind, options = job.kind, dict(job.options)
        bundle = session.get(StoredEconomy, job.economy_id).bundle  # type: ignore[union-attr]

    def progress(fraction: float, message: str) -> None:
        if stopping is not None and stopping.is_set():
            raise ServerStopping
        with sessions() as session, session.begin():
            if not report_progress(session, job_id, fraction, message):
                raise JobCancelled

    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bundle.zip"
            path.write_bytes(bundle)
            progress(0.0, "reading the bundle")
            result = compute(kind, options, path, read_bundle(path), progress)
    except ServerStopping:
        with sessions() as session, session.begin():
            requeue_job(session, job_id)
        return
    except JobCancelled:
        return
    except BundleError as error:
        reason = "; ".join(str(problem) for problem in error.problems)
    except Exception as error:  # the job fails with the reason, the server goes on
        reason = f"{type(error).__name__}: {error}"
    else:
        with sessions() as session, session.begin():
            finish_job(session, job_id, result)
        return
    with sessions() as session, session.begin():
        fail_job(session, job_id, reason)


def compute(kind: str, options: dict[str, Any], path: Path, loaded: LoadedBundle,
            progress: Progress) -> dict[str, Any]:
    """The SPEC document of ``kind`` for the bundle at ``path``, with provenance and warnings
    (a plan of several periods: the document of ``plan --periods N --json``)."""
    from commonplan import documents

    economy = loaded.economy
    warnings = list(loaded.warnings)
    needs = None
    if "tiers" in options:  # the plan variant for the priorities a council voted
        from commonplan.democracy.plan_variant import needs_with_tiers

        needs = needs_with_tiers(economy, options["tiers"])
    if kind == "values":
        from commonplan.analysis.values import labour_values

        document = documents.values_document(economy, labour_values(economy))
    elif kind == "requirements":
        from commonplan.analysis.requirements import gross_requirements
        from commonplan.analysis.values import labour_values

        values = labour_values(economy)
        requirements = gross_requirements(economy, values=values)
        document = documents.requirements_document(economy, requirements, values)
        warnings += requirements.warnings
    elif options.get("periods", 1) > 1:
        from commonplan.planning.capital import read_capital
        from commonplan.planning.periods import plan_periods

        plans = plan_periods(economy, needs, options["periods"], read_capital(path, economy), progress)
        document = documents.periods_document(plans)
        warnings += plans.warnings
    else:
        from commonplan.planning import make_plan

        plan = make_plan(economy, needs, method=options.get("method", "lp"), progress=progress)
        document = documents.plan_document(economy, plan)
        warnings += plan.warnings
    return {**document, "provenance": documents.provenance(loaded.sha256), "warnings": warnings}

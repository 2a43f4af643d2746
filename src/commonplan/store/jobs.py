"""Jobs kept in the database: queued, run with progress, done with a result or failed with the
reason. A job a stopped server left queued or running is resumed (run again from the beginning:
jobs are pure computations on a stored bundle); one that was already interrupted once is failed
with the reason, so a job that brings the server down cannot do it forever. Nothing is left
hanging.

Several server processes may share the database. A job is claimed by one process (its
``runner``, a random name per run) with a **lease** it renews while it runs (:data:`LEASE`);
another process takes over a running job only when its lease has run out (its process died with
its server), and a runner that lost its job (taken over, cancelled) can neither report progress
nor keep a result: a job never runs to two results. The processes' clocks are assumed to agree
(NTP) to well within the lease."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Update, or_, select, update
from sqlalchemy.orm import Session

from commonplan.store.models import OPEN, Job, JobState, now

MAX_STARTS = 2  # a job interrupted by a stopped server is started again once
INTERRUPTED = f"the server stopped while this job ran, {MAX_STARTS} times; run it again when it is mended"
RESUMED = "resumed: the server process running it stopped"
# a running job's process renews its lease every LEASE / 4 (app.jobs); another process takes the
# job over once it lapses: a setting of the deployment (docs/deploy.md), 2 minutes by default
LEASE = timedelta(seconds=float(os.environ.get("COMMONPLAN_JOB_LEASE_SECONDS", "120")))
STOPPED = "the server stopped; the job resumes when it starts again"


def queue_job(session: Session, kind: str, economy_id: int, owner_id: int,
              options: dict[str, Any] | None = None) -> Job:
    job = Job(kind=kind, economy_id=economy_id, owner_id=owner_id, options=options or {},
              state=JobState.QUEUED, progress=0.0, message="queued")
    session.add(job)
    session.flush()
    return job


def claim_job(session: Session, job_id: int, runner: str = "", at: datetime | None = None) -> bool:
    """Mark a queued job running by ``runner``, leased until LEASE after ``at`` (now), and count
    the start; False when it is not queued (another worker took it, or it ended), so no job ever
    runs twice at once."""
    return _changed(session, update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED).values(
        state=JobState.RUNNING, attempts=Job.attempts + 1, runner=runner,
        lease_until=(at or now()) + LEASE)) == 1


def report_progress(session: Session, job_id: int, fraction: float, message: str,
                    runner: str | None = None) -> bool:
    """Record a running job's progress and renew its lease; False when it is not running any more
    (cancelled), or not by ``runner`` (taken over by another process)."""
    return _changed(session, update(Job).where(_running(job_id, runner)).values(
        progress=min(max(fraction, 0.0), 1.0), message=message, lease_until=now() + LEASE)) == 1


def renew_lease(session: Session, job_id: int, runner: str) -> bool:
    """Keep ``runner``'s claim on its running job for another LEASE; False when it lost it."""
    return _changed(session, update(Job).where(_running(job_id, runner)).values(
        lease_until=now() + LEASE)) == 1


def finish_job(session: Session, job_id: int, result: dict[str, Any], runner: str | None = None) -> None:
    """Keep a running job's result (not when it was cancelled meanwhile, or taken over from
    ``runner``)."""
    session.execute(update(Job).where(_running(job_id, runner)).values(
        state=JobState.DONE, progress=1.0, message="done", result=result, lease_until=None))


def fail_job(session: Session, job_id: int, reason: str, runner: str | None = None) -> None:
    """Fail a job that has not ended, keeping the reason (one cancelled stays cancelled; one taken
    over from ``runner`` stays with the process that took it)."""
    mine = [] if runner is None else [Job.runner == runner]
    session.execute(update(Job).where(Job.id == job_id, Job.state.in_(OPEN), *mine)
                    .values(state=JobState.FAILED, message=reason, lease_until=None))


def _running(job_id: int, runner: str | None) -> ColumnElement[bool]:
    """Job ``job_id`` running (by ``runner``, when named)."""
    running = (Job.id == job_id) & (Job.state == JobState.RUNNING)
    return running if runner is None else running & (Job.runner == runner)


def cancel_job(session: Session, job_id: int, by: str) -> bool:
    """Cancel a queued or running job (a running one stops at its next progress report);
    False when it has ended already."""
    return _changed(session, update(Job).where(Job.id == job_id, Job.state.in_(OPEN))
                    .values(state=JobState.CANCELLED, message=f"cancelled by {by}")) == 1


def requeue_job(session: Session, job_id: int, runner: str | None = None) -> None:
    """Put a job a stopping server interrupted back in the queue; a clean stop does not count
    as a start."""
    session.execute(update(Job).where(_running(job_id, runner)).values(
        state=JobState.QUEUED, progress=0.0, message=STOPPED, attempts=Job.attempts - 1, lease_until=None))


def resume_interrupted(session: Session, at: datetime | None = None) -> list[int]:
    """Take over what no live process holds: queue again every running job whose lease ran out
    by ``at`` (now), failing with the reason those started MAX_STARTS times already; the ids of
    the jobs to run, oldest first, with those queued (a job queued by another live process too:
    whoever claims it first runs it)."""
    lapsed = (Job.state == JobState.RUNNING) & or_(Job.lease_until.is_(None), Job.lease_until < (at or now()))
    session.execute(update(Job).where(lapsed, Job.attempts >= MAX_STARTS)
                    .values(state=JobState.FAILED, message=INTERRUPTED, lease_until=None))
    session.execute(update(Job).where(lapsed).values(
        state=JobState.QUEUED, progress=0.0, message=RESUMED, lease_until=None))
    return list(session.scalars(select(Job.id).where(Job.state == JobState.QUEUED).order_by(Job.id)))


def _changed(session: Session, statement: Update) -> int:
    """How many rows ``statement`` changed. An UPDATE answers with a CursorResult, which counts
    them; Session.execute is typed to answer any Result."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult), f"an UPDATE answered {type(result).__name__}"
    return result.rowcount

"""Jobs kept in the database: queued, run with progress, done with a result or failed with the
reason. A job a stopped server left queued or running is resumed on the next start (run again
from the beginning: jobs are pure computations on a stored bundle); one that was already
interrupted once is failed with the reason, so a job that brings the server down cannot do it
forever. Nothing is left hanging."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Update, select, update
from sqlalchemy.orm import Session

from commonplan.store.models import OPEN, Job, JobState

MAX_STARTS = 2  # a job interrupted by a stopped server is started again once
INTERRUPTED = f"the server stopped while this job ran, {MAX_STARTS} times; run it again when it is mended"
RESUMED = "resumed after the server restarted"
STOPPED = "the server stopped; the job resumes when it starts again"


def queue_job(session: Session, kind: str, economy_id: int, owner_id: int,
              options: dict[str, Any] | None = None) -> Job:
    job = Job(kind=kind, economy_id=economy_id, owner_id=owner_id, options=options or {},
              state=JobState.QUEUED, progress=0.0, message="queued")
    session.add(job)
    session.flush()
    return job


def claim_job(session: Session, job_id: int) -> bool:
    """Mark a queued job running and count the start; False when it is not queued (another
    worker took it, or it ended), so no job ever runs twice at once."""
    return _changed(session, update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED)
                    .values(state=JobState.RUNNING, attempts=Job.attempts + 1)) == 1


def report_progress(session: Session, job_id: int, fraction: float, message: str) -> bool:
    """Record a running job's progress; False when it is not running any more (cancelled)."""
    return _changed(session, update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING).values(
        progress=min(max(fraction, 0.0), 1.0), message=message)) == 1


def finish_job(session: Session, job_id: int, result: dict[str, Any]) -> None:
    """Keep a running job's result (one cancelled meanwhile stays cancelled, without it)."""
    session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING)
                    .values(state=JobState.DONE, progress=1.0, message="done", result=result))


def fail_job(session: Session, job_id: int, reason: str) -> None:
    """Fail a job that has not ended, keeping the reason (one cancelled stays cancelled)."""
    session.execute(update(Job).where(Job.id == job_id, Job.state.in_(OPEN))
                    .values(state=JobState.FAILED, message=reason))


def cancel_job(session: Session, job_id: int, by: str) -> bool:
    """Cancel a queued or running job (a running one stops at its next progress report);
    False when it has ended already."""
    return _changed(session, update(Job).where(Job.id == job_id, Job.state.in_(OPEN))
                    .values(state=JobState.CANCELLED, message=f"cancelled by {by}")) == 1


def requeue_job(session: Session, job_id: int) -> None:
    """Put a job a stopping server interrupted back in the queue; a clean stop does not count
    as a start."""
    session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING).values(
        state=JobState.QUEUED, progress=0.0, message=STOPPED, attempts=Job.attempts - 1))


def resume_interrupted(session: Session) -> list[int]:
    """Queue again every job a previous server left queued or running, and fail with the reason
    those started MAX_STARTS times already; the ids to run, oldest first."""
    left = Job.state.in_(OPEN)
    session.execute(update(Job).where(left, Job.attempts >= MAX_STARTS)
                    .values(state=JobState.FAILED, message=INTERRUPTED))
    ids = list(session.scalars(select(Job.id).where(left).order_by(Job.id)))
    session.execute(update(Job).where(Job.id.in_(ids))
                    .values(state=JobState.QUEUED, progress=0.0, message=RESUMED))
    return ids


def _changed(session: Session, statement: Update) -> int:
    """How many rows ``statement`` changed. An UPDATE answers with a CursorResult, which counts
    them; Session.execute is typed to answer any Result."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult), f"an UPDATE answered {type(result).__name__}"
    return result.rowcount

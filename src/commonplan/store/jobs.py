"""Jobs kept in the database: queued, run with progress, done with a result or failed with the
reason; a job a stopped server left running is failed on the next start, never left hanging."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commonplan.store.models import Job

INTERRUPTED = "the server stopped while this job ran; run it again"


def queue_job(session: Session, kind: str, economy_id: int, owner_id: int,
              options: dict[str, Any] | None = None) -> Job:
    job = Job(kind=kind, economy_id=economy_id, owner_id=owner_id, options=options or {},
              state="queued", progress=0.0, message="queued")
    session.add(job)
    session.flush()
    return job


def report_progress(session: Session, job_id: int, fraction: float, message: str) -> None:
    session.execute(update(Job).where(Job.id == job_id)
                    .values(state="running", progress=min(max(fraction, 0.0), 1.0), message=message))


def finish_job(session: Session, job_id: int, result: dict[str, Any]) -> None:
    session.execute(update(Job).where(Job.id == job_id)
                    .values(state="done", progress=1.0, message="done", result=result))


def fail_job(session: Session, job_id: int, reason: str) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(state="failed", message=reason))


def fail_interrupted(session: Session) -> list[int]:
    """Fail, with the reason, every job a previous server left queued or running."""
    ids = list(session.scalars(select(Job.id).where(Job.state.in_(("queued", "running")))))
    if ids:
        session.execute(update(Job).where(Job.id.in_(ids))
                        .values(state="failed", message=INTERRUPTED))
    return ids

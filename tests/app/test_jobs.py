"""Background jobs: a stopping server puts the running job back in the queue (a clean stop does
not count as a start), and the next run takes it to its end."""

from __future__ import annotations

import threading

from commonplan.app import jobs
from commonplan.app.jobs import run_job
from commonplan.store.database import sessions
from commonplan.store.jobs import STOPPED, cancel_job, queue_job
from commonplan.store.models import Job, Member, StoredEconomy
from tests.factories import BAKERY, write_zip


def queued_plan(engine, tmp_path) -> int:
    """A plan of the bakery, queued by its owner."""
    bundle = write_zip(tmp_path / "bakery.zip", BAKERY).read_bytes()
    with sessions(engine)() as db, db.begin():
        member = Member(email="ada@example.org", password_hash="$argon2id$...")
        db.add(member)
        db.flush()
        economy = StoredEconomy(owner_id=member.id, name="bakery", bundle_sha256="0" * 64, bundle=bundle)
        db.add(economy)
        db.flush()
        return queue_job(db, "plan", economy.id, member.id, {"method": "lp"}).id


def test_a_job_interrupted_by_a_stopping_server_is_queued_again_then_finished(engine, tmp_path):
    job_id, make_session = queued_plan(engine, tmp_path), sessions(engine)
    stopping = threading.Event()
    stopping.set()
    run_job(make_session, job_id, stopping)
    with make_session() as db:
        job = db.get(Job, job_id)
        assert (job.state, job.message, job.attempts, job.result) == ("queued", STOPPED, 0, None)
    run_job(make_session, job_id, threading.Event())
    with make_session() as db:
        job = db.get(Job, job_id)
        assert (job.state, job.attempts) == ("done", 1) and job.result["fulfilment"]


def test_a_job_cancelled_while_it_runs_stops_at_its_next_progress_report(engine, tmp_path, monkeypatch):
    job_id, make_session = queued_plan(engine, tmp_path), sessions(engine)
    reached = []

    def cancelled_midway(kind, options, path, loaded, progress):
        with make_session() as db, db.begin():
            cancel_job(db, job_id, "member 1")
        progress(0.5, "solving")
        reached.append("the end")  # never: the progress report stops the job

    monkeypatch.setattr(jobs, "job_document", cancelled_midway)
    jobs.run_job(make_session, job_id, threading.Event())
    with make_session() as db:
        job = db.get(Job, job_id)
        assert (job.state, job.result, reached) == ("cancelled", None, [])

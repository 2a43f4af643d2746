"""Background jobs: a stopping server puts the running job back in the queue (a clean stop does
not count as a start), and the next run takes it to its end."""

from __future__ import annotations

import threading

from commonplan.service.jobs import run_job
from commonplan.store.database import sessions
from commonplan.store.jobs import STOPPED, queue_job
from commonplan.store.models import Job, Member, StoredEconomy
from tests.conftest import BAKERY, write_zip


def test_a_job_interrupted_by_a_stopping_server_is_queued_again_then_finished(engine, tmp_path):
    bundle = write_zip(tmp_path / "bakery.zip", BAKERY).read_bytes()
    make_session = sessions(engine)
    with make_session() as db, db.begin():
        member = Member(email="ada@example.org", password_hash="$argon2id$...")
        db.add(member)
        db.flush()
        economy = StoredEconomy(owner_id=member.id, name="bakery", bundle_sha256="0" * 64, bundle=bundle)
        db.add(economy)
        db.flush()
        job_id = queue_job(db, "plan", economy.id, member.id, {"method": "lp"}).id
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

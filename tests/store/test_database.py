"""The store on SQLite and PostgreSQL: migrations, constraints, and jobs that survive a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError

from commonplan.store.database import open_database, sessions
from commonplan.store.jobs import (
    INTERRUPTED,
    LEASE,
    MAX_STARTS,
    RESUMED,
    cancel_job,
    claim_job,
    fail_job,
    finish_job,
    queue_job,
    renew_lease,
    report_progress,
    resume_interrupted,
)
from commonplan.store.models import Job, Member, StoredEconomy, now


def add_member_and_economy(session) -> tuple[int, int]:
    member = Member(email="ada@example.org", password_hash="$argon2id$...", role="member")
    session.add(member)
    session.flush()
    economy = StoredEconomy(owner_id=member.id, name="bakery", bundle_sha256="0" * 64, bundle=b"PK")
    session.add(economy)
    session.flush()
    return member.id, economy.id


def test_opening_applies_every_migration_once(engine, database_url):
    assert {"members", "economies", "jobs", "alembic_version"} <= set(inspect(engine).get_table_names())
    url, options = database_url
    again = open_database(url, **options)  # a second start finds the schema up to date
    with sessions(again)() as session:
        assert session.scalars(select(Member)).all() == []
    again.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_an_email_belongs_to_one_member(engine):
    with sessions(engine)() as session:
        session.add(Member(email="ada@example.org", password_hash="x", role="member"))
        session.commit()
        session.add(Member(email="ada@example.org", password_hash="y", role="member"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_an_economy_needs_an_existing_owner(engine):
    with sessions(engine)() as session:
        session.add(StoredEconomy(owner_id=999, name="x", bundle_sha256="0" * 64, bundle=b""))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_job_runs_with_progress_and_keeps_its_result(engine):
    with sessions(engine)() as session, session.begin():
        owner, economy = add_member_and_economy(session)
        job = queue_job(session, "plan", economy, owner, {"method": "lp"})
        job_id = job.id
    with sessions(engine)() as session, session.begin():
        assert claim_job(session, job_id)
        assert report_progress(session, job_id, 0.5, "maximising priority tier 1 of 2")
    with sessions(engine)() as session:
        job = session.get(Job, job_id)
        assert (job.state, job.progress, job.message) == ("running", 0.5,
                                                          "maximising priority tier 1 of 2")
    with sessions(engine)() as session, session.begin():
        finish_job(session, job_id, {"status": "optimal", "fulfilment": {"1": 1.0}})
    with sessions(engine)() as session:
        job = session.get(Job, job_id)
        assert (job.state, job.progress) == ("done", 1.0)
        assert job.result == {"status": "optimal", "fulfilment": {"1": 1.0}}
        assert job.options == {"method": "lp"}


def test_a_restart_resumes_what_was_left_and_fails_a_job_interrupted_twice(engine, database_url):
    with sessions(engine)() as session, session.begin():
        owner, economy = add_member_and_economy(session)
        waiting = queue_job(session, "values", economy, owner).id
        running = queue_job(session, "values", economy, owner).id
        assert claim_job(session, running)
        report_progress(session, running, 0.3, "solving")
        assert not claim_job(session, running)  # never runs twice at once
        twice = queue_job(session, "plan", economy, owner).id
        session.execute(update(Job).where(Job.id == twice).values(state="running", attempts=MAX_STARTS))
        finished = queue_job(session, "values", economy, owner).id
        claim_job(session, finished)
        finish_job(session, finished, {"unit": "hours"})
        failed = queue_job(session, "plan", economy, owner).id
        claim_job(session, failed)
        fail_job(session, failed, "bad needs")
    url, options = database_url
    restarted = open_database(url, **options)
    with sessions(restarted)() as session, session.begin():
        assert resume_interrupted(session) == [waiting]  # the running one holds its lease still
        assert resume_interrupted(session, now() + LEASE + timedelta(seconds=1)) == [waiting, running]
    with sessions(restarted)() as session:
        states = {job.id: (job.state, job.message, job.progress) for job in session.scalars(select(Job))}
    assert states[waiting] == ("queued", "queued", 0.0)
    assert states[running] == ("queued", RESUMED, 0.0)
    assert states[twice] == ("failed", INTERRUPTED, 0.0)
    assert states[finished] == ("done", "done", 1.0)
    assert states[failed][:2] == ("failed", "bad needs")
    restarted.dispose()


def test_a_job_taken_over_from_a_lapsed_lease_keeps_nothing_of_its_first_run(engine):
    """Two server processes: the first claims a job and stalls past its lease; the second takes
    it over and runs it; the first can neither report progress nor keep a result."""
    with sessions(engine)() as session, session.begin():
        owner, economy = add_member_and_economy(session)
        job = queue_job(session, "values", economy, owner).id
    with sessions(engine)() as session, session.begin():
        assert claim_job(session, job, "first", now() - LEASE - timedelta(seconds=1))
    with sessions(engine)() as session, session.begin():
        assert resume_interrupted(session) == [job]
        assert claim_job(session, job, "second")
        assert not claim_job(session, job, "first")
    with sessions(engine)() as session, session.begin():
        assert not report_progress(session, job, 0.5, "solving", "first")
        assert not renew_lease(session, job, "first")
        finish_job(session, job, {"unit": "first"}, "first")
        fail_job(session, job, "first's error", "first")
        assert report_progress(session, job, 0.5, "solving", "second") and renew_lease(session, job, "second")
        assert resume_interrupted(session) == []  # the second's lease is fresh
        finish_job(session, job, {"unit": "second"}, "second")
    with sessions(engine)() as session:
        stored = session.get(Job, job)
        assert (stored.state, stored.result, stored.attempts) == ("done", {"unit": "second"}, 2)


def test_a_cancelled_job_never_runs_and_a_running_one_stops_without_its_result(engine):
    with sessions(engine)() as session, session.begin():
        owner, economy = add_member_and_economy(session)
        waiting = queue_job(session, "values", economy, owner).id
        running = queue_job(session, "values", economy, owner).id
        assert claim_job(session, running)
        assert cancel_job(session, waiting, "member 1") and cancel_job(session, running, "member 1")
        assert not claim_job(session, waiting)
        assert not report_progress(session, running, 0.5, "solving")  # the job learns it is cancelled
        finish_job(session, running, {"unit": "hours"})
        assert not cancel_job(session, running, "member 1")  # ended: nothing to cancel
    with sessions(engine)() as session:
        for job_id in (waiting, running):
            job = session.get(Job, job_id)
            assert (job.state, job.message, job.result) == ("cancelled", "cancelled by member 1", None)

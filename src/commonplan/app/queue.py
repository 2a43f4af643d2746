"""Jobs in a real queue: with several server processes on PostgreSQL, computations may go to a
queue that ``commonplan worker`` processes take them from, and workers may be added or removed
while the servers run (``commonplan serve --jobs queue``; docs/deploy.md).

The queue is procrastinate's (PostgreSQL only: no service beside the database; jobs taken with
``FOR UPDATE SKIP LOCKED``, workers woken by LISTEN/NOTIFY, their heartbeats kept in the
database). It carries one message, "job N is to run", to one worker. The job itself stays in our
``jobs`` table with its state, progress, result and lease (store.jobs), so cancelling and
progress work across processes as before, and a job never runs to two results whatever the
queue delivers twice. A worker runs each job in a process of its own (app.worker.JobWorker),
one at a time.

Faults: a worker stopped (SIGTERM, Ctrl-C) puts its running job back in our queue at the job's
next progress report and stops; a worker killed leaves its job's lease to lapse
(store.jobs.LEASE): every half lease one worker sweeps (a periodic task), ending the queue's jobs
whose worker stopped beating and queuing again every job no live process holds, or failing it
with the reason when it was interrupted twice already."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext
from procrastinate.jobs import Status
from procrastinate.utils import sync_to_async
from procrastinate.worker import Worker
from sqlalchemy import make_url
from sqlalchemy.orm import Session, sessionmaker

from commonplan.app.revisions import settle_job
from commonplan.app.worker import JobWorker, started
from commonplan.store.books import OpenBooks, load_secret, secret_path
from commonplan.store.database import open_database, sessions
from commonplan.store.jobs import LEASE, resume_interrupted
from commonplan.store.models import Job

QUEUE = "commonplan"
COMPUTE = "compute"
SWEEP = "sweep"
STALLED_SECONDS = 60.0  # a worker silent this long (it beats every 10 s) has stopped
# how often the sweep runs: every half lease (cron's sixth field counts seconds), at least each minute
SWEEP_CRON = f"* * * * * */{min(30, max(1, int(LEASE.total_seconds() // 2)))}"

tasks = procrastinate.Blueprint()
_worker: dict[str, JobWorker] = {}  # in a worker process: the JobWorker its jobs run in


def queue_app(database_url: str) -> procrastinate.App:
    """procrastinate on the PostgreSQL database of ``database_url`` (SQLAlchemy's form), with
    our tasks."""
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    app.add_tasks_from(tasks, namespace="commonplan")
    return app


def defer(app: procrastinate.App, job_id: int) -> None:
    """Send "job ``job_id`` is to run" to the queue, unless it waits there already."""
    with contextlib.suppress(AlreadyEnqueued):
        app.configure_task(f"commonplan:{COMPUTE}", queue=QUEUE,
                           queueing_lock=f"job {job_id}").defer(job_id=job_id)


@tasks.task(name=COMPUTE, queue=QUEUE)
def compute(job_id: int) -> None:
    """Run job ``job_id`` in this worker's job process, and wait for its end (its failure, if
    any, is the job's: app.worker keeps it with the reason)."""
    running = _worker["jobs"].hand(job_id)
    if running is not None:
        with contextlib.suppress(Exception):
            running.result()


@tasks.periodic(cron=SWEEP_CRON)
@tasks.task(name=SWEEP, queue=QUEUE, pass_context=True)
async def sweep(context: JobContext, timestamp: int) -> None:
    """Take over what no live process holds: the queue's jobs whose worker stopped beating are
    ended, and every job of ours queued (or whose lease lapsed) is sent to the queue anew."""
    manager = context.app.job_manager
    for stalled in await manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_SECONDS):
        if stalled.task_name != f"commonplan:{SWEEP}":
            await manager.finish_job(stalled, status=Status.FAILED, delete_job=False)
    for job_id in await sync_to_async(_left, _worker["jobs"].sessions):
        with contextlib.suppress(AlreadyEnqueued):
            await context.app.configure_task(f"commonplan:{COMPUTE}", queue=QUEUE,
                                             queueing_lock=f"job {job_id}").defer_async(job_id=job_id)


def _left(made: sessionmaker[Session]) -> list[int]:
    with made() as session, session.begin():
        return resume_interrupted(session)


class QueuedJobs:
    """The server's side of jobs in the queue: a job is stored, then sent to the queue; nothing
    runs in the server's process. The same interface as JobWorker."""

    def __init__(self, database_url: str, make_session: sessionmaker[Session]) -> None:
        self.sessions = make_session
        self.app = queue_app(database_url)
        self.on_done: Callable[[int], None] | None = None  # never called here: jobs end in the workers

    def start(self, db: Session, economy_id: int, owner_id: int, kind: str,
              options: dict[str, Any]) -> Job:
        return started(self, db, economy_id, owner_id, kind, options)

    def submit(self, job_id: int) -> None:
        defer(self.app, job_id)

    def watch(self) -> None:
        """Open the queue's connections; the workers' sweep takes over what was left."""
        self.app.open()

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        self.app.close()


def run_worker(database_url: str, name: str) -> None:
    """A ``commonplan worker`` process: take jobs from the queue, one at a time, until stopped
    (SIGTERM or Ctrl-C: the running job goes back to the queue at its next progress report)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    jobs = JobWorker(database_url, {}, sessions(open_database(database_url)))
    books = OpenBooks(load_secret(secret_path(database_url)))  # the servers' secret: docs/deploy.md
    jobs.on_done = lambda job_id: settle_job(jobs.sessions, books, job_id)  # a revision decided here
    _worker["jobs"] = jobs
    app = queue_app(database_url)

    async def work() -> None:
        async with app.open_async():
            worker = Worker(app, queues=[QUEUE], name=name, install_signal_handlers=False,
                            stalled_worker_timeout=STALLED_SECONDS)

            def stop() -> None:
                jobs.stopping.set()  # the running job goes back to the queue at its next progress report
                worker.stop()  # type: ignore[no-untyped-call]  # procrastinate's Worker is untyped here

            for stopping in (signal.SIGINT, signal.SIGTERM):
                asyncio.get_running_loop().add_signal_handler(stopping, stop)
            await worker.run()  # type: ignore[no-untyped-call]

    try:
        asyncio.run(work())
    finally:
        jobs.shutdown()


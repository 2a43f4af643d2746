"""The job worker: jobs run one at a time, in the order queued, in a process of their own, so a
long plan neither holds the server's interpreter lock nor, if it dies (out of memory, killed),
takes the server with it: the job is failed with the reason and the next one runs in a new
process. Progress, results and cancellation go through the database; a stopping server tells
the process through an event, and the running job goes back to the queue (store.jobs).

Several server processes may share one database, each with its worker: every worker looks, on
start and every :data:`SWEEP`, for jobs no live process holds (queued, or running on a lapsed
lease: store.jobs.resume_interrupted) and runs them; whoever claims a job first runs it."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from commonplan.app.jobs import run_job
from commonplan.store.database import absolute, connect, sessions
from commonplan.store.jobs import LEASE, fail_job, queue_job, resume_interrupted
from commonplan.store.models import Job, JobState

# A job's process is forked from a server process that has imported the domain already (fast to
# start), never from the server itself, whose threads make a plain fork unsafe.
CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["commonplan.app.jobs"])
DIED = "the job's process ended before the job did (out of memory, or killed): {}"
NEW_PROCESSES = 2  # a queued job waits for a new process this often, then fails with the reason
SWEEP = LEASE / 2  # how often a worker looks for jobs that no live process holds

_child: dict[str, Any] = {}  # in a job's process: its database sessions and the stop event


def _open(url: str, options: dict[str, Any], stopping: Any) -> None:
    _child.update(sessions=sessions(connect(url, **options)), stopping=stopping)


def _run(job_id: int) -> None:
    run_job(_child["sessions"], job_id, _child["stopping"])


class JobRunner(Protocol):
    """What the server asks of whatever runs its jobs: this module's JobWorker (inside the
    server) or app.queue.QueuedJobs (jobs sent to ``commonplan worker`` processes)."""

    sessions: sessionmaker[Session]
    on_done: Callable[[int], None] | None  # told of every job that ran to its end (where it ran)

    def start(self, db: Session, economy_id: int, owner_id: int, kind: str,
              options: dict[str, Any]) -> Job: ...

    def submit(self, job_id: int) -> None: ...

    def watch(self) -> None: ...

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None: ...


def started(runner: JobRunner, db: Session, economy_id: int, owner_id: int, kind: str,
            options: dict[str, Any]) -> Job:
    """A job queued and committed (so a restart finds it), then handed to ``runner``."""
    job = queue_job(db, kind, economy_id, owner_id, options)
    db.commit()
    runner.submit(job.id)
    return job


class JobWorker:
    """Hands queued jobs, one at a time, to a process of its own."""

    def __init__(self, url: str, engine_options: dict[str, Any], make_session: sessionmaker[Session]) -> None:
        self.sessions = make_session
        self.database = (absolute(url), engine_options)
        self.stopping = CONTEXT.Event()
        self.lock = threading.Lock()
        self.pool = self._new_pool()
        self.waited: dict[int, int] = {}  # job: how often it waited for a new process
        self.pending: set[int] = set()  # jobs handed to this worker's process, not ended yet
        self.sweeping: threading.Thread | None = None
        self.on_done: Callable[[int], None] | None = None  # told of every job that ran to its end

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=CONTEXT, initializer=_open,
                                   initargs=(*self.database, self.stopping))

    def start(self, db: Session, economy_id: int, owner_id: int, kind: str,
              options: dict[str, Any]) -> Job:
        return started(self, db, economy_id, owner_id, kind, options)

    def submit(self, job_id: int) -> None:
        """Run the queued job ``job_id`` when the jobs before it are done (once: a job this
        worker holds already is not handed over again)."""
        self.hand(job_id)

    def hand(self, job_id: int) -> Future[None] | None:
        """:meth:`submit`, answering the job's run to wait for (None when held already)."""
        with self.lock:
            if job_id in self.pending:
                return None
            self.pending.add(job_id)
            try:
                pool, future = self.pool, self.pool.submit(_run, job_id)
            except BrokenProcessPool:  # its process died while idle: a new one
                self.pool = self._new_pool()
                pool, future = self.pool, self.pool.submit(_run, job_id)
        future.add_done_callback(lambda done: self._ended(job_id, pool, done))
        return future

    def _ended(self, job_id: int, pool: ProcessPoolExecutor, done: Future[None]) -> None:
        """When the process failed the job (run_job itself keeps every error of a job): the
        running job fails with the reason, a queued one waits for a new process (NEW_PROCESSES
        times at most, so a process that cannot start fails the job rather than loop)."""
        with self.lock:
            self.pending.discard(job_id)
        if done.cancelled() or self.stopping.is_set():
            return
        if done.exception() is None:
            if self.on_done is not None:
                try:
                    self.on_done(job_id)
                except Exception:  # what follows a job must not stop the worker; it is caught up later
                    logging.getLogger(__name__).exception("after job %s", job_id)
            return
        error = done.exception()
        with self.lock:
            if isinstance(error, BrokenProcessPool) and self.pool is pool:  # only a broken one
                self.pool = self._new_pool()
        waited = self.waited[job_id] = self.waited.get(job_id, 0) + 1
        with self.sessions() as session, session.begin():
            state = session.get(Job, job_id).state  # type: ignore[union-attr]
            if state == JobState.RUNNING or waited > NEW_PROCESSES:
                fail_job(session, job_id, DIED.format(f"{type(error).__name__}: {error}"))
                return
        if state == JobState.QUEUED:
            self.submit(job_id)

    def resume(self) -> list[int]:
        """Run what no live process holds: jobs queued, or left running by a process that
        stopped (store.jobs.resume_interrupted)."""
        with self.sessions() as session, session.begin():
            ids = resume_interrupted(session)
        for job_id in ids:
            self.submit(job_id)
        return ids

    def watch(self) -> None:
        """Resume now, then every SWEEP until shut down (a thread of the server process)."""
        self.resume()

        def sweep() -> None:
            while not self.stopping.wait(SWEEP.total_seconds()):
                self.resume()

        self.sweeping = threading.Thread(target=sweep, name="job sweep", daemon=True)
        self.sweeping.start()

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Stop: a queued job stays queued, and a running one goes back to the queue at its next
        progress report; both resume on the next start."""
        self.stopping.set()
        if self.sweeping is not None:
            self.sweeping.join()
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)

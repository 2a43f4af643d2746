"""The composition root: the application built from its parts, the REST API (api/) and the web
pages (web/) over the use cases (app/) on one database and one job worker, with security
headers on every answer and jobs resumed after a restart."""

import json
import os
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonplan import __version__, web
from commonplan.api import accounts, alerts, councils, economies, ledger, reports, revisions, rounds, targets
from commonplan.app.accounts import LoginLimit
from commonplan.app.alerts import SWEEP_SECONDS, AlertSweeper
from commonplan.app.revisions import settle_job
from commonplan.app.uploads import MAX_UPLOAD
from commonplan.app.worker import JobRunner, JobWorker
from commonplan.service import errors
from commonplan.service.limits import MAX_BODY
from commonplan.store.books import OpenBooks, load_secret, secret_path
from commonplan.store.database import DEFAULT_URL, open_database, sessions

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}

DATABASE_VARIABLE = "COMMONPLAN_DATABASE"  # the database of each of several server processes
JOBS_VARIABLE = "COMMONPLAN_JOBS"  # where their jobs run: "inside" (the default) or "queue"
JobPlace = Literal["inside", "queue"]
JOB_PLACES: tuple[JobPlace, ...] = ("inside", "queue")


def create_app(database_url: str = DEFAULT_URL, *, books: OpenBooks | None = None,
               jobs: JobPlace = "inside", sweep_seconds: float = SWEEP_SECONDS,
               **engine_options: Any) -> FastAPI:
    """The application on the database at ``database_url`` (migrated); jobs no live server
    process holds are run once it starts, and looked for while it runs (app.worker), and the
    alerts due climb every ``sweep_seconds`` (app.alerts.AlertSweeper). The open books sign
    with keys derived from the server's secret (store.books.load_secret). With
    ``jobs="queue"`` (PostgreSQL), jobs are sent to the queue of ``commonplan worker`` processes
    (app.queue) rather than run beside the server."""
    engine = open_database(database_url, **engine_options)
    worker: JobRunner
    if jobs == "queue":
        from commonplan.app.queue import QueuedJobs  # procrastinate, only where it is asked for

        worker = QueuedJobs(database_url, sessions(engine))
    else:
        worker = JobWorker(database_url, engine_options, sessions(engine))
    books = books or OpenBooks(load_secret(secret_path(database_url)))
    sweeper = AlertSweeper(worker.sessions, books, sweep_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        worker.watch()
        sweeper.start()
        yield
        sweeper.stop()
        worker.shutdown()

    app = FastAPI(title="commonplan", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # /docs is a page (web.pages), served offline
    app.state.sessions, app.state.worker = worker.sessions, worker
    app.state.logins = LoginLimit(worker.sessions)
    app.state.books, app.state.sweeper = books, sweeper
    worker.on_done = lambda job_id: settle_job(worker.sessions, books, job_id)  # a revision decided
    # (with jobs in the queue, the worker process that ran the job decides it: app.queue)
    errors.install(app)
    app.add_middleware(TooLargeInJson)
    app.add_middleware(SecurityHeaders)
    for routes in (accounts.router, economies.router, councils.router, rounds.router, targets.router,
                   reports.router, revisions.router, alerts.router, ledger.router):
        app.include_router(routes, max_body_size=MAX_BODY)  # per route: TooLargeInJson sees the 413
    web.install(app)
    return app




def from_environment() -> FastAPI:
    """The application on the database named by COMMONPLAN_DATABASE, its jobs where
    COMMONPLAN_JOBS says (``inside`` or ``queue``): what each process of
    ``commonplan serve --workers N`` (or ``uvicorn --factory commonplan.server:from_environment``
    behind any process manager) builds; docs/deploy.md. Any other COMMONPLAN_JOBS is refused
    (a ValueError naming it): a misspelt ``queue`` must not run every job beside the servers."""
    given = os.environ.get(JOBS_VARIABLE, "inside")
    place = next((known for known in JOB_PLACES if known == given), None)
    if place is None:
        raise ValueError(f"{JOBS_VARIABLE}={given!r}: one of {', '.join(JOB_PLACES)}")
    return create_app(os.environ.get(DATABASE_VARIABLE, DEFAULT_URL), jobs=place)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every answer that does not set its own (a plain ASGI middleware:
    Starlette's ``@app.middleware`` costs a tenth of a read request's time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for header, value in SECURITY_HEADERS.items():
                    headers.setdefault(header, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TooLargeInJson:
    """A request body past its limit (limits.MAX_BODY; an upload's own) is answered by Starlette
    in plain text, whatever the handlers say; this gives that 413 the API's error body."""

    BODY = json.dumps({"error": "too_large", "detail": f"a request body may have at most {MAX_BODY} "
                       f"octets (an uploaded bundle {MAX_UPLOAD}): see the limits in docs/api.md"}).encode()

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replacing = False

        async def send_in_json(message: Message) -> None:
            nonlocal replacing
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = MutableHeaders(scope=message)
                replacing = headers.get("content-type", "").startswith("text/plain")
                if replacing:
                    headers["content-type"] = "application/json"
                    headers["content-length"] = str(len(self.BODY))
            elif message["type"] == "http.response.body" and replacing:
                if message.get("more_body", False):
                    return  # the plain text is dropped; ours goes with its last part
                message = {"type": "http.response.body", "body": self.BODY}
            await send(message)

        await self.app(scope, receive, send_in_json)

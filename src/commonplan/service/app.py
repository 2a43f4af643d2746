"""The application: the REST API (service.api) and the web pages (service.pages) on one
database, with security headers on every answer and jobs resumed after a restart."""

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from commonplan import __version__
from commonplan.service import api, errors, pages
from commonplan.service.jobs import JobWorker
from commonplan.store.database import DEFAULT_URL, open_database, sessions

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(database_url: str = DEFAULT_URL, **engine_options: Any) -> FastAPI:
    """The application on the database at ``database_url`` (migrated); jobs a stopped server
    left queued or running are resumed once it starts (store.jobs.resume_interrupted)."""
    engine = open_database(database_url, **engine_options)
    worker = JobWorker(sessions(engine))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        worker.resume()
        yield
        worker.shutdown()

    app = FastAPI(title="commonplan", version=__version__, lifespan=lifespan)
    app.state.sessions, app.state.worker = worker.sessions, worker
    app.state.logins = api.LoginLimit()
    errors.install(app)

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    app.include_router(api.router)
    pages.install(app)
    return app

"""The REST API: accounts and bearer tokens, economies uploaded as zips, and jobs computed in the
background with their progress and results kept in the database (docs/api.md)."""


import pathlib
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, Path, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from commonplan import __version__
from commonplan.service import errors
from commonplan.service.errors import ApiError
from commonplan.service.jobs import run_job
from commonplan.store.accounts import (
    AccountRefused,
    authenticate,
    issue_token,
    member_of_token,
    register_member,
)
from commonplan.store.database import DEFAULT_URL, open_database, sessions
from commonplan.store.jobs import fail_interrupted, queue_job
from commonplan.store.models import Job, Member, StoredEconomy

MAX_UPLOAD = 64 * 2**20  # bytes of a zipped bundle
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # what an integer key of either database holds
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Credentials(BaseModel):
    email: str
    password: str


class JobRequest(BaseModel):
    kind: Literal["values", "requirements", "plan"]
    method: Literal["lp", "harmony"] = "lp"


def create_app(database_url: str = DEFAULT_URL, **engine_options: Any) -> FastAPI:
    """The application on the database at ``database_url`` (migrated; jobs a stopped server
    left running are failed with the reason)."""
    engine = open_database(database_url, **engine_options)
    make_session = sessions(engine)
    with make_session() as session, session.begin():
        fail_interrupted(session)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commonplan-job")
    app = FastAPI(title="commonplan", version=__version__)
    errors.install(app)
    app.state.sessions, app.state.worker = make_session, worker
    app.state.logins = LoginLimit()

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    _routes(app, make_session, worker)
    return app


def _routes(app: FastAPI, make_session: sessionmaker[Session], worker: ThreadPoolExecutor) -> None:
    bearer = HTTPBearer(auto_error=False)

    def session() -> Any:
        with make_session() as opened, opened.begin():
            yield opened

    Db = Annotated[Session, Depends(session)]

    def member(db: Db, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                              Depends(bearer)]) -> Member:
        found = member_of_token(db, credentials.credentials) if credentials else None
        if found is None:
            raise ApiError(401, "unauthorised", "a valid bearer token is required")
        return found

    Me = Annotated[Member, Depends(member)]

    @app.post("/members", status_code=201, operation_id="register_member")
    def register(body: Credentials, db: Db) -> dict[str, Any]:
        try:
            new = register_member(db, body.email, body.password)
        except AccountRefused as refused:
            raise ApiError(422, "refused", f"{refused.field} {refused.detail}",
                           field=refused.field) from None
        return {"id": new.id, "email": new.email, "role": new.role}

    @app.post("/tokens", status_code=201, operation_id="log_in")
    def log_in(body: Credentials, db: Db) -> dict[str, str]:
        if not app.state.logins.allowed(body.email):
            raise ApiError(429, "too_many_logins", f"too many failed logins: try again in "
                                                   f"{LOCKOUT_SECONDS} seconds", field="email")
        found = authenticate(db, body.email, body.password)
        if found is None:
            app.state.logins.failed(body.email)
            raise ApiError(401, "unauthorised", "wrong email or password")
        return {"token": issue_token(db, found), "token_type": "bearer"}

    @app.post("/economies", status_code=201, operation_id="upload_economy")
    async def upload(me: Me, db: Db, bundle: Annotated[UploadFile, File()],
                     name: Annotated[str, Form(max_length=200)] = "economy") -> dict[str, Any]:
        content = await bundle.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise ApiError(413, "too_large", f"a bundle may have at most {MAX_UPLOAD} bytes",
                           field="bundle")
        sha256, warnings = _checked(content)
        stored = StoredEconomy(owner_id=me.id, name=name, bundle_sha256=sha256, bundle=content)
        db.add(stored)
        db.flush()
        return {"id": stored.id, "name": name, "bundle_sha256": sha256, "warnings": warnings}

    @app.get("/economies/{economy_id}", operation_id="get_economy")
    def economy(economy_id: RowId, me: Me, db: Db) -> dict[str, Any]:
        stored = _owned(db, StoredEconomy, economy_id, me)
        return {"id": stored.id, "name": stored.name, "bundle_sha256": stored.bundle_sha256}

    @app.post("/economies/{economy_id}/jobs", status_code=202, operation_id="start_job")
    def start(economy_id: RowId, body: JobRequest, me: Me, db: Db) -> dict[str, Any]:
        _owned(db, StoredEconomy, economy_id, me)
        job = queue_job(db, body.kind, economy_id, me.id, {"method": body.method})
        db.commit()
        worker.submit(run_job, make_session, job.id)
        return _job(job)

    @app.get("/jobs/{job_id}", operation_id="get_job")
    def job_status(job_id: RowId, me: Me, db: Db) -> dict[str, Any]:
        return _job(_owned(db, Job, job_id, me))

    @app.get("/jobs/{job_id}/result", operation_id="get_job_result")
    def job_result(job_id: RowId, me: Me, db: Db) -> dict[str, Any]:
        job = _owned(db, Job, job_id, me)
        if job.state != "done" or job.result is None:
            raise ApiError(409, "not_done", f"the job is {job.state}: {job.message}")
        return job.result


LOGIN_ATTEMPTS = 5  # failed logins of one email allowed per window
LOCKOUT_SECONDS = 300


class LoginLimit:
    """At most LOGIN_ATTEMPTS failed logins per email in LOCKOUT_SECONDS (guessing is slowed
    down to a crawl; one server process, kept in memory)."""

    def __init__(self) -> None:
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def allowed(self, email: str) -> bool:
        with self.lock:
            return len(self._recent(email.strip().lower())) < LOGIN_ATTEMPTS

    def failed(self, email: str) -> None:
        with self.lock:
            self._recent(email.strip().lower()).append(time.monotonic())

    def _recent(self, key: str) -> list[float]:
        since = time.monotonic() - LOCKOUT_SECONDS
        self.failures[key] = [moment for moment in self.failures.get(key, []) if moment > since]
        return self.failures[key]


def _owned(db: Session, table: type, key: int, me: Member) -> Any:
    """The row, if it is ``me``'s; otherwise 404, as for a row that does not exist."""
    row = db.get(table, key)
    if row is None or row.owner_id != me.id:
        raise ApiError(404, "not_found", f"no {table.__tablename__[:-1]} {key} of yours")
    return row


def _job(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "state": job.state, "progress": job.progress,
            "message": job.message}


def _checked(content: bytes) -> tuple[str, list[str]]:
    """Check an uploaded zip as ``validate`` does; 422 listing every problem."""
    from commonplan.economy.bundle import check_bundle

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "bundle.zip"
        path.write_bytes(content)
        problems, warnings, sha256 = check_bundle(path)
    if problems:
        listed = [{**problem.as_json(), "file": pathlib.Path(problem.file).name if problem.file else None}
                  for problem in problems]
        raise ApiError(422, "invalid_bundle", f"the bundle breaks {len(problems)} rule(s)",
                       field="bundle", errors=listed)
    assert sha256 is not None
    return sha256, warnings

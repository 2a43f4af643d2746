"""The REST API's routes (docs/api.md): accounts and bearer tokens, economies uploaded as zips,
jobs computed in the background, results as JSON and CSV. Who may do what is store.access's."""

import csv
import io
import threading
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from commonplan.documents import document_rows
from commonplan.service.deps import Db, RowId, Worker
from commonplan.service.errors import ApiError
from commonplan.service.guard import cancellable_job, readable_row, runnable_economy
from commonplan.service.jobs import MAX_PERIODS, job_options, voted_tiers
from commonplan.service.limits import (
    MULTIPART_SLACK,
    PAGE_DEFAULT,
    Email,
    Key,
    OptionalName,
    Password,
)
from commonplan.service.paging import Limit, Offset, link_headers, page_of
from commonplan.service.uploads import MAX_UPLOAD, store_bundle
from commonplan.store.access import readable
from commonplan.store.accounts import (
    AccountRefused,
    authenticate,
    issue_token,
    member_of_token,
    register_member,
    revoke_token,
)
from commonplan.store.jobs import cancel_job
from commonplan.store.models import Job, Member, StoredEconomy

LOGIN_ATTEMPTS = 5  # failed logins of one email allowed per window
LOCKOUT_SECONDS = 300


class Strict(BaseModel):
    """A request body of strict types: JSON ``true`` is not 1, ``"5"`` is not 5 (service.limits)."""

    model_config = ConfigDict(strict=True)


class Credentials(Strict):
    email: Email
    password: Password


class JobRequest(Strict):
    kind: Literal["values", "requirements", "plan"]
    method: Literal["lp", "harmony"] = "lp"
    periods: int = Field(1, ge=1, le=MAX_PERIODS, description="periods of an exact plan (capital tables)")
    priorities_ballot: Key | None = Field(None, description=(
        "a closed ballot on priorities: the plan variant for the tiers the council voted"))


class LoginLimit:
    """At most LOGIN_ATTEMPTS failed logins per email in LOCKOUT_SECONDS (guessing is slowed
    down to a crawl; one server process, kept in memory). The API and the pages share it."""

    def __init__(self) -> None:
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def check(self, email: str) -> None:
        """429 when ``email`` failed too often lately."""
        with self.lock:
            if len(self._recent(email.strip().lower())) >= LOGIN_ATTEMPTS:
                raise ApiError(429, "too_many_logins", f"too many failed logins: try again in "
                                                       f"{LOCKOUT_SECONDS} seconds", field="email")

    def failed(self, email: str) -> None:
        key = email.strip().lower()
        with self.lock:
            self.failures[key] = [*self._recent(key), time.monotonic()]

    def _recent(self, key: str) -> list[float]:
        """The failures of ``key`` within the window; an email with none is forgotten, so the
        count never grows with the emails merely tried."""
        since = time.monotonic() - LOCKOUT_SECONDS
        recent = [moment for moment in self.failures.pop(key, []) if moment > since]
        if recent:
            self.failures[key] = recent
        return recent


def log_in_member(request: Request, db: Session, email: str, password: str) -> Member:
    """The member with these credentials, rate-limited per email; 401 or 429 otherwise."""
    logins: LoginLimit = request.app.state.logins
    logins.check(email)
    found = authenticate(db, email, password)
    if found is None:
        logins.failed(email)
        raise ApiError(401, "unauthorised", "wrong email or password")
    return found


def register(db: Session, email: str, password: str) -> Member:
    """A new member (role "member"); 422 naming the field when refused."""
    try:
        return register_member(db, email, password)
    except AccountRefused as refused:
        raise ApiError(422, "refused", f"{refused.field} {refused.detail}", field=refused.field) from None


_bearer = HTTPBearer(auto_error=False)


BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_member(db: Db, credentials: BearerToken) -> Member:
    found = member_of_token(db, credentials.credentials) if credentials else None
    if found is None:
        raise ApiError(401, "unauthorised", "a valid bearer token is required")
    return found


Me = Annotated[Member, Depends(bearer_member)]
router = APIRouter()


@router.post("/members", status_code=201, operation_id="register_member")
def register_route(body: Credentials, db: Db) -> dict[str, Any]:
    new = register(db, body.email, body.password)
    return {"id": new.id, "email": new.email, "role": new.role}


@router.post("/tokens", status_code=201, operation_id="log_in")
def log_in(body: Credentials, db: Db, request: Request) -> dict[str, str]:
    found = log_in_member(request, db, body.email, body.password)
    return {"token": issue_token(db, found), "token_type": "bearer"}


@router.delete("/tokens", status_code=204, operation_id="log_out")
def log_out(me: Me, db: Db, credentials: BearerToken) -> Response:
    """Revoke the bearer token this request carries: it signs nobody in again."""
    assert credentials is not None  # bearer_member (me) has checked it
    revoke_token(db, credentials.credentials)
    return Response(status_code=204)


@router.get("/members/me", operation_id="who_am_i")
def who_am_i(me: Me) -> dict[str, Any]:
    return {"id": me.id, "email": me.email, "role": me.role}


@router.post("/economies", status_code=201, operation_id="upload_economy",
             max_body_size=MAX_UPLOAD + MULTIPART_SLACK)
async def upload(me: Me, db: Db, bundle: Annotated[UploadFile, File()],
                 name: Annotated[OptionalName, Form()] = "economy") -> dict[str, Any]:
    return economy_summary(store_bundle(db, me, name, await bundle.read(MAX_UPLOAD + 1)))


@router.get("/economies", operation_id="list_economies")
def list_economies(me: Me, db: Db, request: Request, response: Response, offset: Offset = 0,
                   limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    found, page = page_of(db, readable(me, StoredEconomy), offset, limit)
    link_headers(request, response, page)
    return [economy_summary(economy) for economy in found]


@router.get("/economies/{economy_id}", operation_id="get_economy")
def economy(economy_id: RowId, me: Me, db: Db) -> dict[str, Any]:
    return economy_summary(readable_row(db, StoredEconomy, economy_id, me))


@router.get("/economies/{economy_id}/bundle", operation_id="download_bundle",
            response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def bundle(economy_id: RowId, me: Me, db: Db) -> Response:
    return bundle_file(readable_row(db, StoredEconomy, economy_id, me))


@router.post("/economies/{economy_id}/jobs", status_code=202, operation_id="start_job")
def start(economy_id: RowId, body: JobRequest, me: Me, db: Db, worker: Worker) -> dict[str, Any]:
    runnable_economy(db, economy_id, me)
    options = job_options(body.kind, body.method, body.periods, voted_tiers(db, body.priorities_ballot))
    return job_summary(worker.start(db, economy_id, me.id, body.kind, options))


@router.get("/jobs", operation_id="list_jobs")
def list_jobs(me: Me, db: Db, request: Request, response: Response, offset: Offset = 0,
              limit: Limit = PAGE_DEFAULT) -> list[dict[str, Any]]:
    found, page = page_of(db, readable(me, Job), offset, limit)
    link_headers(request, response, page)
    return [job_summary(job) for job in found]


@router.get("/jobs/{job_id}", operation_id="get_job")
def job_status(job_id: RowId, me: Me, db: Db) -> dict[str, Any]:
    return job_summary(readable_row(db, Job, job_id, me))


@router.post("/jobs/{job_id}/cancel", operation_id="cancel_job")
def cancel(job_id: RowId, me: Me, db: Db) -> dict[str, Any]:
    return job_summary(cancelled(db, cancellable_job(db, job_id, me), me))


def cancelled(db: Session, job: Job, me: Member) -> Job:
    """Cancel the job; 409 when it has ended already."""
    if not cancel_job(db, job.id, f"{me.role} {me.id}"):
        raise ApiError(409, "ended", f"job {job.id} has ended ({job.state}): nothing to cancel")
    db.refresh(job)
    return job


@router.get("/jobs/{job_id}/result", operation_id="get_job_result")
def job_result(job_id: RowId, me: Me, db: Db) -> dict[str, Any]:
    return finished_result(readable_row(db, Job, job_id, me))


@router.get("/jobs/{job_id}/result.csv", operation_id="get_job_result_csv",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def job_result_csv(job_id: RowId, me: Me, db: Db) -> Response:
    return result_csv_file(readable_row(db, Job, job_id, me))


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A download: the browser saves it as ``filename``."""
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def bundle_file(economy: StoredEconomy) -> Response:
    return attachment(economy.bundle, "application/zip", f"economy-{economy.id}.zip")


def result_csv_file(job: Job) -> Response:
    return attachment(result_csv(finished_result(job)), "text/csv", f"{job.kind}-{job.id}.csv")


def finished_result(job: Job) -> dict[str, Any]:
    """The job's stored document; 409 until it is done."""
    if job.state != "done" or job.result is None:
        raise ApiError(409, "not_done", f"the job is {job.state}: {job.message}")
    return job.result


def result_csv(document: dict[str, Any]) -> str:
    """The document's numbers as CSV: one row per quantity and id (documents.document_rows)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("quantity", "id", "value"))
    writer.writerows(document_rows(document))
    return text.getvalue()


def economy_summary(economy: StoredEconomy) -> dict[str, Any]:
    return {"id": economy.id, "name": economy.name, "bundle_sha256": economy.bundle_sha256,
            "owner_id": economy.owner_id, "warnings": economy.warnings}


def job_summary(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "economy_id": job.economy_id, "state": job.state,
            "progress": job.progress, "message": job.message}

"""The web application's pages (Jinja2 + htmx), served beside the API: registration and login,
economies uploaded and read, jobs started and watched with a live progress bar, their results
drawn as charts. Every rule is a use case of app/ (app.accounts, app.jobs, app.guard), as the
API's; the pages only show its answers, as HTML: what a member may not read is 404, what they
may not change 403."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from commonplan.app import accounts, jobs, roll
from commonplan.app.comparisons import names_of_economy
from commonplan.app.guard import cancellable_job, readable_row, runnable_economy
from commonplan.app.jobs import MAX_PERIODS, StartableKind
from commonplan.app.uploads import MAX_UPLOAD, store_builtin, store_bundle
from commonplan.democracy.refusals import Refusal
from commonplan.planning import DEFAULT_METHOD, PlanMethod
from commonplan.service.deps import Db, RowId, Worker
from commonplan.service.downloads import attachment, bundle_file, result_csv_file
from commonplan.service.errors import REFUSAL_STATUS
from commonplan.service.limits import MULTIPART_SLACK, WEB_PAGE, OptionalName
from commonplan.service.paging import WebOffset, page_of
from commonplan.store.access import may, readable
from commonplan.store.accounts import issue_token, revoke_token
from commonplan.store.models import ENDED, Job, JobState, StoredEconomy
from commonplan.web.charts import charts_of
from commonplan.web.rendering import CSRF, TEMPLATES, EmailField, PageRoute, PasswordField, render, to
from commonplan.web.session import (
    SESSION_COOKIE,
    Me,
    Reader,
    end_session,
    start_session,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def home(request: Request, viewer: Reader) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """The interactive API docs: Swagger UI, vendored in static/swagger-ui, so they work offline."""
    return TEMPLATES.TemplateResponse(request, "api_docs.html")


@router.get("/register")
def register_form(request: Request, viewer: Reader) -> HTMLResponse:
    return render(request, "register.html")


@router.post("/register", dependencies=CSRF)
def register(request: Request, db: Db, email: EmailField = "", password: PasswordField = "") -> Response:
    try:
        accounts.register(db, email, password)
    except Refusal as refused:
        return render(request, "register.html", REFUSAL_STATUS[refused.code], email=email,
                      error=refused.reason, field=refused.field)
    return to("/login?registered=1")


@router.get("/invitation")
def invitation_form(request: Request, viewer: Reader, token: Annotated[str, Query(max_length=200)] = ""
                    ) -> HTMLResponse:
    """The page an invited member's link opens: set a password (app.roll.accept)."""
    return render(request, "invitation.html", invitation=token)


@router.post("/invitation", dependencies=CSRF)
def invitation(request: Request, db: Db, invitation: Annotated[str, Form(max_length=200)] = "",
               password: PasswordField = "") -> Response:
    try:
        roll.accept(db, invitation, password)
    except Refusal as refused:
        return render(request, "invitation.html", REFUSAL_STATUS[refused.code], invitation=invitation,
                      error=refused.reason, field=refused.field)
    return to("/login?registered=1")


@router.get("/login")
def login_form(request: Request, viewer: Reader, registered: bool = False) -> HTMLResponse:
    return render(request, "login.html", registered=registered)


@router.post("/login", dependencies=CSRF)
def login(request: Request, db: Db, email: EmailField = "", password: PasswordField = "") -> Response:
    try:
        member = accounts.log_in(db, request.app.state.logins, email, password)
    except Refusal as refused:  # 401 says nothing of which was wrong; 429 says to wait
        status = REFUSAL_STATUS[refused.code]
        error = "Wrong email or password." if status == 401 else refused.reason
        return render(request, "login.html", status, email=email, error=error)
    response = to("/app/economies")
    start_session(request, response, issue_token(db, member, kind="session"))
    return response


@router.post("/logout", dependencies=CSRF)
def logout(request: Request, db: Db) -> Response:
    """Revoke the session (its cookie signs nobody in again) and forget the cookie."""
    if token := request.cookies.get(SESSION_COOKIE):
        revoke_token(db, token)
    response = to("/")
    end_session(request, response)
    return response


@router.get("/app/economies")
def economies(request: Request, me: Me, db: Db, offset: WebOffset = 0) -> HTMLResponse:
    return economies_page(request, me, db, offset=offset)


def economies_page(request: Request, me: Any, db: Db, status: int = 200, offset: int = 0,
                   **context: Any) -> HTMLResponse:
    listed, page = page_of(db, readable(me, StoredEconomy), offset, WEB_PAGE)
    return render(request, "economies.html", status, economies=listed, page=page, me=me,
                  may_upload=may(me, "upload"), **context)


@router.post("/app/economies", dependencies=CSRF, max_body_size=MAX_UPLOAD + MULTIPART_SLACK)
def upload(request: Request, me: Me, db: Db, bundle: Annotated[UploadFile, File()],
           name: Annotated[OptionalName, Form()] = "economy") -> Response:
    try:
        stored = store_bundle(db, me, name.strip() or "economy", bundle.file.read(MAX_UPLOAD + 1))
    except Refusal as refused:
        return economies_page(request, me, db, REFUSAL_STATUS[refused.code], error=refused.reason,
                              problems=refused.errors or [], name=name)
    return to(f"/app/economies/{stored.id}")


@router.post("/app/economies/builtin", dependencies=CSRF)
def add_builtin(me: Me, db: Db) -> Response:
    """The built-in US 2017 economy, ready to plan, added to the member's economies."""
    return to(f"/app/economies/{store_builtin(db, me).id}")


@router.get("/app/economies/{economy_id}")
def economy(request: Request, economy_id: RowId, me: Me, db: Db, offset: WebOffset = 0) -> HTMLResponse:
    stored = readable_row(db, StoredEconomy, economy_id, me)
    jobs, page = page_of(db, readable(me, Job).where(Job.economy_id == stored.id), offset, WEB_PAGE)
    return render(request, "economy.html", economy=stored, jobs=jobs, page=page, me=me,
                  may_run=may(me, "run", stored), max_periods=MAX_PERIODS)


@router.get("/app/economies/{economy_id}/bundle.zip")
def bundle(economy_id: RowId, me: Me, db: Db) -> Response:
    return bundle_file(readable_row(db, StoredEconomy, economy_id, me))


@router.post("/app/economies/{economy_id}/jobs", dependencies=CSRF)
def start_job(economy_id: RowId, me: Me, db: Db, worker: Worker,
              kind: Annotated[StartableKind, Form()], method: Annotated[PlanMethod, Form()] = DEFAULT_METHOD,
              periods: Annotated[int, Form(ge=1, le=MAX_PERIODS)] = 1) -> Response:
    runnable_economy(db, economy_id, me)
    options = jobs.job_options(kind, method, periods)
    return to(f"/app/jobs/{worker.start(db, economy_id, me.id, kind, options).id}")


@router.get("/app/jobs/{job_id}")
def job(request: Request, job_id: RowId, me: Me, db: Db) -> HTMLResponse:
    found: Job = readable_row(db, Job, job_id, me)
    economy = db.get(StoredEconomy, found.economy_id)
    seen = economy if economy is not None and may(me, "read", economy) else None
    return render(request, "job.html", job=found, economy=seen, **outcome(db, found, me))


@router.get("/app/jobs/{job_id}/progress")
def progress(request: Request, job_id: RowId, me: Me, db: Db) -> HTMLResponse:
    """The progress bar, polled by htmx; once the job ended, with its results (swapped in out of
    band) and status 286, which stops htmx polling."""
    found: Job = readable_row(db, Job, job_id, me)
    ended = found.state in ENDED
    return render(request, "job_progress.html", 286 if ended else 200, job=found, oob=ended,
                  **outcome(db, found, me))


@router.post("/app/jobs/{job_id}/cancel", dependencies=CSRF)
def cancel(job_id: RowId, me: Me, db: Db) -> Response:
    jobs.cancelled(db, cancellable_job(db, job_id, me), me)
    return to(f"/app/jobs/{job_id}")


def outcome(db: Session, job: Job, me: Any) -> dict[str, Any]:
    """What the job page shows of a job: a cancel button while it may still be stopped, its
    charts (products by name, the economy's names read once and kept) and explanation once it
    is done."""
    may_cancel = job.state not in ENDED and may(me, "run", job)
    if job.state != JobState.DONE or job.result is None:
        return {"charts": [], "document": None, "may_cancel": may_cancel}
    names = names_of_economy(db, job.economy_id)
    return {"charts": charts_of(job.kind, job.result, names), "document": job.result, "may_cancel": False}


@router.get("/app/jobs/{job_id}/result.json")
def result_json(job_id: RowId, me: Me, db: Db) -> Response:
    found: Job = readable_row(db, Job, job_id, me)
    return attachment(json.dumps(jobs.finished_result(found), indent=1), "application/json",
                      f"{found.kind}-{found.id}.json")


@router.get("/app/jobs/{job_id}/result.csv")
def result_csv(job_id: RowId, me: Me, db: Db) -> Response:
    return result_csv_file(readable_row(db, Job, job_id, me))

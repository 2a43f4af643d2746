"""The web application's pages (Jinja2 + htmx), served beside the API: registration and login,
economies uploaded and read, jobs started and watched with a live progress bar, their results
drawn as charts. Every rule is the API's (service.api, service.guard, store.access); the pages
only show its answers, as HTML: what a member may not read is 404, what they may not change 403."""

import functools
import gzip
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette.exceptions import HTTPException

from commonplan.service import api
from commonplan.service.deps import Db, RowId, Worker
from commonplan.service.errors import ApiError
from commonplan.service.guard import cancellable_job, readable_row, runnable_economy
from commonplan.service.jobs import MAX_PERIODS, job_options
from commonplan.service.limits import MAX_BODY, MULTIPART_SLACK, WEB_PAGE, Email, OptionalName, Password
from commonplan.service.paging import WebOffset, page_of
from commonplan.service.result_charts import charts_of, number
from commonplan.service.uploads import MAX_UPLOAD, store_bundle
from commonplan.service.web_session import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Me,
    PageError,
    Reader,
    SignInRequired,
    check_csrf,
    csrf_token,
    end_session,
    keep_cookies,
    start_session,
)
from commonplan.store.access import may, readable
from commonplan.store.accounts import issue_token, revoke_token
from commonplan.store.models import ENDED, Job, LedgerTip, StoredEconomy

STATIC = Path(__file__).parent / "static"
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["number"] = number
# The pages' own policy: the app's, plus the inline styles Plotly sets on its charts.
PAGE_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
TITLES = {401: "Not signed in", 403: "Not allowed", 404: "Not found", 405: "Not possible here",
          409: "Not ready yet",
          413: "Too large", 422: "Not accepted", 429: "Too many attempts"}
JobKind = api.JobRequest.model_fields["kind"].annotation  # the API's kinds and methods, one list
JobMethod = api.JobRequest.model_fields["method"].annotation
CSRF = [Depends(check_csrf)]
EmailField = Annotated[Email, Form()]  # the API's bounds on the forms' fields
PasswordField = Annotated[Password, Form()]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A page's route: the API's refusals and invalid requests become HTML pages (PageError);
    every answer carries the pages' policy, is not cached, and keeps the CSRF cookie."""

    def get_route_handler(self) -> Handler:
        answer = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await answer(request)
            except ApiError as refused:
                raise PageError(refused.status, TITLES.get(refused.status, "Refused"),
                                refused.detail) from None
            except RequestValidationError as invalid:
                raise PageError(422, TITLES[422], problem_of(invalid)) from None
            return finished(request, response)

        return page


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template as the page's answer, with who is signed in and the CSRF token for its forms."""
    token = csrf_token(request)
    return TEMPLATES.TemplateResponse(request, template, {
        "viewer": getattr(request.state, "viewer", None), "csrf_token": token,
        "csrf_headers": json.dumps({CSRF_HEADER: token}), "plotly_version": plotly_version(),
        "books_head": books_head(request), **context}, status_code=status)


def books_head(request: Request) -> dict[str, Any] | None:
    """The open books' current signed head, shown on every page (read in a session of its own:
    an error page is drawn after the request's session closed)."""
    with request.app.state.sessions() as session:
        return session.scalar(select(LedgerTip.head).where(LedgerTip.id == 1)) or None


def finished(request: Request, response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-store"
    keep_cookies(request, response)
    return response


def to(path: str) -> RedirectResponse:
    """303 See Other: after a form, the browser gets the next page (a reload sends nothing again)."""
    return RedirectResponse(path, status_code=303)


def problem_of(invalid: RequestValidationError) -> str:
    first = invalid.errors()[0] if invalid.errors() else {"loc": (), "msg": "invalid request"}
    return f"{'.'.join(str(part) for part in first['loc'][1:]) or 'request'}: {first['msg']}"


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
        api.register(db, email, password)
    except ApiError as refused:
        return render(request, "register.html", refused.status, email=email, error=refused.detail,
                      field=refused.field)
    return to("/login?registered=1")


@router.get("/login")
def login_form(request: Request, viewer: Reader, registered: bool = False) -> HTMLResponse:
    return render(request, "login.html", registered=registered)


@router.post("/login", dependencies=CSRF)
def login(request: Request, db: Db, email: EmailField = "", password: PasswordField = "") -> Response:
    try:
        member = api.log_in_member(request, db, email, password)
    except ApiError as refused:  # 401 says nothing of which was wrong; 429 says to wait
        error = "Wrong email or password." if refused.status == 401 else refused.detail
        return render(request, "login.html", refused.status, email=email, error=error)
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
        stored = store_bundle(db, me, name.strip() or "economy",
                                         bundle.file.read(MAX_UPLOAD + 1))
    except ApiError as refused:
        return economies_page(request, me, db, refused.status, error=refused.detail,
                              problems=refused.errors or [], name=name)
    return to(f"/app/economies/{stored.id}")


@router.get("/app/economies/{economy_id}")
def economy(request: Request, economy_id: RowId, me: Me, db: Db, offset: WebOffset = 0) -> HTMLResponse:
    stored = readable_row(db, StoredEconomy, economy_id, me)
    jobs, page = page_of(db, readable(me, Job).where(Job.economy_id == stored.id), offset, WEB_PAGE)
    return render(request, "economy.html", economy=stored, jobs=jobs, page=page, me=me,
                  may_run=may(me, "run", stored), max_periods=MAX_PERIODS)


@router.get("/app/economies/{economy_id}/bundle.zip")
def bundle(economy_id: RowId, me: Me, db: Db) -> Response:
    return api.bundle_file(readable_row(db, StoredEconomy, economy_id, me))


@router.post("/app/economies/{economy_id}/jobs", dependencies=CSRF)
def start_job(economy_id: RowId, me: Me, db: Db, worker: Worker,
              kind: Annotated[JobKind, Form()], method: Annotated[JobMethod, Form()] = "lp",
              periods: Annotated[int, Form(ge=1, le=MAX_PERIODS)] = 1) -> Response:
    runnable_economy(db, economy_id, me)
    options = job_options(kind, method, periods)
    return to(f"/app/jobs/{worker.start(db, economy_id, me.id, kind, options).id}")


@router.get("/app/jobs/{job_id}")
def job(request: Request, job_id: RowId, me: Me, db: Db) -> HTMLResponse:
    found: Job = readable_row(db, Job, job_id, me)
    economy = db.get(StoredEconomy, found.economy_id)
    seen = economy if economy is not None and may(me, "read", economy) else None
    return render(request, "job.html", job=found, economy=seen, **outcome(found, me))


@router.get("/app/jobs/{job_id}/progress")
def progress(request: Request, job_id: RowId, me: Me, db: Db) -> HTMLResponse:
    """The progress bar, polled by htmx; once the job ended, with its results (swapped in out of
    band) and status 286, which stops htmx polling."""
    found: Job = readable_row(db, Job, job_id, me)
    ended = found.state in ENDED
    return render(request, "job_progress.html", 286 if ended else 200, job=found, oob=ended,
                  **outcome(found, me))


@router.post("/app/jobs/{job_id}/cancel", dependencies=CSRF)
def cancel(job_id: RowId, me: Me, db: Db) -> Response:
    api.cancelled(db, cancellable_job(db, job_id, me), me)
    return to(f"/app/jobs/{job_id}")


def outcome(job: Job, me: Any) -> dict[str, Any]:
    """What the job page shows of a job: a cancel button while it may still be stopped, its
    charts and explanation once it is done."""
    may_cancel = job.state not in ENDED and may(me, "run", job)
    if job.state != "done" or job.result is None:
        return {"charts": [], "document": None, "may_cancel": may_cancel}
    return {"charts": charts_of(job.kind, job.result), "document": job.result, "may_cancel": False}


@router.get("/app/jobs/{job_id}/result.json")
def result_json(job_id: RowId, me: Me, db: Db) -> Response:
    found: Job = readable_row(db, Job, job_id, me)
    return api.attachment(json.dumps(api.finished_result(found), indent=1), "application/json",
                          f"{found.kind}-{found.id}.json")


@router.get("/app/jobs/{job_id}/result.csv")
def result_csv(job_id: RowId, me: Me, db: Db) -> Response:
    return api.result_csv_file(readable_row(db, Job, job_id, me))


@functools.cache
def plotly_js() -> tuple[bytes, bytes]:
    """Plotly's JavaScript as the plotly package ships it (pages work offline), plain and gzipped."""
    from plotly.offline import get_plotlyjs

    plain = get_plotlyjs().encode()
    return plain, gzip.compress(plain, compresslevel=6, mtime=0)


@functools.cache
def plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def plotly_route(request: Request) -> Response:
    """/static/plotly.min.js: cached for a year (the pages ask for it with its version)."""
    plain, zipped = plotly_js()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(zipped, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
    return Response(plain, media_type="text/javascript", headers=headers)


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and Plotly's JavaScript on ``app``, with the handlers
    that answer a page's refusal as an HTML page and send the signed-out to the login page."""

    @app.exception_handler(PageError)
    async def page_error(request: Request, error: PageError) -> Response:
        return finished(request, render(request, "error.html", error.status, title=error.title,
                                        detail=error.detail))

    answer_in_json = app.exception_handlers[HTTPException]

    @app.exception_handler(HTTPException)
    async def no_such_page(request: Request, error: HTTPException) -> Response:
        """An unknown address or method: an HTML page for a browser, the API's JSON otherwise."""
        if "text/html" not in request.headers.get("accept", ""):
            return await answer_in_json(request, error)
        return finished(request, render(request, "error.html", error.status_code,
                                        title=TITLES.get(error.status_code, "Refused"),
                                        detail=f"{error.detail}: {request.method} {request.url.path}"))

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _error: SignInRequired) -> Response:
        # htmx (polling a fragment) follows HX-Redirect with the whole page, not inside the fragment
        response = (Response(headers={"HX-Redirect": "/login"}) if request.headers.get("HX-Request")
                    else to("/login"))
        end_session(request, response)
        return finished(request, response)

    from commonplan.service import civic_pages  # it builds on this module's PageRoute and render

    app.include_router(router, max_body_size=MAX_BODY)
    civic_pages.install(app)
    app.add_api_route("/static/plotly.min.js", plotly_route, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

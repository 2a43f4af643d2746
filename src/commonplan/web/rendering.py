"""What every page shares: the templates, the pages' security policy and headers, a page's
route (a refusal or an invalid request answered as an HTML page), rendering, redirects, and
Plotly's JavaScript served offline. The pages (web.pages, web.civic_pages) build on this."""

import functools
import gzip
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from commonplan.app.readable import number
from commonplan.democracy.budgets import COMPLETIONS, DEFAULT_COMPLETION
from commonplan.democracy.offices import OFFICE_KINDS, Filling, kinds_filled_by
from commonplan.democracy.refusals import Refusal
from commonplan.planning import DEFAULT_METHOD, METHODS
from commonplan.service.errors import REFUSAL_STATUS, ApiError
from commonplan.service.limits import Email, Password
from commonplan.store.models import LedgerTip
from commonplan.web.charts import compared_charts
from commonplan.web.session import CSRF_HEADER, PageError, check_csrf, csrf_token, keep_cookies

STATIC = Path(__file__).parent / "static"
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["number"] = number
TEMPLATES.env.globals["compared_charts"] = compared_charts  # plan variants side by side, wherever shown
# The vocabularies every page may show, read from their one registry in the core.
TEMPLATES.env.globals.update(plan_methods=METHODS, default_method=DEFAULT_METHOD, office_kinds=OFFICE_KINDS,
                             elected_kinds=kinds_filled_by(Filling.ELECTION),
                             lottery_kinds=kinds_filled_by(Filling.LOTTERY),
                             budget_completions=COMPLETIONS, default_completion=DEFAULT_COMPLETION)
# The pages' own policy: the app's, plus the inline styles Plotly sets on its charts.
PAGE_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
TITLES = {401: "Not signed in", 403: "Not allowed", 404: "Not found", 405: "Not possible here",
          409: "Not ready yet",
          413: "Too large", 422: "Not accepted", 429: "Too many attempts"}
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
            except Refusal as refusal:
                return self.refused(request, refusal)
            except RequestValidationError as invalid:
                raise PageError(422, TITLES[422], problem_of(invalid)) from None
            return finished(request, response)

        return page

    def refused(self, request: Request, refusal: Refusal) -> Response:
        """A refusal of the rules as a page with its status (a kind of page may show it its way)."""
        status = REFUSAL_STATUS[refusal.code]
        raise PageError(status, TITLES.get(status, "Refused"), refusal.reason)


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


@functools.cache
def plotly_js() -> tuple[bytes, bytes]:
    """Plotly's JavaScript as the plotly package ships it (pages work offline), plain and gzipped."""
    from plotly.offline import get_plotlyjs

    plain = get_plotlyjs().encode()
    return plain, gzip.compress(plain, compresslevel=6, mtime=0)


@functools.cache
def plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    version: str = get_plotlyjs_version()  # plotly ships no types
    return version


def plotly_route(request: Request) -> Response:
    """/static/plotly.min.js: cached for a year (the pages ask for it with its version)."""
    plain, zipped = plotly_js()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(zipped, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
    return Response(plain, media_type="text/javascript", headers=headers)

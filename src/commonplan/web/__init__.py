"""The web pages (Jinja2 + htmx), served beside the API: ``install`` mounts them, their static
files and Plotly's JavaScript, with the handlers that answer a page's refusal as an HTML page
and send the signed-out to the login page."""

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from commonplan.service.limits import MAX_BODY
from commonplan.web import alert_pages, civic_pages, pages, report_pages, round_pages, target_pages
from commonplan.web.rendering import STATIC, TITLES, finished, plotly_route, render, to
from commonplan.web.session import PageError, SignInRequired, end_session


def install(app: FastAPI) -> None:
    """Mount the pages on ``app`` (after the API's error handlers: an unknown address asked by a
    browser is a page, by anything else the API's JSON)."""

    @app.exception_handler(PageError)
    async def page_error(request: Request, error: PageError) -> Response:
        return finished(request, render(request, "error.html", error.status, title=error.title,
                                        detail=error.detail))

    answer_in_json = app.exception_handlers[HTTPException]

    @app.exception_handler(HTTPException)
    async def no_such_page(request: Request, error: HTTPException) -> Response:
        """An unknown address or method: an HTML page for a browser, the API's JSON otherwise."""
        if "text/html" not in request.headers.get("accept", ""):
            answered = answer_in_json(request, error)  # a handler may answer at once or be awaited
            return answered if isinstance(answered, Response) else await answered
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

    for routes in (pages.router, civic_pages.router, round_pages.router, target_pages.router,
                   report_pages.router, alert_pages.router):
        app.include_router(routes, max_body_size=MAX_BODY)
    app.add_api_route("/static/plotly.min.js", plotly_route, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

"""The web pages end to end on SQLite and PostgreSQL (FastAPI's TestClient): sessions and their
cookies, CSRF on every form, uploads and their problems, jobs and their charts, and that nobody
reads or changes through a page what the API would refuse them."""

import html
import json
import logging
import re
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from commonplan.server import create_app
from commonplan.store.accounts import set_role
from commonplan.store.jobs import queue_job
from commonplan.web import pages
from commonplan.web.session import CSRF_COOKIE, SESSION_COOKIE
from tests.factories import BAKERY, zipped
from tests.pages import (
    PASSWORD,
    browser,
    finished_job,
    signed_in,
    start,
    token_in,
    token_of,
    upload,
    uploaded,
)

BROKEN = {**BAKERY, "inputs.csv": "technique,product,quantity\nbake,flour,x\n"}
TIGHT = {**BAKERY, "resources.csv": "product,available\nlabour,1000\nland,0.2\n"}  # land binds


@pytest.fixture
def app(database_url):
    url, options = database_url
    application = create_app(url, **options)
    with TestClient(application):  # runs the lifespan: the job worker starts and stops
        yield application


@pytest.fixture
def ada(app) -> TestClient:
    return signed_in(browser(app), "ada@example.org")


def cookie(answer, name: str) -> dict[str, str | bool]:
    """The attributes of the cookie ``name`` the answer sets (value, httponly, samesite...)."""
    for header in answer.headers.get_list("set-cookie"):
        parsed = SimpleCookie(header)
        if name in parsed:
            morsel = parsed[name]
            return {"value": morsel.value, **{key: morsel[key] for key in morsel if morsel[key]}}
    raise AssertionError(f"no {name} cookie set")


def test_a_member_registers_logs_in_and_gets_a_session_cookie_no_script_can_read(app):
    client = browser(app)
    first = client.get("/login")
    assert cookie(first, CSRF_COOKIE) | {"value": ""} == {
        "value": "", "httponly": True, "samesite": "strict", "secure": True, "path": "/"}
    client.post("/register", data={"email": "ada@example.org", "password": PASSWORD,
                                   "csrf_token": token_in(first.text)})
    answer = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                         "csrf_token": token_of(client)}, follow_redirects=False)
    session = cookie(answer, SESSION_COOKIE)
    assert session["httponly"] and session["secure"] and session["path"] == "/"
    assert (session["samesite"], session["max-age"]) == ("lax", str(12 * 3600))
    page = client.get("/app/economies")
    assert page.status_code == 200 and "ada@example.org" in page.text and "(member)" in page.text


@pytest.mark.parametrize(("base_url", "secure"), [
    ("http://127.0.0.1", True), ("http://localhost", True), ("https://plan.example.org", True),
    ("http://plan.example.org", False)])
def test_cookies_are_secure_over_https_and_on_loopback_only(app, base_url, secure):
    client = browser(app, base_url)
    signed_in(browser(app), "ada@example.org")
    form = client.get("/login")
    csrf = cookie(form, CSRF_COOKIE)
    answer = client.post("/login", headers={"Cookie": f"{CSRF_COOKIE}={csrf['value']}"},
                         data={"email": "ada@example.org", "password": PASSWORD,
                               "csrf_token": token_in(form.text)}, follow_redirects=False)
    assert answer.status_code == 303
    assert bool(cookie(answer, SESSION_COOKIE).get("secure")) is secure
    assert bool(csrf.get("secure")) is secure


def test_every_post_form_is_refused_without_or_with_a_wrong_csrf_token(app, ada):
    economy = uploaded(ada)
    anonymous_token = token_of(browser(app))  # another browser's, and one made before signing in
    before = ada.get("/app/economies").text.count("/app/economies/")
    forms = [("/login", {"email": "ada@example.org", "password": PASSWORD}, None),
             ("/register", {"email": "eve@example.org", "password": PASSWORD}, None),
             ("/logout", {}, None),
             ("/app/economies", {"name": "again"}, {"bundle": ("b.zip", zipped(BAKERY), "application/zip")}),
             (f"/app/economies/{economy}/jobs", {"kind": "values", "method": "lp"}, None)]
    for path, data, files in forms:
        for token in (None, "", "wrong", anonymous_token):
            sent = data if token is None else {**data, "csrf_token": token}
            answer = ada.post(path, data=sent, files=files, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
            assert answer.headers["content-type"].startswith("text/html")
            assert "Form refused" in answer.text and 'role="alert"' in answer.text
    assert ada.get("/app/economies").text.count("/app/economies/") == before  # nothing uploaded
    assert "No jobs yet" in ada.get(f"/app/economies/{economy}").text  # nothing started
    assert ada.get("/app/economies").status_code == 200  # and still signed in


def test_an_htmx_request_may_send_the_csrf_token_as_a_header(ada):
    token = token_of(ada, "/app/economies")
    answer = ada.post("/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"},
                      follow_redirects=False)
    assert answer.status_code == 303
    assert ada.get("/app/economies", follow_redirects=False).headers["location"] == "/login"


def test_an_upload_with_problems_shows_every_problem_in_a_table(app, ada):
    page = upload(ada, BROKEN)
    assert page.status_code == 422 and 'role="alert"' in page.text
    api = browser(app)
    token = api.post("/tokens", json={"email": "ada@example.org", "password": PASSWORD}).json()["token"]
    refused = api.post("/economies", headers={"Authorization": f"Bearer {token}"}, data={"name": "b"},
                       files={"bundle": ("b.zip", zipped(BROKEN), "application/zip")}).json()
    assert len(refused["errors"]) >= 2
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>\s*<td>(.*?)</td><td>(.*?)</td></tr>", page.text)
    assert sorted(tuple(html.unescape(cell) for cell in row) for row in rows) == sorted(
        (e["file"] or "", "" if e["row"] is None else str(e["row"]), e["column"] or "", e["message"])
        for e in refused["errors"])


def test_an_economy_accepted_with_warnings_shows_them(app, ada):
    economy = uploaded(ada, {**BAKERY, "resources.csv": "product,available\nland,50\n"})
    page = ada.get(f"/app/economies/{economy}")
    assert "Accepted with warnings" in page.text and "&#39;labour&#39;" in page.text


@pytest.mark.parametrize(("kind", "charts"), [
    ("values", {"chart-values"}),
    ("requirements", {"chart-gross-output", "chart-labour", "chart-resources"}),
    ("plan", {"chart-fulfilment", "chart-activity", "chart-net-output", "chart-labour", "chart-resources",
              "chart-binding", "chart-shadow-prices"})])
def test_a_finished_job_shows_its_charts_and_their_numbers(ada, kind, charts):
    job = finished_job(ada, uploaded(ada, TIGHT), kind)
    page = ada.get(f"/app/jobs/{job}").text
    assert 'value="100"' in page and "hx-trigger" not in page  # done: no more polling
    assert set(re.findall(r'<script type="application/json" id="(chart-[a-z-]+)-data">', page)) == charts
    assert page.count("<details>") == len(charts)  # each chart's numbers, for screen readers
    assert f"/app/jobs/{job}/result.csv" in page and f"/app/jobs/{job}/result.json" in page
    if kind == "plan":
        assert "Land (ha)" in page and "Priority 1" in page  # what binds, and the explanation
    fragment = ada.get(f"/app/jobs/{job}/progress")
    assert fragment.status_code == 286 and 'hx-swap-oob="true"' in fragment.text
    assert ada.get(f"/app/jobs/{job}/result.csv").text.startswith("quantity,id,value\n")
    assert ada.get(f"/app/jobs/{job}/result.json").json()["provenance"]["bundle_sha256"]


def chart_data(page: str) -> dict[str, dict]:
    """The charts' JSON a page carries, by chart id."""
    return {key: json.loads(html.unescape(text)) for key, text in re.findall(
        r'<script type="application/json" id="(chart-[a-z-]+)-data">(.*?)</script>', page, re.S)}


def test_a_plans_charts_name_products_and_workplaces_and_chart_labour_apart_from_products(ada):
    job = finished_job(ada, uploaded(ada, TIGHT), "plan")
    page = ada.get(f"/app/jobs/{job}").text
    charts = chart_data(page)
    assert set(charts["chart-net-output"]["labels"]) <= {"Bread (loaf)", "Wheat (kg)", "Park (visit)"}
    assert "Bread (loaf)" in charts["chart-net-output"]["labels"]
    assert charts["chart-labour"]["labels"] == ["Work (hour)"] and charts["chart-labour"]["unit"] == "hours"
    assert charts["chart-resources"]["labels"] == ["Land (ha)"]
    assert "Bread, Bakery" in charts["chart-activity"]["labels"]  # what a technique makes, and where
    assert charts["chart-binding"]["labels"] == ["Land (ha)"]
    every_label = {label for chart in charts.values() for label in chart["labels"]}
    assert not every_label & {"bread", "wheat", "park", "labour", "land", "bake", "grow", "tend"}  # no ids
    numbers = re.search(r'id="chart-net-output-caption">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    assert "<th scope=\"row\">Bread (loaf)</th>" in numbers
    result = ada.get(f"/app/jobs/{job}/result.json").json()
    assert set(result["net_output"]) == {"bread", "wheat", "labour", "land", "park"}  # the download: ids
    assert any(len(str(value)) > 8 for value in result["activity"].values())  # exact, not rounded
    assert not re.search(r"<td>\d+\.\d{5,}</td>", page)  # the tables: rounded for people


def test_a_job_page_polls_its_progress_until_the_job_ends(app, ada, monkeypatch):
    economy = uploaded(ada)
    monkeypatch.setattr(app.state.worker, "submit", lambda job_id: None)  # it stays queued
    started = start(ada, economy)
    page = ada.get(started.headers["location"]).text
    assert 'hx-trigger="every 500ms"' in page and 'aria-live="polite"' in page
    assert re.search(r'<progress id="job-progress-bar" max="100" value="0"', page)
    assert ada.get(started.headers["location"] + "/progress").status_code == 200
    assert ada.get(started.headers["location"] + "/result.csv").status_code == 409


MEMBER_PAGES = ["/app/economies/{economy_id}", "/app/economies/{economy_id}/bundle.zip",
                "/app/jobs/{job_id}", "/app/jobs/{job_id}/progress", "/app/jobs/{job_id}/result.json",
                "/app/jobs/{job_id}/result.csv"]  # every page of one economy or job


def member_pages(economy: int, job: int) -> list[str]:
    return [page.format(economy_id=economy, job_id=job) for page in MEMBER_PAGES]


def test_every_page_of_an_economy_or_job_is_in_the_table():
    routes = {route.path for route in pages.router.routes
              if route.path.startswith("/app/") and "{" in route.path and "GET" in route.methods}
    assert routes == set(MEMBER_PAGES)


def test_another_member_gets_404_on_every_page_of_someone_elses_economy_and_job(app, ada):
    economy = uploaded(ada)
    job = finished_job(ada, economy)
    bob = signed_in(browser(app), "bob@example.org")
    for path in member_pages(economy, job):
        assert ada.get(path).status_code in (200, 286), path
        answer = bob.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html") and "Not found" in answer.text
    assert start(bob, economy).status_code == 404
    assert f"/app/economies/{economy}" not in bob.get("/app/economies").text


def test_the_signed_out_are_sent_to_the_login_page_from_every_member_page(app, ada):
    economy = uploaded(ada)
    job = finished_job(ada, economy)
    anonymous = browser(app)
    for path in ["/app/economies", *member_pages(economy, job), "/app/jobs/999"]:
        answer = anonymous.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
    polled = anonymous.get(f"/app/jobs/{job}/progress", headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == "/login"  # htmx loads the login page, not a fragment
    token = token_of(anonymous)
    for path, data in (("/app/economies", {"name": "x"}),
                       (f"/app/economies/{economy}/jobs", {"kind": "plan"})):
        answer = anonymous.post(path, data={**data, "csrf_token": token}, follow_redirects=False,
                                files={"bundle": ("b.zip", zipped(BAKERY), "application/zip")})
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), path
    home = anonymous.get("/")
    assert home.status_code == 200 and 'href="/login"' in home.text


def given_role(app, email: str, role: str) -> None:
    with app.state.sessions() as session, session.begin():
        set_role(session, email, role)


def test_an_auditor_reads_everything_but_uploads_and_starts_nothing(app, ada):
    economy = uploaded(ada)
    job = finished_job(ada, economy)
    auditor = signed_in(browser(app), "audrey@example.org")
    given_role(app, "audrey@example.org", "auditor")
    listing = auditor.get("/app/economies").text
    assert f"/app/economies/{economy}" in listing and 'action="/app/economies"' not in listing
    assert "(auditor)" in listing
    for path in member_pages(economy, job):
        assert auditor.get(path).status_code in (200, 286), path
    assert f'action="/app/economies/{economy}/jobs"' not in auditor.get(f"/app/economies/{economy}").text
    token = token_of(auditor, "/app/economies")
    assert upload(auditor).status_code == 403
    refused = auditor.post(f"/app/economies/{economy}/jobs", follow_redirects=False,
                           data={"kind": "plan", "method": "lp", "csrf_token": token})
    assert refused.status_code == 403 and "auditor may not start jobs" in refused.text


def test_a_delegate_may_start_a_job_on_another_members_economy(app, ada):
    economy = uploaded(ada)
    delegate = signed_in(browser(app), "dora@example.org")
    given_role(app, "dora@example.org", "delegate")
    assert f'action="/app/economies/{economy}/jobs"' in delegate.get(f"/app/economies/{economy}").text
    job = finished_job(delegate, economy, "plan")
    assert "Fulfilment per priority tier" in delegate.get(f"/app/jobs/{job}").text


def test_logging_out_revokes_the_session_so_the_old_cookie_signs_nobody_in(app, ada):
    old = ada.cookies[SESSION_COOKIE]
    answer = ada.post("/logout", data={"csrf_token": token_of(ada, "/app/economies")}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    assert ada.get("/app/economies", follow_redirects=False).headers["location"] == "/login"
    replay = browser(app)
    replay.cookies.set(SESSION_COOKIE, old)
    assert replay.get("/app/economies", follow_redirects=False).headers["location"] == "/login"


def test_a_failed_login_says_nothing_of_which_part_was_wrong_and_guessing_is_slowed(app, ada):
    client = browser(app)

    def log_in(email: str, password: str):
        return client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token_of(client)})

    for answer in (log_in("ada@example.org", "not the password"), log_in("eve@example.org", PASSWORD)):
        assert answer.status_code == 401 and 'role="alert"' in answer.text
        assert "Wrong email or password." in answer.text
    assert [log_in("ada@example.org", "nope").status_code for _ in range(4)] == [401] * 4
    locked = log_in("ada@example.org", PASSWORD)
    assert locked.status_code == 429 and "too many failed logins" in locked.text
    assert 'role="alert"' in locked.text and SESSION_COOKIE not in locked.headers.get("set-cookie", "")


def test_a_refused_registration_names_the_field(app):
    client = browser(app)
    answer = client.post("/register", data={"email": "ada@example.org", "password": "short",
                                            "csrf_token": token_of(client, "/register")})
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert "password must have at least 12 characters" in answer.text
    assert re.search(r'id="password"[^>]*aria-invalid="true"', answer.text, re.S)


def test_a_key_no_row_can_have_is_an_html_page_not_json(ada):
    answer = ada.get("/app/jobs/0")
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")


def test_pages_carry_the_security_headers_and_the_api_keeps_its_own(ada):
    for answer in (ada.get("/"), ada.get("/app/economies"), ada.get("/app/jobs/99")):
        headers = answer.headers
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "style-src 'self' 'unsafe-inline'" in policy and "script-src" not in policy
    assert "unsafe-inline" not in ada.get("/openapi.json").headers["Content-Security-Policy"]
    plotly = ada.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and "max-age=31536000" in plotly.headers["Cache-Control"]
    assert plotly.text.startswith("/**") and "plotly.js" in plotly.text[:200]


def test_no_password_or_session_reaches_any_log(app, caplog):
    with caplog.at_level(logging.DEBUG):
        client = signed_in(browser(app), "ada@example.org")
        client.post("/login", data={"email": "ada@example.org", "password": "a wrong password",
                                    "csrf_token": token_of(client)})
    assert PASSWORD not in caplog.text and "a wrong password" not in caplog.text
    assert client.cookies[SESSION_COOKIE] not in caplog.text


def test_the_pages_are_not_in_the_openapi_schema(app):
    paths = app.openapi()["paths"]
    assert not [path for path in paths if path.startswith(("/app", "/login", "/register", "/logout"))]
    assert "/" not in paths


def test_an_unknown_address_is_an_html_page_for_a_browser_and_json_for_the_api(app):
    client = browser(app)
    page = client.get("/app/nowhere", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and "/app/nowhere" in page.text
    answer = client.get("/app/nowhere", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert client.put("/login", headers={"Accept": "text/html"}).status_code == 405


def test_a_plan_of_several_periods_is_started_from_the_economy_page(ada):
    periods = Path(__file__).parents[1] / "planning" / "data" / "bakery-periods"
    economy = uploaded(ada, {path.name: path.read_text() for path in periods.iterdir()})
    form = {"kind": "plan", "csrf_token": token_of(ada, f"/app/economies/{economy}")}
    refused = ada.post(f"/app/economies/{economy}/jobs", data={**form, "method": "harmony", "periods": "2"})
    assert refused.status_code == 422 and "several periods" in refused.text
    started = ada.post(f"/app/economies/{economy}/jobs", data={**form, "method": "lp", "periods": "2"},
                       follow_redirects=False)
    assert started.status_code == 303, started.text
    job = started.headers["location"]
    for _ in range(200):
        if ada.get(f"{job}/progress").status_code == 286:
            break
        time.sleep(0.05)
    assert "period 2:activity" in ada.get(f"{job}/result.csv").text


def test_a_waiting_job_is_cancelled_from_its_page_and_nobody_else_may(app, ada):
    economy = uploaded(ada)
    with app.state.sessions() as db, db.begin():  # queued, not yet handed to the worker
        job = queue_job(db, "values", economy, 1, {"method": "lp"}).id
    page = ada.get(f"/app/jobs/{job}")
    assert "Cancel this job" in page.text
    bob = signed_in(browser(app), "bob@example.org")
    refused = bob.post(f"/app/jobs/{job}/cancel", data={"csrf_token": token_of(bob, "/app/economies")})
    assert refused.status_code == 404
    answer = ada.post(f"/app/jobs/{job}/cancel", data={"csrf_token": token_in(page.text)},
                      follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, f"/app/jobs/{job}")
    ended = ada.get(f"/app/jobs/{job}/progress")
    assert ended.status_code == 286 and "Cancelled" in ended.text and "Cancel this job" not in ended.text

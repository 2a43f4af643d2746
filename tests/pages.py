"""A browser's ways with the web pages through FastAPI's TestClient (its own cookies per client):
registering and logging in, CSRF tokens read from forms, uploads, jobs started and finished."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import BAKERY, zipped
from tests.rest import PASSWORD

__all__ = ["PASSWORD", "browser", "finished_job", "post", "signed_in", "start", "token_in", "token_of",
           "upload", "uploaded"]


def browser(app: FastAPI, base_url: str = "https://testserver") -> TestClient:
    """A browser of its own (its own cookies) on the app."""
    return TestClient(app, base_url=base_url)


def token_in(page: str) -> str:
    """The CSRF token of the page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def token_of(client: TestClient, path: str = "/login") -> str:
    return token_in(client.get(path).text)


def signed_in(client: TestClient, email: str) -> TestClient:
    """``client`` registered as ``email`` and logged in."""
    registered = client.post("/register", data={"email": email, "password": PASSWORD,
                                                "csrf_token": token_of(client, "/register")})
    assert registered.status_code == 200 and "Your account is ready" in registered.text
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token_of(client)}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/app/economies")
    return client


def post(client: TestClient, path: str, data: dict[str, Any], page: str) -> Any:
    """A form of ``page`` sent, with that page's CSRF token; the answer, redirects not followed."""
    return client.post(path, data={**data, "csrf_token": token_of(client, page)}, follow_redirects=False)


def upload(client: TestClient, tables: dict[str, str] = BAKERY, **options: Any) -> Any:
    token = token_of(client, "/app/economies")
    return client.post("/app/economies", data={"name": "bakery", "csrf_token": token},
                       files={"bundle": ("bakery.zip", zipped(tables), "application/zip")}, **options)


def uploaded(client: TestClient, tables: dict[str, str] = BAKERY) -> int:
    """The number of the economy uploaded from its page."""
    answer = upload(client, tables, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def start(client: TestClient, economy: int, kind: str = "values", **options: Any) -> Any:
    return client.post(f"/app/economies/{economy}/jobs", follow_redirects=False, **options, data={
        "kind": kind, "method": "lp", "csrf_token": token_of(client, f"/app/economies/{economy}")})


def finished_job(client: TestClient, economy: int, kind: str = "values") -> int:
    """The number of a job started from the economy's page, once it has ended."""
    answer = start(client, economy, kind)
    assert answer.status_code == 303, answer.text
    job = int(answer.headers["location"].rsplit("/", 1)[1])
    for _ in range(200):
        if client.get(f"/app/jobs/{job}/progress").status_code == 286:  # htmx: stop polling
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job} did not end")


def logged_in(app: FastAPI, email: str) -> TestClient:
    """A browser of its own, logged in as ``email`` (a member who has an account already)."""
    client = browser(app)
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token_of(client)}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def text_of(page: str) -> str:
    """The page's words, without its tags (a space dropped before a full stop or a colon)."""
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return words.replace(" .", ".").replace(" :", ":")

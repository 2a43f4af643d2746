"""The web application's pages (Jinja2 + htmx), served beside the API."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the pages and their static files on ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

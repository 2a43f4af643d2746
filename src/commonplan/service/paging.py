"""Listings in pages of rows: the API's lists keep their JSON shape (a plain array) and say how
to go on in headers, ``X-Total-Count`` and ``Link: <...>; rel="next"`` (RFC 8288); the web
lists get the same numbers as a ``Page`` for their next and previous links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from commonplan.service.limits import MAX_ID, PAGE_DEFAULT, PAGE_MAX, WEB_PAGE

Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="rows to skip")]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"rows at most (default {PAGE_DEFAULT})")]
WebOffset = Annotated[int, Query(ge=0, le=MAX_ID)]


@dataclass(frozen=True)
class Page:
    """Rows ``offset`` to ``offset + limit`` of ``total``: where the previous and next pages start."""

    offset: int
    limit: int
    total: int

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous(self) -> int | None:
        return max(0, min(self.offset, self.total) - self.limit) if self.offset > 0 else None

    @property
    def first_shown(self) -> int:
        """The 1-based number of the first row shown (0 when none is)."""
        return self.offset + 1 if self.offset < self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.limit, self.total)


def count(db: Session, query: Select[Any]) -> int:
    """How many rows ``query`` has, without its ordering, offset or limit."""
    return db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def page_of(db: Session, query: Select[Any], offset: int, limit: int) -> tuple[list[Any], Page]:
    """The rows of ``query`` on the page, and the page (the query must have a stable order)."""
    rows = list(db.scalars(query.offset(offset).limit(limit)))
    return rows, Page(offset, limit, count(db, query))


def link_headers(request: Request, response: Response, page: Page, key: str = "offset") -> None:
    """``X-Total-Count`` and, where there are, ``Link`` to the next and previous pages, with the
    request's other query parameters kept."""
    response.headers["X-Total-Count"] = str(page.total)
    links = [f'<{request.url.include_query_params(**{key: start, "limit": page.limit})}>; rel="{rel}"'
             for rel, start in (("next", page.next), ("prev", page.previous)) if start is not None]
    if links:
        response.headers["Link"] = ", ".join(links)


def web_page(offset: int, total: int) -> Page:
    return Page(offset, WEB_PAGE, total)

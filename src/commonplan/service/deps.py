"""What routes and pages depend on: a database session per request (committed when the
route succeeds, before the answer is sent, so that a client acting on the answer finds what it
wrote), the job worker and the open books, all kept on the application's state."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from commonplan.app.worker import JobRunner
from commonplan.store.books import OpenBooks

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # what an integer key of either database holds


def database(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as opened, opened.begin():
        yield opened


def job_worker(request: Request) -> JobRunner:
    worker: JobRunner = request.app.state.worker  # the state holds what server.create_app put there
    return worker


def open_books(request: Request) -> OpenBooks:
    books: OpenBooks = request.app.state.books
    return books


Db = Annotated[Session, Depends(database, scope="function")]
Worker = Annotated[JobRunner, Depends(job_worker)]
Books = Annotated[OpenBooks, Depends(open_books)]

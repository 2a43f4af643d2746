"""The REST API's economies and jobs (docs/api.md): economies uploaded as zips, jobs computed
in the background (app.jobs), results as JSON and CSV. Who may do what is store.access's."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from commonplan.api.auth import Me
from commonplan.api.schemas.economies import EconomySummary, JobResult, JobSummary
from commonplan.app import jobs
from commonplan.app.guard import cancellable_job, readable_row, runnable_economy
from commonplan.app.jobs import StartableKind
from commonplan.app.uploads import MAX_UPLOAD, store_builtin, store_bundle
from commonplan.planning import DEFAULT_METHOD, PlanMethod, methods_help
from commonplan.service.deps import Db, RowId, Worker
from commonplan.service.downloads import bundle_file, result_csv_file
from commonplan.service.limits import MULTIPART_SLACK, PAGE_DEFAULT, Key, OptionalName, Strict
from commonplan.service.paging import Limit, Offset, link_headers, page_of
from commonplan.store.access import readable
from commonplan.store.models import Job, StoredEconomy


class JobRequest(Strict):
    kind: StartableKind
    method: PlanMethod = Field(DEFAULT_METHOD, description=methods_help())
    periods: int = Field(1, ge=1, le=jobs.MAX_PERIODS,
                         description="periods of an exact plan (capital tables)")
    priorities_ballot: Key | None = Field(None, description=(
        "a closed ballot on priorities: the plan variant for the tiers the council voted"))
    shares_ballot: Key | None = Field(None, description=(
        "a closed ballot on shares of work: each part's needs kept within its share of the "
        "labour force (docs/planning.md)"))


router = APIRouter()


@router.post("/economies", status_code=201, operation_id="upload_economy",
             max_body_size=MAX_UPLOAD + MULTIPART_SLACK)
async def upload(me: Me, db: Db, bundle: Annotated[UploadFile, File()],
                 name: Annotated[OptionalName, Form()] = "economy") -> EconomySummary:
    return EconomySummary.model_validate(store_bundle(db, me, name, await bundle.read(MAX_UPLOAD + 1)))


@router.post("/economies/builtin", status_code=201, operation_id="add_builtin_economy")
def add_builtin(me: Me, db: Db) -> EconomySummary:
    """The built-in US 2017 economy, ready to plan (its labour force and capacities), stored as
    one of yours."""
    return EconomySummary.model_validate(store_builtin(db, me))


@router.get("/economies", operation_id="list_economies")
def list_economies(me: Me, db: Db, request: Request, response: Response, offset: Offset = 0,
                   limit: Limit = PAGE_DEFAULT) -> list[EconomySummary]:
    found, page = page_of(db, readable(me, StoredEconomy), offset, limit)
    link_headers(request, response, page)
    return [EconomySummary.model_validate(economy) for economy in found]


@router.get("/economies/{economy_id}", operation_id="get_economy")
def economy(economy_id: RowId, me: Me, db: Db) -> EconomySummary:
    return EconomySummary.model_validate(readable_row(db, StoredEconomy, economy_id, me))


@router.get("/economies/{economy_id}/bundle", operation_id="download_bundle",
            response_class=Response, responses={200: {"content": {"application/zip": {}}}})
def bundle(economy_id: RowId, me: Me, db: Db) -> Response:
    return bundle_file(readable_row(db, StoredEconomy, economy_id, me))


@router.post("/economies/{economy_id}/jobs", status_code=202, operation_id="start_job")
def start(economy_id: RowId, body: JobRequest, me: Me, db: Db, worker: Worker) -> JobSummary:
    stored = runnable_economy(db, economy_id, me)
    voted = jobs.voted_choices(db, stored, body.priorities_ballot, body.shares_ballot)
    options = jobs.job_options(body.kind, body.method, body.periods, voted)
    return JobSummary.model_validate(worker.start(db, economy_id, me.id, body.kind, options))


@router.get("/jobs", operation_id="list_jobs")
def list_jobs(me: Me, db: Db, request: Request, response: Response, offset: Offset = 0,
              limit: Limit = PAGE_DEFAULT) -> list[JobSummary]:
    found, page = page_of(db, readable(me, Job), offset, limit)
    link_headers(request, response, page)
    return [JobSummary.model_validate(job) for job in found]


@router.get("/jobs/{job_id}", operation_id="get_job")
def job_status(job_id: RowId, me: Me, db: Db) -> JobSummary:
    return JobSummary.model_validate(readable_row(db, Job, job_id, me))


@router.post("/jobs/{job_id}/cancel", operation_id="cancel_job")
def cancel(job_id: RowId, me: Me, db: Db) -> JobSummary:
    return JobSummary.model_validate(jobs.cancelled(db, cancellable_job(db, job_id, me), me))


@router.get("/jobs/{job_id}/result", operation_id="get_job_result", response_model=JobResult)
def job_result(job_id: RowId, me: Me, db: Db) -> JSONResponse:
    # the stored document as it is, serialized once: a plan of 10^5 products is megabytes,
    # which validating against JobResult (the schema it is documented by) would only copy
    return JSONResponse(jobs.finished_result(readable_row(db, Job, job_id, me)))


@router.get("/jobs/{job_id}/result.csv", operation_id="get_job_result_csv",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def job_result_csv(job_id: RowId, me: Me, db: Db) -> Response:
    return result_csv_file(readable_row(db, Job, job_id, me))

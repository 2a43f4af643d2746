"""Downloads the API and the pages both give: a stored bundle, a job's result as CSV, targets as
CSV (streamed, a workplace at a time)."""

from collections.abc import Iterator
from typing import Any

from fastapi.responses import Response, StreamingResponse

from commonplan.app.jobs import finished_result, result_csv
from commonplan.app.targets import targets_csv
from commonplan.store.models import Job, StoredEconomy


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A download: the browser saves it as ``filename``."""
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def bundle_file(economy: StoredEconomy) -> Response:
    return attachment(economy.bundle, "application/zip", f"economy-{economy.id}.zip")


def result_csv_file(job: Job) -> Response:
    return attachment(result_csv(finished_result(job)), "text/csv", f"{job.kind}-{job.id}.csv")


def targets_file(documents: Iterator[dict[str, Any]], filename: str) -> StreamingResponse:
    """Workplaces' targets as CSV with exact figures (app.targets.CSV_COLUMNS)."""
    return StreamingResponse(targets_csv(documents), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})

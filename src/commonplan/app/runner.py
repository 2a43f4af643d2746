"""What the use cases that queue a job need of whatever runs it (app.worker.JobRunner: beside
the server, or sent to the queue): a protocol of its own, so that they need not import the
runner, nor the runner them."""

from __future__ import annotations

from typing import Protocol


class Runner(Protocol):
    """What runs a queued job."""

    def submit(self, job_id: int) -> None: ...

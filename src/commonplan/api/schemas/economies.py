"""The answers of the economies' and jobs' routes: an uploaded economy, a job, a job's result."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from commonplan.app.jobs import JobKind


class EconomySummary(BaseModel):
    """An uploaded economy (its bundle is downloaded apart, ``download_bundle``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    bundle_sha256: str = Field(description="SHA-256 of the bundle's content (SPEC section 1), hex")
    owner_id: int = Field(description="the member who uploaded it")
    warnings: list[str] = Field(description="what the bundle was accepted with, though not refused for")


class JobSummary(BaseModel):
    """A computation on an economy, and how far it has come."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: JobKind
    economy_id: int
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(description="from 0 to 1")
    message: str = Field(description="the last progress report, or why the job failed or was cancelled")


class Provenance(BaseModel):
    """What a result was computed from, and by which version."""

    model_config = ConfigDict(extra="allow")

    bundle_sha256: str | None
    commonplan_version: str


class JobResult(BaseModel):
    """The command's ``--json`` document (SPEC section 3): for ``values``, ``{unit, values,
    ...}``; for ``requirements``, ``{activity, use, ...}``; for ``plan``, ``{status,
    fulfilment, activity, net_output, labour_hours, ...}`` (a plan of several periods adds
    ``periods``); every one with its provenance and warnings. Its other fields are free-form
    here: SPEC is their contract."""

    model_config = ConfigDict(extra="allow")

    provenance: Provenance
    warnings: list[str] = Field(description="the bundle's warnings and the computation's")

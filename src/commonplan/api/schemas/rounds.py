"""The answers of the planning rounds' routes: a round, where it stands and what it gathered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

from pydantic import BaseModel, Field

from commonplan.api.schemas.reports import ReportsSummary
from commonplan.api.schemas.targets import DisputeView
from commonplan.app.targets import SHOWN_DISPUTES
from commonplan.democracy.rounds import ORDER
from commonplan.needs.record_kinds import KINDS

if TYPE_CHECKING:
    StepName: TypeAlias = str
    RecordKind: TypeAlias = str
else:  # the schema's enums, read from the steps and the kinds of record in the core
    StepName = Literal[tuple(step.value for step in ORDER)]
    RecordKind = Literal[tuple(KINDS)]


class RoundStep(BaseModel):
    """One step of a round: what it is for, who acts in it, its deadline and its state."""

    step: StepName
    title: str
    purpose: str
    who: str
    deadline: str | None = Field(description="ISO 8601, UTC; none for the closing step")
    state: Literal["done", "now", "to come"]


class SentRecords(BaseModel):
    """A file of records a council sent to the round."""

    council: int
    kind: RecordKind
    filename: str
    sha256: str
    bytes: int


class Figure(BaseModel):
    """A product with one figure, named for people."""

    product: str
    name: str
    unit: str
    figure: float


class Learned(BaseModel):
    """The needs learned from the records (the needs job's result has every product)."""

    job: int
    horizon_days: int | None
    products: int
    short: list[Figure] = Field(description="days with an empty shelf, the most first")
    hidden: list[Figure] = Field(description="demand the empty shelves hid: the estimate above the sales")
    requested: list[Figure] = Field(description="quantities requested")


class TargetsJob(BaseModel):
    """The job publishing a round's targets (GET /jobs/{id} has the rest)."""

    id: int
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    message: str


class RoundView(BaseModel):
    """A planning round of a federation (docs/democracy.md, Planning rounds)."""

    id: int
    council: int
    council_name: str
    economy: int
    period: str
    step: StepName
    title: str = Field(description="the step it is at, in words")
    since: str
    deadline: str | None
    overdue: bool = Field(description="its step's deadline has passed with the step unfinished")
    missing: list[str] = Field(description="what must still be done before it moves on")
    who: str = Field(description="who must act now")
    next: str | None = Field(description="the step after this one, in words")
    steps: list[RoundStep]
    needs: str = Field(description="where its needs come from")
    ballots: dict[str, int] = Field(description="its ballots by kind (priorities, shares, budget, plan)")
    closed_ballots: dict[str, int]
    variants: list[int] = Field(description="its plan variants (jobs), in the order they were added")
    finished_variants: list[int]
    adopted: int | None = Field(description="the variant adopted, once the round moved past adoption")
    plan_sha256: str | None = Field(description="SHA-256 of the adopted variant's result, frozen")
    may_act: bool = Field(description="whether you are a member of its federation")
    records: list[SentRecords] = Field(description="the records councils sent, the latest of each kind")
    learned: Learned | None = Field(description="what was learned of the needs, once a needs job is done")
    workplaces: int = Field(0, description="workplaces with targets in the adopted plan, once published")
    targets_job: TargetsJob | None = Field(None, description=(
        "the job publishing every workplace's targets, queued when the round leaves the adoption"))
    open_disputes: int = Field(0, description="disputes of targets the federation has not answered")
    disputes: list[DisputeView] = Field(default_factory=list, description=(
        f"the open disputes, oldest first (the first {SHOWN_DISPUTES}): who, what, why"))
    report_every: str = Field("week", description="how often its workplaces report: day or week")
    alert_hours: int = Field(48, description=(
        "hours to acknowledge an alert, then to act on it, before it climbs"))
    reports: ReportsSummary | None = Field(None, description="its workplaces' reports, once in execution")
